/**
 * Results and the finish line over HTTP: GET …/results (JSON, or ?format=csv) streamed as a download within
 * the export budget, and GET …/finish-line for the announcer's page. Read like the rest: open for public
 * events, the view code, a share link (its runners only) or the organiser token for protected ones.
 */
import { slugify } from '../../../lib/slug';
import { log } from '../../log';
import { writeResultsCsv, writeResultsJson } from '../../exports/results';
import { ClientGone, responseSink } from '../../exports/sink';
import { sendJson } from '../errors';
import { type ApiRequest, addressOf, ask, reader } from './context';

/** GET …/results?format=csv|json. */
export async function results(r: ApiRequest<'results'>): Promise<void> {
  const { viewer, cors } = await reader(r);
  const release = r.ctx.exports.acquire(addressOf(r));
  try {
    const got = await ask(r, { ask: 'results', only: viewer.only ? [...viewer.only] : null });
    const csv = r.query.format === 'csv';
    r.res.writeHead(200, {
      'content-type': csv ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${slugify(got.info.name)}-results.${csv ? 'csv' : 'json'}"`,
      'cache-control': 'no-store',
      ...cors,
    });
    const sink = responseSink(r.res);
    if (csv) await writeResultsCsv(sink, got.columns, got.rows);
    else await writeResultsJson(sink, got.info, r.ctx.live.now(), got.columns, got.rows);
    r.res.end();
  } catch (err) {
    if (err instanceof ClientGone) return;
    if (!r.res.headersSent) throw err;
    log('error', 'export_failed', { what: 'results', path: r.url.pathname, error: err instanceof Error ? err.message : String(err) });
    r.res.destroy();
  } finally {
    release();
  }
}

/** GET …/finish-line: runners expected at the finish soonest first, and the latest finishers. */
export async function finishLine(r: ApiRequest<'finishLine'>): Promise<void> {
  const { viewer, cors } = await reader(r);
  const { info, ...line } = await ask(r, { ask: 'finishLine', only: viewer.only ? [...viewer.only] : null });
  sendJson(r.res, 200, { event: { id: info.id, name: info.name, status: info.status }, ...line }, { 'cache-control': 'no-store', ...cors });
}
