'use client';

import dynamic from 'next/dynamic';
import { formatElapsed, type OwnTrack } from '../../client/own-track';
import { formatDistance, formatPace } from '../../lib/geo';
import type { TrackPoint } from '../../lib/protocol';
import { useNow } from '../useNow';

const OwnMap = dynamic(() => import('../OwnMap'), {
  ssr: false,
  loading: () => <div className="own-map" />,
});

/** "Your run": distance, time and pace worked out on the phone from its own fixes, and a small map of the trail. */
export function OwnRunPanel({
  track,
  points,
  sharing,
  color,
  tileUrl,
  tileAttribution,
}: {
  track: OwnTrack | null;
  points: readonly TrackPoint[];
  sharing: boolean;
  color: string;
  tileUrl: string;
  tileAttribution: string;
}) {
  const now = useNow();
  return (
    <section className="panel" aria-labelledby="run-heading">
      <h2 id="run-heading">Your run</h2>
      <div className="stats own-stats">
        <div className="stat">
          <div className="label">Distance</div>
          <div className="value" data-testid="own-distance">
            {track && track.points.length ? formatDistance(track.distance) : '—'}
          </div>
        </div>
        <div className="stat">
          <div className="label">Time</div>
          <div className="value" data-testid="own-elapsed">
            {formatElapsed(track?.elapsed(now, sharing) ?? null)}
          </div>
        </div>
        <div className="stat">
          <div className="label">Average pace</div>
          <div className="value" data-testid="own-pace">
            {formatPace(track?.averagePace() ?? null)}
          </div>
        </div>
        <div className="stat">
          <div className="label">Pace now</div>
          <div className="value">{sharing ? formatPace(track?.currentPace() ?? null) : '—'}</div>
        </div>
      </div>
      <OwnMap points={points} color={color} tileUrl={tileUrl} tileAttribution={tileAttribution} />
    </section>
  );
}
