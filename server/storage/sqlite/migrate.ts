/** Numbered migrations (migrations/NNN_name.sql), applied in order; the version reached is PRAGMA user_version. */
import type Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function readMigrations(dir = join(__dirname, 'migrations')): Migration[] {
  return readdirSync(dir)
    .map((file) => /^(\d{3})_(.+)\.sql$/.exec(file))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: Number(m[1]), name: m[2]!, sql: readFileSync(join(dir, m[0]), 'utf8') }))
    .sort((a, b) => a.version - b.version);
}

/** Bring the database to the newest schema; returns the version it is at. Each migration is one transaction. */
export function migrate(db: Database.Database, migrations = readMigrations()): number {
  let version = db.pragma('user_version', { simple: true }) as number;
  const newest = migrations.at(-1)?.version ?? 0;
  if (version > newest) {
    throw new Error(`The database has schema version ${version}, newer than this Trackside knows (${newest}): upgrade Trackside.`);
  }
  for (const m of migrations) {
    if (m.version <= version) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
    version = m.version;
  }
  return version;
}
