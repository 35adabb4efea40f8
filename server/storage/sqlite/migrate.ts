/** Numbered migrations (migrations/NNN_name.sql), applied in order; the version reached is PRAGMA user_version. */
import type Database from 'better-sqlite3';
import { join } from 'node:path';
import { type Migration, readMigrationFiles } from '../migration-files';

export function readMigrations(dir = join(__dirname, 'migrations')): Migration[] {
  return readMigrationFiles(dir);
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
