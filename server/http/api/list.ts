/**
 * GET /api/events/<id>/list?sort=&desc=&q=&from=&limit=&cat=&sex=&ag=&club=&wave=: a window of the runner list, for a page that shows
 * a field of thousands a screenful at a time (and the light page), with an ETag and gzip (../tagged.ts).
 */
import { LIST_QUERY_MAX } from '../../../lib/routes';
import type { ListFilter } from '../../../lib/runner-filter';
import { sendTagged } from '../tagged';
import { type ApiRequest, ask, reader } from './context';

export async function runnerList(r: ApiRequest<'runnerList'>): Promise<void> {
  const { viewer, cors } = await reader(r);
  const { sort, desc, q, from, limit, cat, sex, ag, club, wave } = r.query;
  const filter = Object.fromEntries(Object.entries({ category: cat, sex, ageGroup: ag, club, wave }).filter(([, v]) => v)) as ListFilter;
  const { info: _info, ...page } = await ask(r, {
    ask: 'list',
    sort,
    desc: desc === '1',
    q: (q ?? '').slice(0, LIST_QUERY_MAX).trim(),
    from: from ?? 0,
    limit: limit ?? 100,
    only: viewer.only ? [...viewer.only] : null,
    filter,
  });
  sendTagged(r.req, r.res, JSON.stringify(page), 'application/json; charset=utf-8', cors);
}
