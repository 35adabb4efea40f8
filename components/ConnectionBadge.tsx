'use client';

import type { ConnectionState, Transport } from '../client/socket-like';

export function ConnectionBadge({
  state,
  retryInMs,
  transport = 'websocket',
  openText = 'Live',
}: {
  state: ConnectionState;
  retryInMs: number | null;
  transport?: Transport;
  /** What an open connection is called: "Live" for a view of the event, "Connected" for a runner's link. */
  openText?: string;
}) {
  const [tone, text] =
    state === 'open'
      ? ['ok', transport === 'sse' ? `${openText} (fallback: SSE)` : openText]
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
