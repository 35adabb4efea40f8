/** The storage contract against the embedded SQLite engine, in a fresh file; plus what only SQLite does. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { readMigrations } from '../server/storage/sqlite/migrate';
import { SqliteStore } from '../server/storage/sqlite/sqlite-store';
import { storeContract } from './support/store-contract';
import { pushStoreContract } from './support/push-store-contract';

const dirs: string[] = [];
process.on('exit', () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function freshFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trackside-store-'));
  dirs.push(dir);
  return join(dir, 'trackside.db');
}

storeContract('sqlite', () => SqliteStore.open(freshFile()));
pushStoreContract('sqlite', () => SqliteStore.open(freshFile()));

test('the schema version is recorded, and a database from before versions were recorded is brought up to date', async () => {
  const file = freshFile();
  // The first schema exactly as the first release made it, with a runner and a position in it.
  const legacy = new Database(file);
  legacy.exec(readMigrations()[0]!.sql);
  legacy.prepare(`INSERT INTO events (id, name, created_at, status) VALUES ('old', 'Old run', 1, 'live')`).run();
  legacy.prepare(`INSERT INTO runners (event, id, name, color, token_hash, joined_at) VALUES ('old', 'r1', 'Ada', '#123456', 'h', 1)`).run();
  legacy.prepare(`INSERT INTO positions (event, runner, seq, lat, lon, t, acc) VALUES ('old', 'r1', 1, 51.5, -0.1, 1000, 5)`).run();
  legacy.close();

  const store = await SqliteStore.open(file);
  try {
    const room = (await store.loadRoom('old', { cheersKept: 20, samplesKept: 10 }))!;
    assert.equal(room.runners[0]!.name, 'Ada');
    assert.equal(room.runners[0]!.checkpoint, null);
    assert.equal((await store.trackPage('old', 'r1', null, 10)).length, 1);
    assert.deepEqual(await store.inactiveEvents(2000), ['old'], 'activity backfilled from the fixes');
    const { arrivals } = await store.append([{ op: 'position', event: 'old', runnerId: 'r1', pos: { seq: 2, lat: 51.5, lon: -0.1, t: 2000, acc: 5, alt: null, spd: null, hdg: null, bat: null } }]);
    assert.ok((arrivals[0] as number) > 0);
  } finally {
    await store.close();
  }
  const check = new Database(file, { readonly: true });
  assert.equal(check.pragma('user_version', { simple: true }), readMigrations().at(-1)!.version);
  check.close();
});

test('a database from a newer Trackside is refused with a clear message', async () => {
  const file = freshFile();
  const db = new Database(file);
  db.pragma('user_version = 999');
  db.close();
  await assert.rejects(SqliteStore.open(file), /newer than this Trackside knows/);
});
