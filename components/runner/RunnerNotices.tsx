'use client';

import type { GpsProblem } from '../../client/gps';

/** What stops or stopped sharing, said where the runner looks first: GPS, the server, the organiser, a deleted track. */
export function RunnerNotices({
  gpsProblem,
  serverProblem,
  removed,
  deleted,
}: {
  gpsProblem: GpsProblem;
  /** The server's words for why sharing stopped (event finished, runner removed…). */
  serverProblem: string | null;
  removed: boolean;
  deleted: boolean;
}) {
  return (
    <>
      {gpsProblem && (
        <div className="alert" role="alert" data-testid="gps-problem">
          <strong>{gpsProblem.title}</strong>
          {gpsProblem.text}
        </div>
      )}
      {serverProblem ? (
        <div className="alert" role="alert" data-testid="server-problem">
          <strong>Sharing has stopped</strong>
          {serverProblem}
          {removed && <p>This page can no longer share your position in this event. Ask the organiser if this is a mistake.</p>}
        </div>
      ) : (
        removed && (
          <div className="alert" role="alert" data-testid="server-problem">
            <strong>The organiser removed you from this event</strong>
            This page can no longer share your position here. Ask the organiser if this is a mistake.
          </div>
        )
      )}
      {deleted && (
        <div className="alert info" role="status">
          <strong>Your track was deleted</strong>
          Spectators no longer see you. Tap Start sharing to join again as a new runner.
        </div>
      )}
    </>
  );
}
