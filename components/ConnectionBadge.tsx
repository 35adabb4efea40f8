'use client';

import type { ConnectionState } from '../lib/live-socket';

export function ConnectionBadge({ state, retryInMs }: { state: ConnectionState; retryInMs: number | null }) {
  const [tone, text] =
    state === 'open'
      ? ['ok', 'Live']
      : state === 'connecting'
        ? ['warn', 'Connecting…']
        : state === 'reconnecting'
          ? ['bad', retryInMs ? `Offline · retrying in ${Math.ceil(retryInMs / 1000)} s` : 'Reconnecting…']
          : ['bad', 'Disconnected'];
  return (
    <span className={`pill ${tone}`} role="status" data-testid="connection" data-state={state}>
      {text}
    </span>
  );
}
