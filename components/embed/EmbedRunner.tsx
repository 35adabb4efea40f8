'use client';

import { ApiError, call } from '../../client/api';
import { formatDistance, formatDuration } from '../../lib/course/units';
import { usePoll } from '../usePoll';

/** The embed of one runner: place overall and in category, where they are, their checkpoints and their finish. */
export function EmbedRunner({ event, runner }: { event: string; runner: string }) {
  const got = usePoll(
    async (signal) => {
      const [standings, detail] = await Promise.all([
        call('feedStandings', { id: event }, { signal }),
        call('runnerRace', { id: event, runner }, { query: { unit: 'km' }, signal }).catch((err: unknown) => {
          if (err instanceof ApiError && err.status === 404) return null;
          throw err;
        }),
      ]);
      return { row: standings.standings.find((r) => r.id === runner) ?? null, detail };
    },
    5000,
    `${event}/${runner}`,
  );
  if (got.error && !got.data) return <p className="embed-note">{got.error}</p>;
  if (!got.data) return <p className="embed-note">Loading…</p>;
  const { row, detail } = got.data;
  if (!row) return <p className="embed-note">That runner is not in this race.</p>;
  const eta = detail?.race.eta.find((e) => e.kind === 'finish');
  return (
    <article className="embed-runner" data-testid="embed-runner">
      <h2>
        {row.bib && <span className="embed-bib">{row.bib}</span>} {row.name}
      </h2>
      <p className="embed-sub">{[row.entry?.category, row.entry?.club].filter(Boolean).join(' · ')}</p>
      <dl className="embed-stats">
        <div>
          <dt>Place</dt>
          <dd data-testid="embed-runner-place">{row.pos ?? '—'}</dd>
        </div>
        <div>
          <dt>In category</dt>
          <dd>{row.cat ?? '—'}</dd>
        </div>
        <div>
          <dt>{row.state === 'finished' ? 'Chip time' : 'Distance'}</dt>
          <dd>{row.state === 'finished' && row.finish !== null ? formatDuration(row.finish) : row.at !== null ? formatDistance(row.at, 'km', 1) : 'not started'}</dd>
        </div>
        <div>
          <dt>{row.state === 'finished' ? 'Gun time' : 'Finish expected'}</dt>
          <dd>
            {row.state === 'finished'
              ? row.gun !== null
                ? formatDuration(row.gun)
                : '—'
              : eta
                ? new Date(eta.t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
                : '—'}
          </dd>
        </div>
      </dl>
      {detail && detail.checkpoints.length > 0 && (
        <table className="embed-table">
          <thead>
            <tr>
              <th scope="col">Checkpoint</th>
              <th scope="col" className="num">
                Time
              </th>
            </tr>
          </thead>
          <tbody>
            {detail.checkpoints.map((s) => (
              <tr key={s.label}>
                <td>{s.label}</td>
                <td className="num">{s.elapsed !== null ? formatDuration(s.elapsed) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}
