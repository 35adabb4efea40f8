/** The store this configuration asks for: PostgreSQL when DATABASE_URL is set, else SQLite under DATA_DIR. */
import { join } from 'node:path';
import type { Config } from '../config';
import { PostgresStore } from './postgres/postgres-store';
import { SqliteStore } from './sqlite/sqlite-store';
import type { Store } from './store';

export function openStore(config: Pick<Config, 'dataDir' | 'databaseUrl'>): Promise<Store> {
  return config.databaseUrl ? PostgresStore.open({ url: config.databaseUrl }) : SqliteStore.open(join(config.dataDir, 'trackside.db'));
}
