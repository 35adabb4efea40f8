/**
 * Connecting to PostgreSQL: pool settings shared by the writer and the readers, exact numbers on the way
 * back, and errors at start-up that say which server was tried and what to check.
 */
import { userInfo } from 'node:os';
import pg from 'pg';
import { parse } from 'pg-connection-string';
import { StorageError } from '../store';

/** Where DATABASE_URL points, for messages; never the password. */
export interface Target {
  host: string;
  port: number;
  user: string;
  database: string;
}

export function describeTarget(url: string): Target {
  // The driver's own parser: it also takes libpq's forms, such as postgresql://user@/db?host=/run/postgresql.
  const c = parse(url);
  const user = c.user || process.env.PGUSER || userInfo().username;
  return {
    host: c.host || process.env.PGHOST || 'localhost',
    port: Number(c.port || process.env.PGPORT || 5432),
    user,
    database: c.database || process.env.PGDATABASE || user,
  };
}

function parseSafeInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new StorageError(`PostgreSQL returned ${text}, beyond the integers JavaScript holds exactly`);
  return n;
}

/**
 * bigint columns (sequence numbers, times, arrivals, counts) come back as numbers, refusing any value a
 * number cannot hold exactly; only for this store's connections, not for every pg user in the process.
 */
function exactTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, parseSafeInteger);
  return types;
}

export interface PoolOptions {
  url: string;
  /** Use this schema (search_path) instead of the user's default one. */
  schema?: string;
  max: number;
  connectTimeoutMs: number;
  /** Close connections idle this long; 0 keeps them. */
  idleTimeoutMs: number;
  applicationName: string;
}

export function createPool(o: PoolOptions): pg.Pool {
  const settings = [
    // Shortest-exact float output whatever the server's default, so doubles read back bit for bit.
    '-c extra_float_digits=3',
    // A batch never waits on this process between its statements for more than a round trip: if the
    // process freezes mid-batch (or its network goes), the server ends the transaction and releases the
    // events it locked for the other instances, instead of waiting for TCP to notice.
    '-c idle_in_transaction_session_timeout=30000',
    ...(o.schema ? [`-c search_path=${o.schema}`] : []),
  ];
  return new pg.Pool({
    connectionString: o.url,
    max: o.max,
    connectionTimeoutMillis: o.connectTimeoutMs,
    idleTimeoutMillis: o.idleTimeoutMs,
    keepAlive: true,
    application_name: o.applicationName,
    options: settings.join(' '),
    types: exactTypes(),
  });
}

interface ErrorLike {
  code?: string;
  message?: string;
  errors?: Array<{ code?: string }>;
}

/** Turn a failure to connect (or to migrate) at start-up into a message that says what to do. */
export function explainStartError(err: unknown, t: Target, connectTimeoutMs: number): StorageError {
  if (err instanceof StorageError) return err;
  const e = (err ?? {}) as ErrorLike;
  // Node reports each address it tried (localhost is ::1 and 127.0.0.1) inside an AggregateError.
  const code = e.code ?? e.errors?.find((x) => x.code)?.code;
  const at = t.host.startsWith('/') ? `the socket in ${t.host} (port ${t.port})` : `${t.host}:${t.port}`;
  const server = `PostgreSQL at ${at}`;
  const message = e.message ?? String(err);
  const explained = (text: string) => new StorageError(text, code);
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOENT':
      return explained(
        `Cannot connect to ${server}: connection refused. Check that PostgreSQL is running and listens there ` +
          `(pg_isready -h ${t.host} -p ${t.port}), or fix the host and port in DATABASE_URL.`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return explained(`Cannot connect to PostgreSQL: the host name "${t.host}" is not known. Fix the host in DATABASE_URL.`);
    case 'ECONNRESET':
      return explained(`${server} closed the connection at once: check that it is PostgreSQL on that port and that it accepts connections.`);
    case '28P01':
    case '28000':
      return explained(
        `${server} refused user "${t.user}" for database "${t.database}": ${message}. ` +
          `Check the user name and password in DATABASE_URL and the server's pg_hba.conf.`,
      );
    case '3D000':
      return explained(
        `${server} has no database "${t.database}": create it (createdb -h ${t.host} -p ${t.port} ${t.database}) or fix DATABASE_URL.`,
      );
    case '53300':
      return explained(`${server} has no free connection slots: raise max_connections there, or run fewer instances.`);
    case '57P03':
      return explained(`${server} is starting up or shutting down: start Trackside again once pg_isready says it accepts connections.`);
    case '42501':
      return explained(
        `User "${t.user}" may not create tables in database "${t.database}" on ${server}: ${message}. ` +
          `Grant it CREATE on the schema, or use the database owner in DATABASE_URL.`,
      );
    default:
      break;
  }
  if (/timeout/i.test(message)) {
    return explained(
      `${server} did not answer within ${connectTimeoutMs / 1000} s: check the host and port in DATABASE_URL ` +
        `and that no firewall drops the connection.`,
    );
  }
  if (/terminated/i.test(message)) {
    return explained(`${server} closed the connection during start-up: check that it is PostgreSQL on that port (${message}).`);
  }
  return explained(`Cannot open ${server} (database "${t.database}", user "${t.user}"): ${message}`);
}
