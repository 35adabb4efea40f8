'use client';

import type { RunnerSessionState } from '../../client/runner-session';
import { ConnectionBadge } from '../ConnectionBadge';
import { ago, useNow } from '../useNow';

/** "Sharing": whether positions get through — the connection, GPS accuracy, and points taken, sent, confirmed and waiting. */
export function SharingPanel({ session, accuracy, lastFix }: { session: RunnerSessionState | null; accuracy: number | null; lastFix: number | null }) {
  const now = useNow();
  return (
    <section className="panel" aria-labelledby="sharing-heading">
      <h2 id="sharing-heading">Sharing</h2>
      <div className="status-line">
        <span className="small muted">Connection</span>
        {session ? (
          <ConnectionBadge state={session.connection} retryInMs={session.retryInMs} transport={session.transport} openText="Connected" />
        ) : (
          <span className="pill neutral" data-testid="connection">
            Not connected
          </span>
        )}
      </div>
      <div className="stats" style={{ marginTop: 8 }}>
        <div className="stat">
          <div className="label">GPS accuracy</div>
          <div className="value" data-testid="accuracy">
            {accuracy === null ? '—' : `±${Math.round(accuracy)} m`}
          </div>
        </div>
        <div className="stat">
          <div className="label">Last fix</div>
          <div className="value" data-testid="last-fix">
            {lastFix === null ? '—' : ago(lastFix, now)}
          </div>
        </div>
      </div>
      <div className="counters" aria-label="Points">
        <div className="stat" title="Positions this phone took">
          <div className="label">Taken</div>
          <div className="value" data-testid="taken">
            {session?.taken ?? 0}
          </div>
        </div>
        <div className="stat" title="Positions sent over the connection">
          <div className="label">Sent</div>
          <div className="value" data-testid="sent">
            {session?.sent ?? 0}
          </div>
        </div>
        <div className="stat" title="Positions the server confirmed it has stored">
          <div className="label">Confirmed</div>
          <div className="value" data-testid="acked">
            {session?.acked ?? 0}
          </div>
        </div>
        <div className="stat" title="Positions kept on this phone until the server confirms them">
          <div className="label">Waiting</div>
          <div className="value" data-testid="waiting">
            {session?.pending ?? 0}
          </div>
        </div>
      </div>
    </section>
  );
}
