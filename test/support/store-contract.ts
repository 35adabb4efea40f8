/**
 * The storage contract as tests: every engine (SQLite, PostgreSQL) runs this same suite against a fresh,
 * empty store of its own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Alert, DEFAULT_RACE } from '../../lib/protocol';
import type { Entry } from '../../lib/entries/entry';
import type { ControlKind, ControlRecord, EventRecord, RunnerRecord, Store, StoredPassing, StoredPosition, TimingPointRecord, TrackerRecord, WriteOp } from '../../server/storage/store';

const T0 = 1_700_000_000_000;

function eventRecord(id: string, overrides: Partial<EventRecord['info']> = {}): EventRecord {
  return {
    info: { id, name: `Event ${id}`, createdAt: T0, status: 'live', protected: false, race: DEFAULT_RACE, ...overrides },
    organiserHash: 'org-hash',
    viewCodeHash: null,
    quotas: {},
  };
}

function runner(event: string, id: string, overrides: Partial<RunnerRecord> = {}): RunnerRecord {
  return { id, event, name: `Runner ${id}`, color: '#123456', tokenHash: `tok-${id}`, deviceKeyHash: null, joinedAt: T0, stopped: false, bib: null, entry: null, ...overrides };
}

function pos(seq: number, t = T0 + seq * 1000, extra: Partial<StoredPosition> = {}): StoredPosition {
  return { seq, lat: 51.5 + seq * 1e-4, lon: -0.12, t, acc: 5, alt: null, spd: null, hdg: null, bat: null, ...extra };
}

const position = (event: string, runnerId: string, p: StoredPosition): WriteOp => ({ op: 'position', event, runnerId, pos: p });

function alert(id: string, runnerId: string, raisedAt: number, extra: Partial<Alert> = {}): Alert {
  return { id, runnerId, name: `Runner ${runnerId}`, kind: 'sos', raisedAt, at: { lat: -33.8567891, lon: 151.2152987, t: raisedAt - 1500, acc: 4.5 }, source: 'Traccar Client', ackedAt: null, ...extra };
}

function entry(overrides: Partial<Entry> = {}): Entry {
  return {
    firstName: 'Ada',
    lastName: 'Lovelace',
    sex: 'F',
    birthYear: 1985,
    ageGroup: 'W40',
    category: 'Half marathon',
    club: 'Analytical AC',
    wave: 'A',
    chip: 'KX101',
    claimCode: 'ABCD2345',
    ...overrides,
  };
}

function timingPoint(id: string, at: number, overrides: Partial<TimingPointRecord> = {}): TimingPointRecord {
  return { id, name: `Mat ${id}`, at, keyHash: `key-${id}`, timeZone: 'Europe/Berlin', createdAt: T0, ...overrides };
}

function passing(point: string, chip: string, t: number, overrides: Partial<StoredPassing> = {}): StoredPassing {
  return { point, chip, t, loop: null, lap: null, battery: null, rewind: false, receivedAt: T0 + 60_000, ...overrides };
}

function tracker(id: string, runnerId: string, overrides: Partial<TrackerRecord> = {}): TrackerRecord {
  return { id, runnerId, kind: 'inreach', feed: 'AdaL', password: null, addedAt: T0, polledAt: null, lastT: null, error: null, ...overrides };
}

/** A 1×1 PNG, base64. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

export function storeContract(engine: string, open: () => Promise<Store>): void {
  describe(`storage contract: ${engine}`, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    test('an empty store has no events', async () => {
      const index = await store.loadIndex();
      assert.deepEqual(index, { events: [], links: [], runnersSeen: [], deviceKeys: [] });
      assert.equal(await store.loadRoom('nothing', { cheersKept: 20, samplesKept: 10 }), null);
      assert.equal(await store.countPositions(), 0);
    });

    test('events are kept and updated in place; the index lists them with their share links', async () => {
      const rec = eventRecord('index-a');
      await store.append([{ op: 'event', record: rec }]);
      const changed: EventRecord = {
        ...rec,
        info: { ...rec.info, name: 'Renamed', status: 'finished', protected: true, createdAt: T0 + 999 },
        viewCodeHash: 'scrypt$x',
        quotas: { maxRunners: 7 },
      };
      const link = { id: 'link1', token: 'tok'.repeat(8), label: 'Family', runners: ['r1'], createdAt: T0, expiresAt: null, revokedAt: null };
      await store.append([
        { op: 'event', record: changed },
        { op: 'link', event: 'index-a', link },
        { op: 'link', event: 'index-a', link: { ...link, revokedAt: T0 + 5 } },
      ]);
      const index = await store.loadIndex();
      const got = index.events.find((e) => e.info.id === 'index-a')!;
      assert.deepEqual(got, { ...changed, info: { ...changed.info, createdAt: T0 } }, 'createdAt never changes');
      assert.deepEqual(index.links, [{ event: 'index-a', link: { ...link, revokedAt: T0 + 5 } }]);
    });

    test('the index counts the runners with a stored position per event and holds every issued device key', async () => {
      await store.append([
        { op: 'event', record: eventRecord('seen-a') },
        { op: 'event', record: eventRecord('seen-b') },
        { op: 'runner', runner: runner('seen-a', 'r1', { deviceKeyHash: 'key-hash-1' }) },
        { op: 'runner', runner: runner('seen-a', 'r2') },
        { op: 'runner', runner: runner('seen-a', 'r3', { deviceKeyHash: 'key-hash-3' }) },
        { op: 'runner', runner: runner('seen-b', 'r1') },
        position('seen-a', 'r1', pos(1)),
        position('seen-a', 'r1', pos(2)),
        position('seen-a', 'r3', pos(1)),
      ]);
      await store.append([{ op: 'runner', runner: runner('seen-a', 'r3', { deviceKeyHash: null }) }]);
      const index = await store.loadIndex();
      assert.deepEqual(
        index.runnersSeen.filter((c) => c.event.startsWith('seen-')),
        [{ event: 'seen-a', runners: 2 }],
        'r1 and r3 have positions; seen-b has a runner without any',
      );
      assert.deepEqual(
        index.deviceKeys.filter((k) => k.event.startsWith('seen-')),
        [{ hash: 'key-hash-1', event: 'seen-a', runnerId: 'r1' }],
        'a revoked key is gone',
      );
      await store.append([{ op: 'deleteRunner', event: 'seen-a', runnerId: 'r1' }]);
      const after = await store.loadIndex();
      assert.deepEqual(after.runnersSeen.filter((c) => c.event.startsWith('seen-')), [{ event: 'seen-a', runners: 1 }]);
      assert.deepEqual(after.deviceKeys.filter((k) => k.event.startsWith('seen-')), []);
    });

    test('positions get increasing arrivals; a repeated (runner, seq) is kept once and reports no arrival', async () => {
      await store.append([{ op: 'event', record: eventRecord('arr') }, { op: 'runner', runner: runner('arr', 'r1') }]);
      const first = await store.append([position('arr', 'r1', pos(1)), position('arr', 'r1', pos(2)), { op: 'skip', event: 'arr', runnerId: 'r1', seq: 3 }]);
      assert.equal(first.arrivals.length, 3);
      const [a1, a2, a3] = first.arrivals as number[];
      assert.ok(a1! > 0 && a2! > a1! && a3! > a2!, `increasing: ${first.arrivals}`);
      const again = await store.append([
        position('arr', 'r1', pos(2, T0 + 77_000)),
        { op: 'skip', event: 'arr', runnerId: 'r1', seq: 3 },
        { op: 'mood', event: 'arr', runnerId: 'r1', value: 4, t: T0 },
        position('arr', 'r1', pos(4)),
      ]);
      assert.equal(again.arrivals[0], null, 'duplicate position');
      assert.equal(again.arrivals[1], null, 'duplicate skip');
      assert.equal(again.arrivals[2], null, 'not a position');
      assert.ok((again.arrivals[3] as number) > a3!);
      assert.equal(await store.countPositions('arr'), 3);
      const track = await store.trackPage('arr', 'r1', null, 100);
      assert.deepEqual(track.map((p) => p.seq), [1, 2, 4]);
      assert.equal(track[1]!.t, T0 + 2000, 'the first write of a seq is the one kept');
      assert.deepEqual(await store.skipped('arr', 'r1'), [3]);
    });

    test('appends that are not awaited commit in the order they were made', async () => {
      await store.append([{ op: 'event', record: eventRecord('order') }, { op: 'runner', runner: runner('order', 'r1') }]);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.append([position('order', 'r1', pos(i + 1))])));
      const arrivals = results.map((r) => r.arrivals[0] as number);
      assert.deepEqual(arrivals, [...arrivals].sort((a, b) => a - b));
      const replayed = await store.replay('order', 0, 100);
      assert.deepEqual(replayed.map((a) => a.arrival), arrivals);
    });

    test('a failing batch keeps nothing of itself and later batches carry on', async () => {
      await store.append([{ op: 'event', record: eventRecord('atomic') }, { op: 'runner', runner: runner('atomic', 'r1') }]);
      const bad = runner('atomic', 'r2', { name: null as unknown as string });
      await assert.rejects(store.append([position('atomic', 'r1', pos(1)), { op: 'runner', runner: bad }]));
      assert.equal(await store.countPositions('atomic'), 0);
      const ok = await store.append([position('atomic', 'r1', pos(1))]);
      assert.ok((ok.arrivals[0] as number) > 0);
      assert.equal(await store.countPositions('atomic'), 1);
    });

    test('replay returns positions and skips after an arrival, in arrival order, page by page', async () => {
      await store.append([{ op: 'event', record: eventRecord('replay') }, { op: 'runner', runner: runner('replay', 'a') }, { op: 'runner', runner: runner('replay', 'b') }]);
      const ops: WriteOp[] = [];
      for (let i = 1; i <= 30; i++) {
        ops.push(position('replay', i % 2 ? 'a' : 'b', pos(i, T0 + (40 - i) * 1000, { alt: i, spd: 2.5, hdg: 90, bat: 50 })));
        if (i % 10 === 0) ops.push({ op: 'skip', event: 'replay', runnerId: 'a', seq: 1000 + i });
      }
      const { arrivals } = await store.append(ops);
      const mark = arrivals[10] as number;
      const rest = await store.replay('replay', mark, 1000);
      assert.deepEqual(rest.map((r) => r.arrival), (arrivals.slice(11) as number[]));
      const skips = rest.filter((r) => r.kind === 'skip');
      assert.deepEqual(skips.map((s) => (s.kind === 'skip' ? s.seq : 0)), [1020, 1030]);
      const p = rest.find((r) => r.kind === 'position')!;
      assert.equal(p.kind, 'position');
      if (p.kind === 'position') {
        assert.equal(p.pos.alt, p.pos.seq);
        assert.equal(p.pos.bat, 50);
      }
      const page = await store.replay('replay', 0, 5);
      assert.equal(page.length, 5);
      assert.deepEqual(page.map((r) => r.arrival), arrivals.slice(0, 5));
      assert.deepEqual(await store.replay('other-event', 0, 10), []);
    });

    test('tracks are read in time order page by page, with a cursor and a time range, whatever the order they arrived in', async () => {
      await store.append([{ op: 'event', record: eventRecord('pages') }, { op: 'runner', runner: runner('pages', 'r') }]);
      const n = 5000;
      const ops: WriteOp[] = [];
      // Sequence order and time order differ: fixes arrive shuffled, and two share a time.
      for (let i = 0; i < n; i++) {
        const seq = ((i * 7919) % n) + 1;
        ops.push(position('pages', 'r', pos(seq, T0 + Math.floor(seq / 2) * 1000, { acc: seq % 13, alt: seq % 3 ? null : -12.5 })));
      }
      await store.append(ops);
      const all: StoredPosition[] = [];
      let cursor = null as { t: number; seq: number } | null;
      for (;;) {
        const page = await store.trackPage('pages', 'r', cursor, 777);
        all.push(...page);
        if (page.length < 777) break;
        cursor = { t: page.at(-1)!.t, seq: page.at(-1)!.seq };
      }
      assert.equal(all.length, n);
      for (let i = 1; i < all.length; i++) {
        const a = all[i - 1]!;
        const b = all[i]!;
        assert.ok(a.t < b.t || (a.t === b.t && a.seq < b.seq), `order at ${i}`);
      }
      const p = all.find((x) => x.seq === 6)!;
      assert.deepEqual(p, pos(6, T0 + 3000, { acc: 6, alt: -12.5 }));
      assert.equal(all.find((x) => x.seq === 7)!.alt, null);
      const ranged = await store.trackPage('pages', 'r', null, 10_000, { from: T0 + 100_000, to: T0 + 109_000 });
      assert.equal(ranged.length, 20);
      assert.ok(ranged.every((x) => x.t >= T0 + 100_000 && x.t <= T0 + 109_000));
    });

    test('a page of a track comes written out as JSON or GPX points, the same fixes in the same order as trackPage', async () => {
      await store.append([{ op: 'event', record: eventRecord('text') }, { op: 'runner', runner: runner('text', 'r') }]);
      const ops: WriteOp[] = [];
      for (let i = 1; i <= 250; i++) ops.push(position('text', 'r', pos(((i * 37) % 250) + 1, T0 + (((i * 37) % 250) + 1) * 1000, { alt: i % 3 ? null : 1.25 * i, bat: i % 5 ? null : 50 })));
      await store.append(ops);
      const pages: string[] = [];
      let after = null as { t: number; seq: number } | null;
      let count = 0;
      for (;;) {
        const page = await store.trackText('text', 'r', after, 100, 'json');
        count += page.count;
        if (page.count) pages.push(page.text);
        if (page.count < 100) break;
        after = page.last;
      }
      assert.equal(count, 250);
      const all = await store.trackPage('text', 'r', null, 1000);
      assert.deepEqual(JSON.parse(`[${pages.join(',')}]`), all, 'the JSON is exactly the stored fixes');
      const gpx = await store.trackText('text', 'r', null, 1000, 'gpx');
      assert.equal(gpx.text.match(/<trkpt /g)?.length, 250);
      assert.deepEqual(gpx.last, { t: all.at(-1)!.t, seq: all.at(-1)!.seq });
      assert.deepEqual(await store.trackText('text', 'nobody', null, 10, 'json'), { text: '', count: 0, last: null });
    });

    test('a room record holds runners with their latest mood, latest cheers, checkpoint, links and latest samples', async () => {
      const ev = 'room';
      await store.append([
        { op: 'event', record: eventRecord(ev) },
        { op: 'runner', runner: runner(ev, 'r1', { joinedAt: T0 + 2 }) },
        { op: 'runner', runner: runner(ev, 'r2', { joinedAt: T0 + 1, deviceKeyHash: 'dk-r2', stopped: true }) },
      ]);
      const ops: WriteOp[] = [];
      for (let i = 0; i < 30; i++) ops.push({ op: 'cheer', event: ev, runnerId: 'r1', cheer: { from: `fan ${i}`, text: `go ${i}`, t: T0 + i } });
      ops.push({ op: 'mood', event: ev, runnerId: 'r1', value: 3, t: T0 + 10 });
      ops.push({ op: 'mood', event: ev, runnerId: 'r1', value: 8, t: T0 + 20 });
      for (let i = 0; i < 15; i++) ops.push({ op: 'sample', event: ev, sample: { t: T0 + i * 5000, mean: i % 3 ? i / 2 : null, count: i } });
      ops.push({ op: 'checkpoint', event: ev, runnerId: 'r2', through: 5, state: '{"a":1}' });
      ops.push({ op: 'checkpoint', event: ev, runnerId: 'r2', through: 9, state: '{"a":2}' });
      ops.push(position(ev, 'r2', pos(1)));
      const { arrivals } = await store.append(ops);
      const room = (await store.loadRoom(ev, { cheersKept: 20, samplesKept: 10 }))!;
      assert.equal(room.event.info.id, ev);
      assert.deepEqual(room.runners.map((r) => r.id), ['r2', 'r1'], 'join order');
      const [r2, r1] = room.runners;
      assert.equal(r1!.mood, 8);
      assert.equal(r1!.moodAt, T0 + 20);
      assert.equal(r1!.cheers.length, 20);
      assert.deepEqual(r1!.cheers[0], { from: 'fan 10', text: 'go 10', t: T0 + 10 });
      assert.deepEqual(r1!.cheers.at(-1), { from: 'fan 29', text: 'go 29', t: T0 + 29 });
      assert.equal(r1!.checkpoint, null);
      assert.equal(r2!.mood, null);
      assert.deepEqual(r2!.cheers, []);
      assert.deepEqual(r2!.checkpoint, { through: 9, state: '{"a":2}' });
      assert.equal(r2!.stopped, true);
      assert.equal(r2!.deviceKeyHash, 'dk-r2');
      assert.equal(room.samples.length, 10);
      assert.deepEqual(room.samples[0], { t: T0 + 5 * 5000, mean: 2.5, count: 5 });
      assert.deepEqual(room.samples.at(-1), { t: T0 + 14 * 5000, mean: 7, count: 14 });
      assert.equal(room.maxArrival, arrivals.at(-1));
      assert.deepEqual(await store.runnerByDeviceKey('dk-r2'), { event: ev, runnerId: 'r2' });
      assert.equal(await store.runnerByDeviceKey('dk-none'), null);
      assert.deepEqual((await store.runners(ev)).map((r) => r.id), ['r2', 'r1']);
      const moods = await store.moods(ev, 'r1');
      assert.deepEqual(moods, [{ value: 3, t: T0 + 10 }, { value: 8, t: T0 + 20 }]);
      assert.equal((await store.cheers(ev, 'r1')).length, 30);
      const samples = await store.samples(ev, T0 + 4 * 5000, 3);
      assert.deepEqual(samples.map((s) => s.count), [5, 6, 7]);
    });

    test('removing a runner removes every trace of them and nothing of anyone else', async () => {
      const ev = 'remove';
      await store.append([
        { op: 'event', record: eventRecord(ev) },
        { op: 'runner', runner: runner(ev, 'gone', { deviceKeyHash: 'dk-gone' }) },
        { op: 'runner', runner: runner(ev, 'kept') },
        position(ev, 'gone', pos(1)),
        position(ev, 'kept', pos(1)),
        { op: 'skip', event: ev, runnerId: 'gone', seq: 2 },
        { op: 'mood', event: ev, runnerId: 'gone', value: 5, t: T0 },
        { op: 'cheer', event: ev, runnerId: 'gone', cheer: { from: 'a', text: 'b', t: T0 } },
        { op: 'checkpoint', event: ev, runnerId: 'gone', through: 1, state: '{}' },
        { op: 'alert', event: ev, alert: alert('a-gone', 'gone', T0) },
        { op: 'alert', event: ev, alert: alert('a-kept', 'kept', T0) },
        { op: 'avatar', event: ev, runnerId: 'gone', avatar: { name: 'G', mime: 'image/png', data: PNG, updatedAt: T0 } },
      ]);
      await store.append([{ op: 'deleteRunner', event: ev, runnerId: 'gone' }]);
      assert.deepEqual((await store.alerts(ev)).map((a) => a.id), ['a-kept']);
      assert.equal(await store.avatar(ev, 'gone'), null);
      const room = (await store.loadRoom(ev, { cheersKept: 20, samplesKept: 10 }))!;
      assert.deepEqual(room.runners.map((r) => r.id), ['kept']);
      assert.equal(await store.countPositions(ev), 1);
      assert.deepEqual(await store.skipped(ev, 'gone'), []);
      assert.deepEqual(await store.moods(ev, 'gone'), []);
      assert.deepEqual(await store.cheers(ev, 'gone'), []);
      assert.equal(await store.runnerByDeviceKey('dk-gone'), null);
      assert.ok((await store.replay(ev, 0, 100)).every((a) => a.runnerId === 'kept'));
    });

    test('inactive events are found by their latest fix, mood or cheer, and deleting an event removes all of it', async () => {
      const old = eventRecord('inactive-old', { createdAt: T0 - 100_000 });
      const busy = eventRecord('inactive-busy', { createdAt: T0 - 100_000 });
      const done = eventRecord('inactive-done', { createdAt: T0 - 100_000, status: 'finished' });
      await store.append([
        { op: 'event', record: old },
        { op: 'event', record: busy },
        { op: 'event', record: done },
        { op: 'runner', runner: runner('inactive-old', 'r') },
        { op: 'runner', runner: runner('inactive-busy', 'r') },
        position('inactive-old', 'r', pos(1, T0 - 90_000)),
        { op: 'cheer', event: 'inactive-busy', runnerId: 'r', cheer: { from: 'x', text: 'y', t: T0 + 5 } },
        { op: 'sample', event: 'inactive-old', sample: { t: T0 - 90_000, mean: null, count: 0 } },
        { op: 'link', event: 'inactive-old', link: { id: 'l-old', token: 'k'.repeat(24), label: '', runners: null, createdAt: T0, expiresAt: null, revokedAt: null } },
      ]);
      const found = await store.inactiveEvents(T0);
      assert.ok(found.includes('inactive-old') && found.includes('inactive-done') && !found.includes('inactive-busy'), String(found));
      const live = await store.inactiveEvents(T0, { liveOnly: true });
      assert.ok(live.includes('inactive-old') && !live.includes('inactive-done'));
      assert.ok(!(await store.inactiveEvents(T0 - 95_000)).includes('inactive-old'), 'created after that time');
      await store.append([{ op: 'deleteEvent', event: 'inactive-old' }]);
      assert.equal(await store.loadRoom('inactive-old', { cheersKept: 20, samplesKept: 10 }), null);
      assert.equal(await store.countPositions('inactive-old'), 0);
      assert.deepEqual(await store.samples('inactive-old', 0, 10), []);
      const index = await store.loadIndex();
      assert.ok(!index.events.some((e) => e.info.id === 'inactive-old'));
      assert.ok(!index.links.some((l) => l.event === 'inactive-old'));
    });

    test('the ops of one batch take effect in their order, even between runs of the same kind', async () => {
      const ev = 'in-order';
      const { arrivals } = await store.append([
        { op: 'event', record: eventRecord(ev) },
        { op: 'runner', runner: runner(ev, 'r', { tokenHash: 'first-token' }) },
        position(ev, 'r', pos(1)),
        position(ev, 'r', pos(2)),
        { op: 'mood', event: ev, runnerId: 'r', value: 2, t: T0 },
        { op: 'deleteRunner', event: ev, runnerId: 'r' },
        { op: 'runner', runner: runner(ev, 'r', { tokenHash: 'second-token' }) },
        position(ev, 'r', pos(2, T0 + 42_000)),
        position(ev, 'r', pos(3)),
      ]);
      assert.deepEqual(arrivals.slice(0, 2), [null, null]);
      assert.ok(arrivals.slice(2, 4).every((a) => typeof a === 'number'), 'new when written, though removed later in the batch');
      assert.ok((arrivals[7] as number) > (arrivals[3] as number), 'seq 2 is new again once its runner was removed');
      const track = await store.trackPage(ev, 'r', null, 10);
      assert.deepEqual(track.map((p) => [p.seq, p.t]), [[3, T0 + 3000], [2, T0 + 42_000]]);
      assert.deepEqual(await store.moods(ev, 'r'), []);
      assert.equal((await store.runners(ev))[0]!.tokenHash, 'second-token');
      assert.deepEqual((await store.replay(ev, 0, 10)).map((a) => a.arrival), arrivals.slice(7));
    });

    test('a (runner, seq) repeated within one batch is kept once, the first time, and only the first gets an arrival', async () => {
      const ev = 'dup-in-batch';
      const { arrivals } = await store.append([
        { op: 'event', record: eventRecord(ev) },
        { op: 'runner', runner: runner(ev, 'r') },
        position(ev, 'r', pos(1, T0 + 1)),
        position(ev, 'r', pos(1, T0 + 2)),
        { op: 'skip', event: ev, runnerId: 'r', seq: 5 },
        { op: 'skip', event: ev, runnerId: 'r', seq: 5 },
        { op: 'mood', event: ev, runnerId: 'r', value: 5, t: T0 },
        position(ev, 'r', pos(1, T0 + 3)),
        { op: 'skip', event: ev, runnerId: 'r', seq: 5 },
      ]);
      assert.equal(typeof arrivals[2], 'number');
      assert.equal(typeof arrivals[4], 'number');
      assert.deepEqual([arrivals[3], arrivals[5], arrivals[7], arrivals[8]], [null, null, null, null]);
      const track = await store.trackPage(ev, 'r', null, 10);
      assert.deepEqual(track.map((p) => p.t), [T0 + 1]);
      assert.deepEqual(await store.skipped(ev, 'r'), [5]);
      assert.deepEqual((await store.replay(ev, 0, 10)).map((a) => a.arrival), [arrivals[2], arrivals[4]]);
    });

    test('a runner written again keeps its token hash and join time; the last write of the rest wins, within a batch too', async () => {
      const ev = 'rewrite';
      await store.append([
        { op: 'event', record: eventRecord(ev) },
        { op: 'runner', runner: runner(ev, 'r', { name: 'One', tokenHash: 'tok-1', joinedAt: T0 }) },
        { op: 'runner', runner: runner(ev, 'r', { name: 'Two', tokenHash: 'tok-2', joinedAt: T0 + 5, color: '#abcdef', deviceKeyHash: 'dk' }) },
        { op: 'checkpoint', event: ev, runnerId: 'r', through: 1, state: 'a' },
        { op: 'checkpoint', event: ev, runnerId: 'r', through: 2, state: 'b' },
      ]);
      await store.append([{ op: 'runner', runner: runner(ev, 'r', { name: 'Three', tokenHash: 'tok-3', joinedAt: T0 + 9, stopped: true, deviceKeyHash: 'dk' }) }]);
      const [r] = (await store.loadRoom(ev, { cheersKept: 20, samplesKept: 10 }))!.runners;
      assert.deepEqual(
        { name: r!.name, tokenHash: r!.tokenHash, joinedAt: r!.joinedAt, color: r!.color, stopped: r!.stopped, deviceKeyHash: r!.deviceKeyHash },
        { name: 'Three', tokenHash: 'tok-1', joinedAt: T0, color: '#123456', stopped: true, deviceKeyHash: 'dk' },
      );
      assert.deepEqual(r!.checkpoint, { through: 2, state: 'b' });
    });

    test('moods, cheers and samples at the same time are kept in the order they were written', async () => {
      const ev = 'ties';
      const ops: WriteOp[] = [{ op: 'event', record: eventRecord(ev) }, { op: 'runner', runner: runner(ev, 'r') }];
      for (const value of [7, 2, 9]) ops.push({ op: 'mood', event: ev, runnerId: 'r', value, t: T0 });
      for (let i = 0; i < 5; i++) ops.push({ op: 'cheer', event: ev, runnerId: 'r', cheer: { from: 'f', text: `c${i}`, t: T0 } });
      for (let i = 0; i < 4; i++) ops.push({ op: 'sample', event: ev, sample: { t: T0, mean: i, count: i } });
      await store.append(ops);
      await store.append([{ op: 'mood', event: ev, runnerId: 'r', value: 4, t: T0 }]);
      const room = (await store.loadRoom(ev, { cheersKept: 3, samplesKept: 2 }))!;
      assert.equal(room.runners[0]!.mood, 4, 'the latest written of equal times');
      assert.deepEqual(room.runners[0]!.cheers.map((c) => c.text), ['c2', 'c3', 'c4']);
      assert.deepEqual(room.samples.map((s) => s.count), [2, 3]);
      assert.deepEqual((await store.moods(ev, 'r')).map((m) => m.value), [7, 2, 9, 4]);
      assert.deepEqual((await store.cheers(ev, 'r')).map((c) => c.text), ['c0', 'c1', 'c2', 'c3', 'c4']);
      assert.deepEqual((await store.samples(ev, T0 - 1, 10)).map((s) => s.count), [0, 1, 2, 3]);
    });

    test('a room with nothing yet has no arrival, mood, cheers or samples; zeros come back as zeros, not as nothing', async () => {
      const ev = 'zeros';
      await store.append([{ op: 'event', record: eventRecord(ev) }, { op: 'runner', runner: runner(ev, 'r') }]);
      const empty = (await store.loadRoom(ev, { cheersKept: 20, samplesKept: 10 }))!;
      assert.equal(empty.maxArrival, 0);
      assert.deepEqual(empty.samples, []);
      assert.deepEqual(empty.links, []);
      assert.deepEqual([empty.runners[0]!.mood, empty.runners[0]!.moodAt, empty.runners[0]!.checkpoint, empty.runners[0]!.cheers], [null, null, null, []]);
      assert.deepEqual([empty.alerts, empty.runners[0]!.avatarAt], [[], null]);
      assert.deepEqual(await store.alerts(ev), []);
      assert.equal(await store.avatar(ev, 'r'), null);
      const zero = pos(1, 0, { lat: 0, lon: 0, acc: 0, alt: 0, spd: 0, hdg: 0, bat: 0 });
      await store.append([
        position(ev, 'r', zero),
        { op: 'mood', event: ev, runnerId: 'r', value: 0, t: 0 },
        { op: 'sample', event: ev, sample: { t: 0, mean: 0, count: 0 } },
      ]);
      assert.deepEqual(await store.trackPage(ev, 'r', null, 10), [zero]);
      const room = (await store.loadRoom(ev, { cheersKept: 20, samplesKept: 10 }))!;
      assert.deepEqual([room.runners[0]!.mood, room.runners[0]!.moodAt], [0, 0]);
      assert.deepEqual(room.samples, [{ t: 0, mean: 0, count: 0 }]);
    });

    test('a track read page by page within a time range gives the same fixes as one read of that range', async () => {
      const ev = 'ranged-pages';
      const ops: WriteOp[] = [{ op: 'event', record: eventRecord(ev) }, { op: 'runner', runner: runner(ev, 'r') }];
      for (let seq = 1; seq <= 200; seq++) ops.push(position(ev, 'r', pos(seq, T0 + Math.floor(seq / 3) * 1000)));
      await store.append(ops);
      const range = { from: T0 + 10_000, to: T0 + 50_000 };
      const whole = await store.trackPage(ev, 'r', null, 1000, range);
      const paged: StoredPosition[] = [];
      let cursor: { t: number; seq: number } | null = null;
      for (;;) {
        const page = await store.trackPage(ev, 'r', cursor, 7, range);
        paged.push(...page);
        if (page.length < 7) break;
        cursor = { t: page.at(-1)!.t, seq: page.at(-1)!.seq };
      }
      assert.equal(whole.length, 123);
      assert.deepEqual(paged, whole);
    });

    test('alerts are kept by id: a room holds the open ones, acknowledging writes one again, every one is read back in order', async () => {
      const ev = 'alerts';
      await store.append([{ op: 'event', record: eventRecord(ev, { createdAt: T0 - 100_000 }) }, { op: 'runner', runner: runner(ev, 'r1') }, { op: 'runner', runner: runner(ev, 'r2') }]);
      const first = alert('al-1', 'r1', T0 + 10);
      const nowhere = alert('al-2', 'r2', T0 + 20, { at: null, source: 'OwnTracks', name: 'Zoë 🏃‍♀️' });
      const third = alert('al-3', 'r1', T0 + 30, { at: { lat: 0, lon: 0, t: 0, acc: 0 } });
      await store.append([
        { op: 'alert', event: ev, alert: first },
        { op: 'alert', event: ev, alert: nowhere },
        // Written twice in one batch: the second (acknowledged) wins.
        { op: 'alert', event: ev, alert: third },
        { op: 'alert', event: ev, alert: { ...third, ackedAt: T0 + 31 } },
      ]);
      assert.ok(!(await store.inactiveEvents(T0)).includes(ev), 'an alert is activity');
      let room = (await store.loadRoom(ev, { cheersKept: 20, samplesKept: 10 }))!;
      assert.deepEqual(room.alerts, [first, nowhere]);
      // Acknowledging changes only ackedAt, whatever else the op carries; raising again changes nothing.
      await store.append([
        { op: 'alert', event: ev, alert: { ...first, name: 'changed', ackedAt: T0 + 40 } },
        { op: 'alert', event: ev, alert: nowhere },
      ]);
      room = (await store.loadRoom(ev, { cheersKept: 20, samplesKept: 10 }))!;
      assert.deepEqual(room.alerts, [nowhere]);
      assert.deepEqual(await store.alerts(ev), [{ ...first, ackedAt: T0 + 40 }, nowhere, { ...third, ackedAt: T0 + 31 }]);
      assert.deepEqual(await store.alerts('other-event'), []);
      await store.append([{ op: 'deleteEvent', event: ev }]);
      assert.deepEqual(await store.alerts(ev), []);
    });

    test('a runner picture is replaced by the next one and its time comes with the room', async () => {
      const ev = 'avatars';
      await store.append([{ op: 'event', record: eventRecord(ev) }, { op: 'runner', runner: runner(ev, 'r') }, { op: 'runner', runner: runner(ev, 'plain') }]);
      await store.append([
        { op: 'avatar', event: ev, runnerId: 'r', avatar: { name: null, mime: 'image/jpeg', data: '/9j/AA==', updatedAt: T0 } },
        { op: 'avatar', event: ev, runnerId: 'r', avatar: { name: 'Zoë', mime: 'image/png', data: PNG, updatedAt: T0 + 5 } },
      ]);
      assert.deepEqual(await store.avatar(ev, 'r'), { name: 'Zoë', mime: 'image/png', data: PNG, updatedAt: T0 + 5 });
      const room = (await store.loadRoom(ev, { cheersKept: 20, samplesKept: 10 }))!;
      assert.deepEqual(room.runners.map((x) => [x.id, x.avatarAt]), [['plain', null], ['r', T0 + 5]]);
      await store.append([{ op: 'deleteEvent', event: ev }]);
      assert.equal(await store.avatar(ev, 'r'), null);
    });

    test('closing waits for the appends already made, and appends after it are refused', async () => {
      const own = await open();
      const ev = 'closing';
      const pending = own.append([{ op: 'event', record: eventRecord(ev) }, { op: 'runner', runner: runner(ev, 'r') }, position(ev, 'r', pos(1))]);
      await own.close();
      assert.equal(typeof (await pending).arrivals[2], 'number');
      await assert.rejects(own.append([position(ev, 'r', pos(2))]));
    });

    test('a start-list entry is a runner without a token until a phone claims it; the entry comes back whole', async () => {
      const ev = 'entries';
      const e = entry();
      await store.append([
        { op: 'event', record: eventRecord(ev) },
        { op: 'runner', runner: runner(ev, 'r1', { name: 'Ada Lovelace', bib: '101', tokenHash: null, entry: e }) },
        { op: 'runner', runner: runner(ev, 'r2', { name: 'Phone', bib: null }) },
      ]);
      let room = (await store.loadRoom(ev, { cheersKept: 20, samplesKept: 10 }))!;
      assert.deepEqual(
        room.runners.map((r) => [r.id, r.tokenHash, r.entry]),
        [
          ['r1', null, e],
          ['r2', 'tok-r2', null],
        ],
      );
      // Claimed from a phone, then edited by the organiser: the claim stays, the entry changes.
      await store.append([{ op: 'runnerToken', event: ev, runnerId: 'r1', tokenHash: 'claimed' }]);
      await store.append([{ op: 'runner', runner: runner(ev, 'r1', { name: 'Ada King', bib: '101', tokenHash: null, entry: { ...e, lastName: 'King', chip: null } }) }]);
      room = (await store.loadRoom(ev, { cheersKept: 20, samplesKept: 10 }))!;
      assert.equal(room.runners[0]!.tokenHash, 'claimed');
      assert.equal(room.runners[0]!.entry!.lastName, 'King');
      assert.equal(room.runners[0]!.entry!.chip, null);
      assert.deepEqual((await store.runners(ev)).map((r) => r.entry?.lastName ?? null), ['King', null]);
      // A new claim code lets another phone claim it: no token again.
      await store.append([{ op: 'runnerToken', event: ev, runnerId: 'r1', tokenHash: null }]);
      assert.equal((await store.loadRoom(ev, { cheersKept: 20, samplesKept: 10 }))!.runners[0]!.tokenHash, null);
    });

    test('timing points are kept by id with their key hash, found by it, changed and removed; rooms hold them by distance', async () => {
      const ev = 'mats';
      await store.append([
        { op: 'event', record: eventRecord(ev) },
        { op: 'timingPoint', event: ev, point: timingPoint('finish', 21097.5) },
        { op: 'timingPoint', event: ev, point: timingPoint('start', 0) },
        { op: 'timingPoint', event: ev, point: timingPoint('k10', 10000) },
      ]);
      assert.deepEqual(await store.timingPointByKey('key-k10'), { event: ev, pointId: 'k10' });
      assert.equal(await store.timingPointByKey('nobody'), null);
      await store.append([
        { op: 'timingPoint', event: ev, point: timingPoint('k10', 10500, { name: 'Bridge', keyHash: 'new-key', timeZone: 'UTC' }) },
        { op: 'deleteTimingPoint', event: ev, pointId: 'start' },
      ]);
      assert.equal(await store.timingPointByKey('key-k10'), null, 'a replaced key no longer works');
      const room = (await store.loadRoom(ev, { cheersKept: 20, samplesKept: 10 }))!;
      assert.deepEqual(room.timingPoints, [timingPoint('k10', 10500, { name: 'Bridge', keyHash: 'new-key', timeZone: 'UTC' }), timingPoint('finish', 21097.5)]);
    });

    test('a passing is kept once per point, chip and time; new ones get arrivals among the positions’, read back page by page', async () => {
      const ev = 'passings';
      await store.append([{ op: 'event', record: eventRecord(ev) }, { op: 'runner', runner: runner(ev, 'r1') }]);
      const first = await store.append([
        { op: 'passing', event: ev, passing: passing('k5', 'KX1', T0 + 1000, { loop: '0A', lap: 559, battery: 65.5, rewind: false }) },
        position(ev, 'r1', pos(1)),
        { op: 'passing', event: ev, passing: passing('k5', 'KX2', T0 + 2000) },
        { op: 'passing', event: ev, passing: passing('k5', 'KX1', T0 + 1000, { lap: 1 }) },
      ]);
      const [p1, a1, p2, dup] = first.arrivals;
      assert.ok((p1 as number) > 0 && (a1 as number) > p1! && (p2 as number) > a1!, `increasing: ${first.arrivals}`);
      assert.equal(dup, null, 'repeated within one batch');
      const again = await store.append([
        { op: 'passing', event: ev, passing: passing('k5', 'KX1', T0 + 1000, { rewind: true }) },
        { op: 'passing', event: ev, passing: passing('k10', 'KX1', T0 + 1000) },
        { op: 'passing', event: ev, passing: passing('k5', 'KX1', T0 + 1001) },
      ]);
      assert.equal(again.arrivals[0], null, 'sent again (a decoder’s rewind): kept once');
      assert.ok((again.arrivals[1] as number) > p2! && (again.arrivals[2] as number) > again.arrivals[1]!);
      const all = await store.passings(ev, 0, 100);
      assert.deepEqual(all.map((a) => a.arrival), [p1, p2, again.arrivals[1], again.arrivals[2]]);
      assert.deepEqual(all[0]!.passing, passing('k5', 'KX1', T0 + 1000, { loop: '0A', lap: 559, battery: 65.5, rewind: false }), 'the first write is the one kept');
      assert.deepEqual((await store.passings(ev, p2 as number, 1)).map((a) => a.passing.point), ['k10']);
      assert.deepEqual(await store.passings('other', 0, 10), []);
      assert.deepEqual((await store.replay(ev, 0, 10)).map((a) => a.kind), ['position'], 'replay stays positions and skips');
    });

    test('satellite trackers keep their poll state; the polling job finds those of live events only; removing a runner removes theirs', async () => {
      await store.append([
        { op: 'event', record: eventRecord('sat-live') },
        { op: 'event', record: eventRecord('sat-done', { status: 'finished' }) },
        { op: 'runner', runner: runner('sat-live', 'r1') },
        { op: 'runner', runner: runner('sat-live', 'r2') },
        { op: 'tracker', event: 'sat-live', tracker: tracker('t1', 'r1', { password: 'secret' }) },
        { op: 'tracker', event: 'sat-live', tracker: tracker('t2', 'r2', { kind: 'spot', feed: '0abcDEF' }) },
        { op: 'tracker', event: 'sat-done', tracker: tracker('t3', 'r9') },
      ]);
      await store.append([{ op: 'tracker', event: 'sat-live', tracker: tracker('t1', 'r1', { password: 'secret', polledAt: T0 + 5, lastT: T0 + 3, error: 'HTTP 401' }) }]);
      const live = await store.liveTrackers();
      assert.deepEqual(
        live.filter((l) => l.event.startsWith('sat-')),
        [
          { event: 'sat-live', tracker: tracker('t1', 'r1', { password: 'secret', polledAt: T0 + 5, lastT: T0 + 3, error: 'HTTP 401' }) },
          { event: 'sat-live', tracker: tracker('t2', 'r2', { kind: 'spot', feed: '0abcDEF' }) },
        ],
      );
      assert.deepEqual((await store.loadRoom('sat-live', { cheersKept: 20, samplesKept: 10 }))!.trackers.map((k) => k.id), ['t1', 't2']);
      await store.append([{ op: 'deleteRunner', event: 'sat-live', runnerId: 'r1' }, { op: 'deleteTracker', event: 'sat-live', trackerId: 't2' }]);
      assert.deepEqual((await store.liveTrackers()).filter((l) => l.event === 'sat-live'), []);
    });

    test('deleting an event removes its timing points, passings and trackers', async () => {
      const ev = 'gone-timing';
      await store.append([
        { op: 'event', record: eventRecord(ev) },
        { op: 'runner', runner: runner(ev, 'r1') },
        { op: 'timingPoint', event: ev, point: timingPoint('p', 0, { keyHash: 'gone-key' }) },
        { op: 'passing', event: ev, passing: passing('p', 'C', T0) },
        { op: 'tracker', event: ev, tracker: tracker('t', 'r1') },
      ]);
      await store.append([{ op: 'deleteEvent', event: ev }]);
      assert.equal(await store.timingPointByKey('gone-key'), null);
      assert.deepEqual(await store.passings(ev, 0, 10), []);
      assert.equal((await store.liveTrackers()).some((l) => l.event === ev), false);
    });

    test('race-control records are kept by kind and id, replaced in place, deleted one by one, with their runner and with their event', async () => {
      const ev = 'control';
      const control = (kind: ControlKind, id: string, runnerId: string | null, body: unknown, updatedAt: number): ControlRecord => ({
        kind,
        id,
        runnerId,
        body: JSON.stringify(body),
        updatedAt,
      });
      await store.append([
        { op: 'event', record: eventRecord(ev) },
        { op: 'runner', runner: runner(ev, 'r1') },
        { op: 'runner', runner: runner(ev, 'r2') },
        { op: 'control', event: ev, control: control('verdict', 'r1', 'r1', { kind: 'dnf', reason: 'Knee «ouch»' }, T0 + 1) },
        { op: 'control', event: ev, control: control('verdict', 'r2', 'r2', { kind: 'dns' }, T0 + 2) },
        { op: 'control', event: ev, control: control('message', 'm1', null, { text: 'Course change at km 12' }, T0 + 3) },
        { op: 'control', event: ev, control: control('settings', 'console', null, { stoppedMin: 10 }, T0 + 4) },
      ]);
      // Written twice in one batch: the second is the one kept.
      await store.append([
        { op: 'control', event: ev, control: control('verdict', 'r1', 'r1', { kind: 'dsq', reason: 'Cut the course' }, T0 + 5) },
        { op: 'control', event: ev, control: control('settings', 'console', null, { stoppedMin: 15 }, T0 + 6) },
        { op: 'control', event: ev, control: control('settings', 'console', null, { stoppedMin: 20 }, T0 + 7) },
      ]);
      const load = async () => (await store.loadRoom(ev, { cheersKept: 20, samplesKept: 10 }))!.controls;
      assert.deepEqual(await load(), [
        control('verdict', 'r2', 'r2', { kind: 'dns' }, T0 + 2),
        control('message', 'm1', null, { text: 'Course change at km 12' }, T0 + 3),
        control('verdict', 'r1', 'r1', { kind: 'dsq', reason: 'Cut the course' }, T0 + 5),
        control('settings', 'console', null, { stoppedMin: 20 }, T0 + 7),
      ]);
      await store.append([{ op: 'deleteControl', event: ev, kind: 'verdict', id: 'r2' }, { op: 'deleteRunner', event: ev, runnerId: 'r1' }]);
      assert.deepEqual((await load()).map((c) => `${c.kind}/${c.id}`), ['message/m1', 'settings/console']);
      await store.append([{ op: 'deleteEvent', event: ev }]);
      await store.append([{ op: 'event', record: eventRecord(ev) }]);
      assert.deepEqual(await load(), [], 'a new event of the same id starts with none');
    });

    test('stored values come back exactly: large sequence numbers, negative and fractional values, unicode text', async () => {
      const ev = 'exact';
      const bigSeq = 2 ** 50 + 1_700_000_123_456;
      await store.append([
        { op: 'event', record: { ...eventRecord(ev), info: { ...eventRecord(ev).info, name: 'Ünïcødé 東京 🏃' } } },
        { op: 'runner', runner: runner(ev, 'r', { name: 'Zoë 🏃‍♀️' }) },
        position(ev, 'r', { seq: bigSeq, lat: -33.856789123, lon: 151.215298765, t: T0 + 1, acc: 0.5, alt: -3.25, spd: 3.1, hdg: 359.9, bat: 12.5 }),
        { op: 'cheer', event: ev, runnerId: 'r', cheer: { from: 'Ümit', text: 'Allez ! «vite» \'quotes\' "double" \\ back', t: T0 } },
      ]);
      const [p] = await store.trackPage(ev, 'r', null, 10);
      assert.deepEqual(p, { seq: bigSeq, lat: -33.856789123, lon: 151.215298765, t: T0 + 1, acc: 0.5, alt: -3.25, spd: 3.1, hdg: 359.9, bat: 12.5 });
      assert.equal((await store.cheers(ev, 'r'))[0]!.text, 'Allez ! «vite» \'quotes\' "double" \\ back');
      const room = (await store.loadRoom(ev, { cheersKept: 20, samplesKept: 10 }))!;
      assert.equal(room.event.info.name, 'Ünïcødé 東京 🏃');
      assert.equal(room.runners[0]!.name, 'Zoë 🏃‍♀️');
    });
  });
}
