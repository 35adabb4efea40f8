'use client';

import type { ConnectionState, Transport } from '../client/live-socket';

export function ConnectionBadge({
  state,
  retryInMs,
  transport = 'websocket',
}: {
  state: ConnectionState;
  retryInMs: number | null;
  transport?: Transport;
}) {
  const [tone, text] =
    state === 'open'
      ? ['ok', transport === 'sse' ? 'Live (fallback: SSE)' : 'Live']
      : state === 'connecting'
        ? ['warn', 'Connecting…']
        : state === 'reconnecting'
          ? ['bad', retryInMs ? `Offline · retrying in ${Math.ceil(retryInMs / 1000)} s` : 'Reconnecting…']
          : ['bad', 'Disconnected'];
  return (
    <span
      className={`pill ${tone}`}
      role="status"
      data-testid="connection"
      data-state={state}
      data-transport={transport}
      title={transport === 'sse' ? 'WebSocket is blocked on this network: using Server-Sent Events instead.' : undefined}
    >
      {text}
    </span>
  );
}
