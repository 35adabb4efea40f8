/** How BACKPLANE_URL is checked and what start-up says when Redis cannot be reached. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTrackside } from '../server/app';
import { ConfigError, loadConfig } from '../server/config';
import { createDatabase } from './support/cluster';
import { freePort } from './support/ports';

const env = (vars: Record<string, string>) => vars as unknown as NodeJS.ProcessEnv;
const DATABASE = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
process.env.LOG_LEVEL = 'silent';

test('without BACKPLANE_URL the instance is alone; with it, DATABASE_URL is required and the URL must be Redis', () => {
  assert.equal(loadConfig(env({})).backplaneUrl, null);
  assert.equal(loadConfig(env({ BACKPLANE_URL: 'redis://cache:6379', DATABASE_URL: DATABASE })).backplaneUrl, 'redis://cache:6379');
  assert.throws(() => loadConfig(env({ BACKPLANE_URL: 'redis://cache:6379' })), (err: Error) => {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /BACKPLANE_URL="redis:\/\/cache:6379": several instances share one PostgreSQL: set DATABASE_URL too/);
    return true;
  });
  assert.throws(() => loadConfig(env({ BACKPLANE_URL: 'http://user:hunter2@cache', DATABASE_URL: DATABASE })), (err: Error) => {
    assert.match(err.message, /must be a Redis URL: redis:\/\/host:6379/);
    assert.ok(!err.message.includes('hunter2'), 'no password in the message');
    return true;
  });
});

test('a Redis that refuses connections stops start-up with a message naming it and what to check', async () => {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'trackside-backplane-'));
  // A database of its own: the machine's default one may hold another version's schema.
  const database = await createDatabase();
  try {
    const config = loadConfig(env({ PORT: '0', HOST: '127.0.0.1', DEMO: '0', DATA_DIR: dir, DATABASE_URL: database.url, BACKPLANE_URL: `redis://127.0.0.1:${port}` }));
    await assert.rejects(startTrackside({ config }), new RegExp(`Cannot connect to Redis at redis://127\\.0\\.0\\.1:${port} \\(BACKPLANE_URL\\).*Check that Redis is running there`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await database.drop();
  }
});
