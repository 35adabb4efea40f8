'use client';

import type { WhereaboutsKind } from '../lib/course/estimate';

/**
 * What the map's markers mean, shown while some runner is placed by the estimator rather than by a fresh
 * fix: the faded dot is where they were last seen, the hollow one where they probably are now, and the
 * band where they could be.
 */
export function MapLegend({ kinds }: { kinds: ReadonlySet<WhereaboutsKind> }) {
  if (!kinds.has('ghost') && !kinds.has('predicted')) return null;
  return (
    <div className="map-legend" data-testid="map-legend" aria-label="Map legend">
      <ul>
        <li>
          <span className="legend-dot live" aria-hidden="true" /> Last fix
        </li>
        {kinds.has('ghost') && (
          <li>
            <span className="legend-dot ghost" aria-hidden="true" /> Not heard from: probably here
          </li>
        )}
        {kinds.has('predicted') && (
          <li>
            <span className="legend-dot predicted" aria-hidden="true" /> Chip only: predicted between mats
          </li>
        )}
        <li>
          <span className="legend-band" aria-hidden="true" /> Where they could be by now
        </li>
      </ul>
    </div>
  );
}
