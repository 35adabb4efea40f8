/** Configuration from environment variables (and `--https`), validated once at start-up. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseConnectionString } from 'pg-connection-string';
import { z } from 'zod';

const flag = z
  .enum(['0', '1', 'true', 'false', 'yes', 'no', 'on', 'off'], { message: 'must be 1 or 0' })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));
const ms = (min: number, max: number) =>
  z.coerce.number({ message: 'must be a number of milliseconds' }).int('must be a whole number').min(min).max(max);

/** Whether the PostgreSQL driver can read this URL (it takes libpq's forms, e.g. a ?host=/socket folder). */
function isConnectionString(url: string): boolean {
  try {
    parseConnectionString(url);
    return true;
  } catch {
    return false;
  }
}

const Schema = z
  .object({
    PORT: z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATA_DIR: z.string().min(1).default('./data'),
    TILE_URL: z
      .string()
      .refine((u) => /^(https?:)?\/\//.test(u) || u.startsWith('/'), 'must be an http(s) URL or a path')
      .refine((u) => ['{z}', '{x}', '{y}'].every((p) => u.includes(p)), 'must contain {z}, {x} and {y}')
      .default('https://tile.openstreetmap.org/{z}/{x}/{y}.png'),
    TILE_ATTRIBUTION: z
      .string()
      .default('&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'),
    DEMO: flag.default(true),
    DEMO_RUNNERS: z.coerce.number().int().min(0).max(1000).default(5),
    HAPPINESS_INTERVAL_MS: ms(100, 3_600_000).default(5000),
    TICK_MS: ms(10, 5000).default(150),
    ARCHIVE_AFTER_HOURS: z.coerce.number({ message: 'must be a number of hours' }).min(0).max(87_600).default(24),
    ALLOWED_ORIGINS: z
      .string()
      .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^(\*|https?:\/\/[^/\s]+)$/, 'must be origins like https://example.org, comma-separated')))
      .optional(),
    MAX_CONNECTIONS_PER_IP: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(1_000_000).default(256),
    TRUST_PROXY: flag.default(false),
    EVENTS_PER_HOUR_PER_IP: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(1_000_000).default(20),
    RUNNERS_PER_HOUR_PER_IP: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(1_000_000).default(60),
    TIMING_TCP_PORT: z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65535).optional(),
    INREACH_FEED_URL: z.string().url('must be a URL like https://share.garmin.com/Feed/Share/').default('https://share.garmin.com/Feed/Share/'),
    SPOT_FEED_URL: z
      .string()
      .url('must be a URL like https://api.findmespot.com/spot-main-web/consumer/rest-api/2.0/public/feed/')
      .default('https://api.findmespot.com/spot-main-web/consumer/rest-api/2.0/public/feed/'),
    TRACKER_POLL_SECONDS: z.coerce.number({ message: 'must be a number of seconds' }).int().min(10).max(86_400).default(300),
    FEED_REQUESTS_PER_HOUR: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(100_000).default(1800),
    WRITE_MIB_PER_HOUR_PER_IP: z.coerce.number({ message: 'must be a whole number of MiB' }).int().min(1).max(1_000_000).default(256),
    SNAPSHOTS_PER_SECOND_PER_IP: z.coerce.number({ message: 'must be a number' }).min(0.1).max(1_000_000).default(20),
    SPECTATOR_BYTES_PER_SECOND: z.coerce.number({ message: 'must be a whole number of bytes' }).int().min(1024).max(10_000_000).default(16_384),
    RETENTION_DAYS: z.coerce.number({ message: 'must be a number of days' }).min(0).max(36_500).default(0),
    HTTPS: z.enum(['self-signed', '0', ''], { message: 'must be "self-signed" (or use TLS_CERT and TLS_KEY)' }).optional(),
    TLS_CERT: z.string().optional(),
    TLS_KEY: z.string().optional(),
    DATABASE_URL: z
      .string()
      .refine((u) => /^postgres(ql)?:\/\//.test(u), 'must be a PostgreSQL URL: postgres://user:password@host:5432/database')
      .refine(isConnectionString, 'is not a valid URL: percent-encode special characters in the user name and password')
      .optional(),
    BACKPLANE_URL: z
      .string()
      .refine((u) => /^rediss?:\/\/[^\s]+$/.test(u), 'must be a Redis URL: redis://host:6379 (rediss:// for TLS)')
      .optional(),
    VAPID_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9_-]{87}$/, 'must be a P-256 public key, base64url (npx web-push generate-vapid-keys)').optional(),
    VAPID_PRIVATE_KEY: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be a P-256 private key, base64url (npx web-push generate-vapid-keys)').optional(),
    VAPID_SUBJECT: z
      .string()
      .regex(/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/, 'must be mailto:you@example.org or an https:// URL where push services can reach you')
      .default('mailto:push@trackside.invalid'),
    PUSH_ENDPOINTS: z
      .string()
      .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
      .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be origins like https://push.example.org, comma-separated')))
      .optional(),
    NODE_ENV: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    if (c.BACKPLANE_URL && !c.DATABASE_URL) {
      ctx.addIssue({ code: 'custom', path: ['BACKPLANE_URL'], message: 'several instances share one PostgreSQL: set DATABASE_URL too' });
    }
    if (!!c.TLS_CERT !== !!c.TLS_KEY) {
      ctx.addIssue({ code: 'custom', path: ['TLS_CERT'], message: 'TLS_CERT and TLS_KEY must be given together' });
    }
    if (!!c.VAPID_PUBLIC_KEY !== !!c.VAPID_PRIVATE_KEY) {
      ctx.addIssue({ code: 'custom', path: ['VAPID_PUBLIC_KEY'], message: 'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be given together' });
    }
    for (const key of ['TLS_CERT', 'TLS_KEY'] as const) {
      const file = c[key];
      if (file && !existsSync(file)) ctx.addIssue({ code: 'custom', path: [key], message: `file not found: ${file}` });
    }
  });

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  tileUrl: string;
  tileAttribution: string;
  demo: boolean;
  demoRunners: number;
  happinessIntervalMs: number;
  tickMs: number;
  /** Events inactive this long are deleted; 0 keeps everything. */
  retentionMs: number;
  /** Live events with no activity this long are finished; 0 never. */
  archiveAfterMs: number;
  /** Origins allowed to open the WebSocket; null means this server's own origin only. */
  allowedOrigins: string[] | null;
  maxConnectionsPerIp: number;
  /** Take the client address from X-Forwarded-For (behind a reverse proxy). */
  trustProxy: boolean;
  eventsPerHourPerIp: number;
  /** Runners one address may create per hour (each join is a new runner). */
  runnersPerHourPerIp: number;
  /** Snapshots (subscribes) one address may ask for per second, with bursts of ten times that. */
  snapshotsPerSecondPerIp: number;
  /** What a spectator who says what it looks at is sent of the field a second, at most (live/fanout.ts fieldBudget). */
  spectatorBytesPerSecond: number;
  /** MiB one address may make the server store per hour, in events that set no allowance of their own. */
  writeMiBPerHourPerIp: number;
  /** Port of the TCP listener for timing decoders; null keeps it off. */
  timingTcpPort: number | null;
  /** Where satellite trackers' feeds are read from (a MapShare name or SPOT feed id is added to each). */
  feeds: { inreach: string; spot: string };
  /** How often each satellite tracker is polled (stretched to fit the request budget), ms. */
  trackerPollMs: number;
  /** Requests to the trackers' feeds in any hour, all trackers of all events together. */
  feedRequestsPerHour: number;
  /** PostgreSQL to keep everything in (several instances share it); null for SQLite under dataDir. */
  databaseUrl: string | null;
  /** Redis connecting several instances; null for one process. */
  backplaneUrl: string | null;
  /**
   * Web Push: the VAPID key pair when given (else made at first start and kept in the store), the contact
   * push services see, and push service origins allowed beside the well-known ones (push/endpoints.ts).
   */
  push: { vapid: { publicKey: string; privateKey: string } | null; subject: string; endpoints: string[] };
  dev: boolean;
  tls: { kind: 'files'; cert: string; key: string } | { kind: 'self-signed' } | null;
}

