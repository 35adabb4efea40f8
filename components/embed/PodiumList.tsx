import { formatDuration } from '../../lib/course/units';
import { podiums } from './podium';

type Row = Parameters<typeof podiums>[0][number];

/** The first three finishers of every category (from the standings, in race order). */
export function PodiumList({ rows }: { rows: readonly Row[] }) {
  const list = podiums(rows);
  return (
    <div className="podiums" data-testid="podiums">
      {list.length === 0 && <p className="muted">No finishers in a category yet.</p>}
      {list.map((p) => (
        <section key={p.category} className="podium" aria-label={`${p.category} podium`} data-testid="podium">
          <h2>{p.category}</h2>
          <ol>
            {p.places.map((r, i) => (
              <li key={r.id} data-place={i + 1}>
                <span className="podium-place">{i + 1}</span>
                <span className="podium-name">
                  {r.bib ? `${r.bib} · ` : ''}
                  {r.name}
                  {r.club && <small>{r.club}</small>}
                </span>
                <span className="podium-time">{r.time !== null ? formatDuration(r.time) : ''}</span>
              </li>
            ))}
          </ol>
        </section>
      ))}
    </div>
  );
}
