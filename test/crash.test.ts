/**
 * Crash safety of the real server process: SIGKILL while runners send, then a restart.
 * Runners are the same RunnerSession the phones use (outbox, resend, backoff), over loopback.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { WebSocket } from 'ws';
import type { SocketLike } from '../client/live-socket';
import { MemoryStorage } from '../client/outbox';
import { RunnerSession } from '../client/runner-session';
import { freePort, snapshotTrail, TestClient } from './helpers';
import { killAll, type Spawned, spawnServer } from './support/processes';
import { waitFor } from './support/wait';

const ROOT = join(__dirname, '..');
const RUNNERS = 10;

after(killAll);

function startServer(port: number, dataDir: string): Spawned {
  return spawnServer({
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    DEMO: '0',
    TICK_MS: '50',
    LOG_LEVEL: 'silent',
    NEXT_TELEMETRY_DISABLED: '1',
  });
}

const healthy = (port: number) =>
  fetch(`http://127.0.0.1:${port}/api/health`).then(
    (r) => r.ok,
    () => false,
  );

/** Stored positions per runner: [count, distinct seqs, highest seq]. */
function stored(dataDir: string, event: string): Map<string, { count: number; distinct: number }> {
  const db = new Database(join(dataDir, 'trackside.db'));
  try {
    const rows = db
      .prepare(`SELECT runner, COUNT(*) AS count, COUNT(DISTINCT seq) AS "distinct" FROM positions WHERE event = ? GROUP BY runner`)
      .all(event) as Array<{ runner: string; count: number; distinct: number }>;
    return new Map(rows.map((r) => [r.runner, { count: r.count, distinct: r.distinct }]));
  } finally {
    db.close();
  }
}

test('SIGKILL mid-run loses no acknowledged point; after a restart every point is stored once', async (t) => {
  assert.ok(existsSync(join(ROOT, '.next', 'BUILD_ID')), 'run `npm run build` first');
  const dataDir = mkdtempSync(join(tmpdir(), 'trackside-crash-'));
  const port = await freePort();
  let server = startServer(port, dataDir);
  const sessions: RunnerSession[] = [];
  try {
    await waitFor(() => healthy(port), { timeout: 60_000, what: 'the server' });
    const res = await fetch(`http://127.0.0.1:${port}/api/events`, { method: 'POST', body: JSON.stringify({ name: 'Crash run' }) });
    const eventId = ((await res.json()) as { event: { id: string } }).event.id;

    for (let i = 0; i < RUNNERS; i++) {
      sessions.push(
        new RunnerSession({
          url: `ws://127.0.0.1:${port}/ws`,
          event: eventId,
          name: `R${i}`,
          color: '#336699',
          storage: new MemoryStorage(),
          createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
        }),
      );
    }
    await waitFor(() => sessions.every((s) => s.snapshot.joined), { what: 'runners to join' });

    let step = 0;
    const send = () => {
      step++;
      sessions.forEach((s, i) => s.record({ lat: 51.5 + step * 0.00005, lon: -0.12 + i * 0.001, t: Date.now(), acc: 5 }));
    };
    const sending = setInterval(send, 20);
    await waitFor(() => sessions.every((s) => s.snapshot.acked >= 25), { timeout: 60_000, progress: () => sessions.reduce((sum, s) => sum + s.snapshot.acked, 0), what: 'every runner to have fixes acknowledged' });

    // Kill it mid-stream (the whole process group: nothing of the server survives); whatever was
    // acknowledged by now must be on disk.
    await server.kill();
    const ackedAtKill = new Map(sessions.map((s) => [s.snapshot.runnerId!, s.snapshot.acked]));
    const atKill = stored(dataDir, eventId);
    for (const [runner, acked] of ackedAtKill) {
      assert.ok((atKill.get(runner)?.distinct ?? 0) >= acked, `runner ${runner}: acknowledged ${acked}, stored ${atKill.get(runner)?.distinct}`);
    }

    // Keep recording while the server is down, then bring it back.
    const takenAtKill = sessions.map((s) => s.snapshot.taken);
    await waitFor(() => sessions.every((s, i) => s.snapshot.taken >= takenAtKill[i]! + 10), { what: 'fixes taken while the server is down' });
    server = startServer(port, dataDir);
    await waitFor(() => healthy(port), { timeout: 60_000, what: 'the restarted server' });
    // And on after the restart, until fixes taken since are acknowledged.
    const takenAtRestart = sessions.map((s) => s.snapshot.taken);
    const acked = () => sessions.reduce((sum, s) => sum + s.snapshot.acked, 0);
    await waitFor(() => sessions.every((s, i) => s.snapshot.acked > takenAtRestart[i]!), { timeout: 60_000, progress: acked, what: 'fixes taken after the restart to be acknowledged' });
    clearInterval(sending);
    await waitFor(() => sessions.every((s) => s.snapshot.joined && s.snapshot.pending === 0), { timeout: 60_000, progress: acked, what: 'every outbox to drain' });

    const after = stored(dataDir, eventId);
    let sent = 0;
    let storedCount = 0;
    let duplicates = 0;
    for (const s of sessions) {
      const row = after.get(s.snapshot.runnerId!)!;
      sent += s.snapshot.taken;
      storedCount += row.count;
      duplicates += row.count - row.distinct;
      assert.equal(row.count, s.snapshot.taken, 'every fix taken is stored');
      assert.equal(s.snapshot.acked, s.snapshot.taken, 'and acknowledged');
    }
    assert.equal(duplicates, 0);

    // Spectators resynchronise from the restarted server without repeated trail points.
    const spectator = await TestClient.connect(`ws://127.0.0.1:${port}/ws`);
    spectator.send({ type: 'subscribe', event: eventId });
    const snap = await spectator.next('snapshot');
    for (const r of snap.runners) {
      const trail = snapshotTrail(r);
      const times = trail.map((p) => p[2]);
      assert.equal(new Set(trail.map((p) => p.join())).size, trail.length, 'no trail point twice');
      assert.deepEqual(times, [...times].sort((a, b) => a - b), 'trail in order');
    }
    spectator.close();

    const ackedTotal = [...ackedAtKill.values()].reduce((a, b) => a + b, 0);
    const storedAtKill = [...atKill.values()].reduce((a, b) => a + b.count, 0);
    t.diagnostic(
      `runners ${RUNNERS}; at SIGKILL: acknowledged ${ackedTotal}, stored ${storedAtKill}; ` +
        `after restart: sent ${sent}, stored ${storedCount}, duplicates ${duplicates}`,
    );
  } finally {
    for (const s of sessions) s.close();
    await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