export class ConfigError extends Error {}

/** A value as it may appear in a message: never a password. */
function shown(key: string, value: string): string {
  return key === 'VAPID_PRIVATE_KEY' ? '***' : key === 'DATABASE_URL' || key === 'BACKPLANE_URL' ? value.replace(/^([a-z]+:\/\/[^:@/]*:)[^@]*@/i, '$1***@') : value;
}

export function loadConfig(env: NodeJS.ProcessEnv, argv: readonly string[] = []): Config {
  const source = { ...env };
  for (const key of Object.keys(source)) if (source[key] === '') delete source[key];
  if (argv.includes('--https')) source.HTTPS = 'self-signed';
  const parsed = Schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0] ?? 'config');
      return `  ${key}=${JSON.stringify(shown(key, env[key] ?? ''))}: ${i.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}\nSee the configuration table in README.md.`);
  }
  const c = parsed.data;
  return {
    port: c.PORT,
    host: c.HOST,
    dataDir: resolve(c.DATA_DIR),
    tileUrl: c.TILE_URL,
    tileAttribution: c.TILE_ATTRIBUTION,
    demo: c.DEMO,
    demoRunners: c.DEMO_RUNNERS,
    happinessIntervalMs: c.HAPPINESS_INTERVAL_MS,
    tickMs: c.TICK_MS,
    retentionMs: c.RETENTION_DAYS * 24 * 3600_000,
    archiveAfterMs: c.ARCHIVE_AFTER_HOURS * 3600_000,
    allowedOrigins: c.ALLOWED_ORIGINS ?? null,
    maxConnectionsPerIp: c.MAX_CONNECTIONS_PER_IP,
    trustProxy: c.TRUST_PROXY,
    eventsPerHourPerIp: c.EVENTS_PER_HOUR_PER_IP,
    runnersPerHourPerIp: c.RUNNERS_PER_HOUR_PER_IP,
    snapshotsPerSecondPerIp: c.SNAPSHOTS_PER_SECOND_PER_IP,
    spectatorBytesPerSecond: c.SPECTATOR_BYTES_PER_SECOND,
    writeMiBPerHourPerIp: c.WRITE_MIB_PER_HOUR_PER_IP,
    timingTcpPort: c.TIMING_TCP_PORT ?? null,
    feeds: { inreach: c.INREACH_FEED_URL, spot: c.SPOT_FEED_URL },
    trackerPollMs: c.TRACKER_POLL_SECONDS * 1000,
    feedRequestsPerHour: c.FEED_REQUESTS_PER_HOUR,
    databaseUrl: c.DATABASE_URL ?? null,
    backplaneUrl: c.BACKPLANE_URL ?? null,
    push: {
      vapid: c.VAPID_PUBLIC_KEY && c.VAPID_PRIVATE_KEY ? { publicKey: c.VAPID_PUBLIC_KEY, privateKey: c.VAPID_PRIVATE_KEY } : null,
      subject: c.VAPID_SUBJECT,
      endpoints: c.PUSH_ENDPOINTS ?? [],
    },
    dev: c.NODE_ENV !== 'production',
    tls:
      c.TLS_CERT && c.TLS_KEY
        ? { kind: 'files', cert: c.TLS_CERT, key: c.TLS_KEY }
        : c.HTTPS === 'self-signed'
          ? { kind: 'self-signed' }
          : null,
  };
}
