'use client';

import type { Alert } from '../lib/protocol';
import { ago } from './useNow';

/**
 * Open SOS alerts, above everything else: who, since when, from which app, and where they were. Spectators
 * can show the runner on the map; the organiser acknowledges (which closes it for everyone).
 */
export function AlertBanner({
  alerts,
  now,
  onShow,
  onAcknowledge,
}: {
  alerts: readonly Alert[];
  now: number;
  onShow?: (runnerId: string) => void;
  onAcknowledge?: (alert: Alert) => void;
}) {
  if (alerts.length === 0) return null;
  return (
    <section className="alert" role="alert" aria-label="SOS alerts" data-testid="sos-alerts" style={{ margin: 8, display: 'grid', gap: 8 }}>
      {alerts.map((a) => (
        <div key={a.id} data-alert={a.id} data-runner={a.runnerId} style={{ display: 'flex', flexWrap: 'wrap', gap: 8, alignItems: 'center' }}>
          <div style={{ flex: '1 1 240px' }}>
            <strong>SOS from {a.name}</strong>
            <span className="small">
              Raised {ago(a.raisedAt, now)} from {a.source}.{' '}
              {a.at ? (
                <>
                  Last position{' '}
                  <a href={`geo:${a.at.lat},${a.at.lon}`} data-testid="sos-position">
                    {a.at.lat.toFixed(5)}, {a.at.lon.toFixed(5)}
                  </a>
                  {a.at.acc > 0 ? ` (±${Math.round(a.at.acc)} m)` : ''}, {ago(a.at.t, now)}.
                </>
              ) : (
                'No position known yet.'
              )}
            </span>
          </div>
          {onShow && (
            <button className="btn" type="button" onClick={() => onShow(a.runnerId)}>
              Show on map
            </button>
          )}
          {onAcknowledge && (
            <button className="btn danger" type="button" onClick={() => onAcknowledge(a)}>
              Acknowledge
            </button>
          )}
        </div>
      ))}
    </section>
  );
}
