/** Alarms raised from runners' tracking apps stay open until the organiser acknowledges them. */
import type { Alert } from '../../lib/protocol';
import { type Effects, nothing } from './effects';
import type { Room } from './state';

/** The organiser has seen an alert: it closes, for everyone who saw it. Null when no such alert is open. */
export function acknowledgeAlert(room: Room, alertId: string): Effects<Alert | null> {
  const open = room.alerts.get(alertId);
  if (!open) return nothing(null);
  const acked: Alert = { ...open, ackedAt: room.now() };
  return {
    send: [],
    write: [{ op: 'alert', event: room.id, alert: acked }],
    commit: () => {
      // Acknowledged twice at once: the first to commit tells everyone.
      if (!room.alerts.delete(alertId)) return { send: [], result: acked };
      room.snapshotCache = null;
      return { send: [{ to: { watchers: open.runnerId }, msg: { type: 'alert', event: room.id, alert: acked } }], result: acked };
    },
  };
}
