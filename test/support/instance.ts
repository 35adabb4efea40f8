/**
 * One Trackside instance without pages, in a process of its own, for tests with several instances: the
 * same startTrackside as server.ts, configured from the environment; it tells its parent its port.
 */
import { startTrackside } from '../../server/app';
import { loadConfig } from '../../server/config';

async function main() {
  const trackside = await startTrackside({
    config: loadConfig(process.env),
    leaseTtlMs: process.env.TEST_LEASE_TTL_MS ? Number(process.env.TEST_LEASE_TTL_MS) : undefined,
    heartbeatMs: 5000,
  });
  process.send?.({ type: 'listening', port: trackside.port, instance: trackside.live.backplane.bus.instance });
  const stop = () => void trackside.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.send?.({ type: 'failed', message: (err as Error).message });
  console.error(err);
  process.exit(1);
});
