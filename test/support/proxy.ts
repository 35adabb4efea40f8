/**
 * A real round-robin reverse proxy for tests with several instances: Debian's nginx running
 * deploy/nginx/trackside.conf (the configuration the deployment guide gives) on a free loopback port, in
 * front of the given upstream ports, from a temporary folder that `stop` removes.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { spawnGroup } from './processes';
import { waitFor, within } from './wait';

export const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
export const SITE_CONFIG = join(__dirname, '..', '..', 'deploy', 'nginx', 'trackside.conf');

/** The access log deploy/nginx/trackside.conf names, which the tests put in their own folder. */
const ACCESS_LOG = /^( *access_log )\/var\/log\/nginx\/trackside\.access\.log( [^;]*;)$/m;

/**
 * deploy/nginx/trackside.conf with this listen port and these upstream ports in place of the example's, and
 * its access log written to `accessLog`.
 */
export function siteConfig(listenPort: number, upstreams: readonly number[], accessLog: string): string {
  const text = readFileSync(SITE_CONFIG, 'utf8');
  const servers = [...text.matchAll(/^( *)server 127\.0\.0\.1:\d+( [^;]*)?;\n/gm)];
  const listens = [...text.matchAll(/^( *)listen 80;$/gm)];
  if (servers.length === 0 || listens.length !== 1 || !ACCESS_LOG.test(text)) {
    throw new Error(`${SITE_CONFIG}: expected upstream "server 127.0.0.1:…" lines, one "listen 80;" and the access_log line`);
  }
  const [indent, params] = [servers[0]![1]!, servers[0]![2] ?? ''];
  const upstreamLines = upstreams.map((port) => `${indent}server 127.0.0.1:${port}${params};\n`).join('');
  const first = servers[0]!.index;
  const last = servers.at(-1)!;
  const end = last.index + last[0].length;
  return (text.slice(0, first) + upstreamLines + text.slice(end))
    .replace(/^( *)listen 80;$/m, `$1listen 127.0.0.1:${listenPort};`)
    .replace(ACCESS_LOG, `$1${accessLog}$2`);
}

/** The process around the site: foreground, one worker, everything it writes inside `dir`. */
function mainConfig(dir: string, workerConnections: number): string {
  return `daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile ${workerConnections * 2 + 64};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events {
    worker_connections ${workerConnections};
}
http {
    access_log off;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${dir}/trackside.conf;
}
`;
}

export interface Proxy {
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** nginx's error log so far, for a failing test's message. */
  errors(): string;
  /** The access log so far, as deploy/nginx/trackside.conf writes it. */
  accessLog(): string;
  /** Stop nginx (master and workers) and remove its folder. */
  stop(): Promise<void>;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startProxy(upstreams: readonly number[], opts: { workerConnections?: number } = {}): Promise<Proxy> {
  if (!existsSync(NGINX)) throw new Error(`nginx not found at ${NGINX}: apt-get install nginx (or set NGINX_PATH)`);
  const dir = mkdtempSync(join(tmpdir(), 'trackside-nginx-'));
  // Workers drop root privileges; they must still reach their temporary folders in here.
  chmodSync(dir, 0o755);
  const port = await freePort();
  const accessLog = join(dir, 'access.log');
  writeFileSync(join(dir, 'trackside.conf'), siteConfig(port, upstreams, accessLog));
  writeFileSync(join(dir, 'nginx.conf'), mainConfig(dir, opts.workerConnections ?? 8192));
  const errorLog = join(dir, 'error.log');
  const errors = () => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '');

  // nginx runs in a process group of its own: workers go with the master even if it is killed outright.
  const nginx = spawnGroup(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', errorLog], { stdio: ['ignore', 'ignore', 'pipe'] });

  const stop = async () => {
    if (nginx.running()) {
      nginx.signal('SIGTERM');
      await within(nginx.exited, { timeout: 5000, what: 'nginx to stop' }).catch(() => nginx.kill());
    }
    // Workers finish with the master on SIGTERM; make sure none is left if it was killed instead.
    await nginx.kill();
    rmSync(dir, { recursive: true, force: true });
  };

  const up = await waitFor(async () => (await canConnect(port)) || !nginx.running(), { timeout: 10_000, interval: 25, what: `nginx on 127.0.0.1:${port}` }).catch(() => false);
  if (up && nginx.running()) return { port, url: `http://127.0.0.1:${port}`, errors, accessLog: () => (existsSync(accessLog) ? readFileSync(accessLog, 'utf8') : ''), stop };
  const log = `${nginx.output()}${errors()}`.trim();
  await stop();
  throw new Error(`nginx did not start on 127.0.0.1:${port}:\n${log}`);
}
