/** Which store the configuration opens, and how DATABASE_URL is checked. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../server/config';
import { openStore } from '../server/storage/open';
import { createDatabase } from './support/cluster';

/** Only these variables, as the server would see them. */
const env = (vars: Record<string, string>) => vars as unknown as NodeJS.ProcessEnv;

test('without DATABASE_URL the store is SQLite in DATA_DIR/trackside.db', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trackside-open-'));
  try {
    const config = loadConfig(env({ DATA_DIR: dir }));
    assert.equal(config.databaseUrl, null);
    const store = await openStore(config);
    assert.equal(store.engine, 'sqlite');
    await store.close();
    assert.ok(existsSync(join(dir, 'trackside.db')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('DATABASE_URL with postgres:// or postgresql:// selects PostgreSQL', async () => {
  assert.equal(loadConfig(env({ DATABASE_URL: 'postgresql://u:p@db.internal:6543/race' })).databaseUrl, 'postgresql://u:p@db.internal:6543/race');
  // A database of its own: the machine's default one may hold another version's schema.
  const database = await createDatabase();
  try {
    const store = await openStore(loadConfig(env({ DATABASE_URL: database.url })));
    try {
      assert.equal(store.engine, 'postgres');
      assert.equal(await store.countPositions(), 0);
    } finally {
      await store.close();
    }
  } finally {
    await database.drop();
  }
});

test('a DATABASE_URL that is not a PostgreSQL URL stops start-up with a message that shows no password', () => {
  assert.throws(
    () => loadConfig(env({ DATABASE_URL: 'mysql://admin:hunter2@db/race' })),
    (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /DATABASE_URL="mysql:\/\/admin:\*\*\*@db\/race": must be a PostgreSQL URL: postgres:\/\/user:password@host:5432\/database/);
      assert.ok(!err.message.includes('hunter2'));
      return true;
    },
  );
  assert.throws(() => loadConfig(env({ DATABASE_URL: 'postgres://u:p@[bad/x' })), /DATABASE_URL=.*is not a valid URL/);
});
