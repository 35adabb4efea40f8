/**
 * Numbered migrations (migrations/NNN_name.sql) for PostgreSQL; the versions applied are rows of
 * schema_migrations. Every instance of a cluster migrates at start-up: an advisory lock held for the
 * transaction makes the others wait, and they then find nothing left to do.
 */
import { join } from 'node:path';
import type { PoolClient } from 'pg';
import { type Migration, readMigrationFiles } from '../migration-files';
import { StorageError } from '../store';

export function readMigrations(dir = join(__dirname, 'migrations')): Migration[] {
  return readMigrationFiles(dir);
}

/** Held while migrating; one key per database, so schemas of one database migrate one after another. */
export const MIGRATION_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtextextended('trackside schema migrations', 0))";

/**
 * Bring the schema (the first of the connection's search_path, created when `create` names it) to the
 * newest version, all pending migrations in one transaction; returns the version it is at.
 */
export async function migrate(client: PoolClient, opts: { create?: string } = {}, migrations = readMigrations()): Promise<number> {
  const newest = migrations.at(-1)?.version ?? 0;
  await client.query('BEGIN');
  try {
    await client.query(MIGRATION_LOCK_SQL);
    if (opts.create) await client.query(`CREATE SCHEMA IF NOT EXISTS "${opts.create}"`);
    const { rows } = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
    const schema = rows[0]?.schema;
    if (!schema) {
      throw new StorageError('PostgreSQL has no schema to create tables in: create one, or fix search_path for this user.');
    }
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const current = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
    const version = current.rows[0]?.version ?? 0;
    if (version > newest) {
      throw new StorageError(
        `The database schema "${schema}" has version ${version}, newer than this Trackside knows (${newest}): upgrade Trackside.`,
      );
    }
    for (const m of migrations) {
      if (m.version <= version) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    await client.query('COMMIT');
    return Math.max(version, newest);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
