/** Trackside: pages (Next) and the live WebSocket endpoint on one port. */
import next from 'next';
import { startTrackside } from './server/app';
import { ConfigError, loadConfig } from './server/config';
import { log } from './server/log';
import { reachableUrls } from './server/network';

async function main() {
  let config;
  try {
    config = loadConfig(process.env, process.argv.slice(2));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }

  const app = next({ dev: config.dev, dir: __dirname });
  await app.prepare();
  const trackside = await startTrackside({
    config,
    pages: { handle: app.getRequestHandler(), upgrade: app.getUpgradeHandler() },
  });

  const urls = reachableUrls(config.tls ? 'https' : 'http', config.host, trackside.port);
  log('info', 'listening', { urls, dev: config.dev, demo: config.demo, dataDir: config.dataDir });
  console.log(`\nTrackside is running:\n${urls.map((u) => `  ${u}`).join('\n')}\n`);
  if (!config.tls && urls.some((u) => !u.includes('localhost'))) {
    console.log('Phones need https for GPS: restart with `npm start -- --https` (self-signed) or TLS_CERT/TLS_KEY.\n');
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutting_down', { signal });
    const force = setTimeout(() => {
      log('error', 'shutdown_timeout', {});
      process.exit(1);
    }, 5000);
    force.unref();
    trackside
      .close()
      .then(() => app.close?.())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log('error', 'shutdown_failed', { error: String(err) });
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
