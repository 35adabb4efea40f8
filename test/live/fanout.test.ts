/**
 * Unit: fan-out (server/live/fanout.ts) with fake peers and a fake feed: one frame per tick and choice of
 * runners, serialised once for every member; members who stop reading are skipped and brought up to date
 * from a snapshot; narrower choices get only their runners. No sockets, no sleeps.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloseCode, type RunnerInfo } from '../../lib/protocol';
import type { Feed } from '../../server/backplane/ports';
import { Fanout } from '../../server/live/fanout';
import type { Delta, SnapshotMessage } from '../../server/room/state';
import { FakePeer } from './fake-peer';

const info = (id: string): RunnerInfo => ({ id, name: id, color: '#123456', status: 'active', lastSeen: 1, mood: null });

interface FakeFeed {
  seq: number;
  whole: SnapshotMessage | null;
  log: Delta[];
  feed: Feed;
  tick(ids: string[]): Delta;
}

/** A feed whose picture is as of offset `seq`, with every update kept. */
function feed(): FakeFeed {
  const f: FakeFeed = {
    seq: 0,
    whole: null as SnapshotMessage | null,
    log: [] as Delta[],
    feed: {
      epoch: 'e1',
      /** Like a room: the whole-event picture is built once per offset and shared. */
      snapshot(only: ReadonlySet<string> | null): SnapshotMessage {
        if (!only && f.whole?.seq === f.seq) return f.whole;
        const ids = ['a', 'b'].filter((id) => !only || only.has(id));
        const msg: SnapshotMessage = { type: 'snapshot', event: { id: 'ev', name: 'Ev', createdAt: 0, status: 'live', protected: false }, epoch: 'e1', seq: f.seq, runners: ids.map((id) => ({ ...info(id), trail: '', last: null, distance: 0, points: 0 })), happiness: [], alerts: [], now: 0 };
        if (!only) f.whole = msg;
        return msg;
      },
      since: (seq: number): Delta[] => f.log.filter((d) => d.seq > seq),
      field: () => ({
        epoch: 'e1',
        seq: f.seq,
        runners: ['a', 'b'].map((id, i) => ({ id, lat: 51, lon: i / 100, t: 0, status: 'active' as const, color: '#123456', finished: false, alert: false })),
      }),
    },
    /** The next tick: points for these runners. */
    tick(ids: string[]): Delta {
      const d: Delta = { seq: ++f.seq, now: f.seq, runners: [], points: Object.fromEntries(ids.map((id) => [id, [[51, 0, f.seq]]])), distance: {}, removed: [] };
      f.log.push(d);
      return d;
    },
  };
  return f;
}

const member = (id: number, peer = new FakePeer()) => ({ id, peer });

describe('fan-out', () => {
  test('a new member gets a snapshot, then each tick once; every member of a choice gets the same bytes', () => {
    const f = feed();
    const fan = new Fanout(1024, () => f.feed);
    const a = member(1);
    const b = member(2);
    fan.watch(a, { event: 'ev', only: null, via: 'public' });
    fan.watch(b, { event: 'ev', only: null, via: 'public' });
    assert.deepEqual(a.peer.sent.map((m) => m.type), ['snapshot']);
    assert.equal(a.peer.frames[0], b.peer.frames[0], 'the shared snapshot is serialised once');
    fan.publish('ev', 'e1', f.tick(['a']));
    assert.equal(a.peer.of('update').length, 1);
    assert.equal(a.peer.frames.at(-1), b.peer.frames.at(-1), 'one serialised frame for both');
  });

  test('members who chose some runners get only their part, and nothing when none of theirs moved', () => {
    const f = feed();
    const fan = new Fanout(1024, () => f.feed);
    const onlyB = member(1);
    fan.watch(onlyB, { event: 'ev', only: new Set(['b']), via: 'link', linkId: 'l1' });
    fan.publish('ev', 'e1', f.tick(['a']));
    assert.equal(onlyB.peer.of('update').length, 0);
    fan.publish('ev', 'e1', f.tick(['a', 'b']));
    const [update] = onlyB.peer.of('update');
    assert.deepEqual(Object.keys(update!.points), ['b']);
    assert.equal(update!.prev, 0, 'the previous update that carried anything for this choice was the snapshot');
  });

  test('a member who stops reading is skipped, then brought up to date from a snapshot once it drains', () => {
    const f = feed();
    const fan = new Fanout(1000, () => f.feed);
    const slow = member(1);
    fan.watch(slow, { event: 'ev', only: null, via: 'public' });
    slow.peer.bufferedAmount = 2000;
    fan.publish('ev', 'e1', f.tick(['a']));
    fan.publish('ev', 'e1', f.tick(['a']));
    assert.equal(slow.peer.of('update').length, 0, 'nothing is queued for a member that is not reading');
    slow.peer.bufferedAmount = 0;
    fan.publish('ev', 'e1', f.tick(['a']));
    const types = slow.peer.sent.map((m) => m.type);
    assert.deepEqual(types, ['snapshot', 'snapshot'], 'a fresh snapshot instead of what it missed');
    assert.equal(slow.peer.of('snapshot')[1]!.seq, 3);
  });

  test('a member far behind that keeps asking for snapshots is let go', () => {
    const f = feed();
    const fan = new Fanout(1000, () => f.feed);
    const stuck = member(1);
    fan.watch(stuck, { event: 'ev', only: null, via: 'public' });
    stuck.peer.bufferedAmount = 2000;
    fan.watch(stuck, { event: 'ev', only: null, via: 'public' });
    const closedWhileBehind = stuck.peer.closedWith;
    assert.equal(closedWhileBehind, null, 'behind, but not far: it waits until it reads again');
    stuck.peer.bufferedAmount = 5000;
    fan.watch(stuck, { event: 'ev', only: null, via: 'public' });
    assert.deepEqual(stuck.peer.closedWith, { code: CloseCode.TooSlow, reason: 'not reading' });
  });

  test('event news goes to everyone watching; news about one runner only to those who see that runner', () => {
    const f = feed();
    const fan = new Fanout(1024, () => f.feed);
    const all = member(1);
    const onlyA = member(2);
    fan.watch(all, { event: 'ev', only: null, via: 'public' });
    fan.watch(onlyA, { event: 'ev', only: new Set(['a']), via: 'link', linkId: 'l1' });
    fan.broadcast('ev', { type: 'happiness', event: 'ev', sample: { t: 1, mean: 5, count: 1 } });
    fan.broadcast('ev', { type: 'cheered', runnerId: 'b', online: true }, undefined, 'b');
    assert.deepEqual(all.peer.sent.map((m) => m.type), ['snapshot', 'happiness', 'cheered']);
    assert.deepEqual(onlyA.peer.sent.map((m) => m.type), ['snapshot', 'happiness']);
  });

  test('leaving stops everything: no frame reaches a member that left', () => {
    const f = feed();
    const fan = new Fanout(1024, () => f.feed);
    const gone = member(1);
    fan.watch(gone, { event: 'ev', only: null, via: 'public' });
    fan.leave(1);
    fan.publish('ev', 'e1', f.tick(['a']));
    assert.equal(gone.peer.sent.length, 1);
    assert.equal(fan.hasWatchers('ev'), false);
  });

  describe('spectators who say what they look at', () => {
    const view = { west: -0.01, south: 50.995, east: 0.02, north: 51.005, zoom: 15 };
    const interest = (follow: string[] = [], v: typeof view | null = view) => ({ follow: new Set(follow), view: v });

    test('they get their followed runners, the field, then one binary message a tick shared by everyone with the same view', () => {
      const f = feed();
      const fan = new Fanout(1 << 20, () => f.feed);
      const a = member(1);
      const b = member(2);
      fan.watch(a, { event: 'ev', only: null, via: 'public', interest: interest() });
      fan.watch(b, { event: 'ev', only: null, via: 'public', interest: interest() });
      const [snap] = a.peer.of('snapshot');
      assert.deepEqual(snap!.runners, [], 'nobody followed: no runner in detail');
      assert.equal(snap!.field?.count, 2);
      const field = a.peer.binary.find((fr) => fr.gen === snap!.field!.gen && fr.n.length === 2);
      assert.ok(field, 'the whole field follows the snapshot');
      const before = a.peer.frames.length;
      fan.publish('ev', 'e1', f.tick(['a', 'b']));
      const after = a.peer.frames.slice(before);
      assert.equal(after.length, 1, 'one message for the tick, whatever it carries');
      assert.ok(after[0]!.binary);
      assert.equal(after[0], b.peer.frames.at(-1), 'built once for both');
      assert.equal(a.peer.of('update').length, 0, 'no JSON updates for runners nobody follows');
    });

    test('following a runner brings that runner in detail, without the field again, then their updates', () => {
      const f = feed();
      const fan = new Fanout(1 << 20, () => f.feed);
      const a = member(1);
      fan.watch(a, { event: 'ev', only: null, via: 'public', interest: interest() });
      const fields = a.peer.binary.length;
      assert.equal(fan.refocus(1, 'ev', interest(['b'])), true);
      const [, again] = a.peer.of('snapshot');
      assert.deepEqual(again!.runners.map((r) => r.id), ['b']);
      assert.equal(again!.field?.gen, a.peer.of('snapshot')[0]!.field?.gen, 'the same field');
      assert.equal(a.peer.binary.length, fields, 'the field is not sent again');
      fan.publish('ev', 'e1', f.tick(['a', 'b']));
      const [update] = a.peer.of('update');
      assert.deepEqual(Object.keys(update!.points), ['b']);
    });

    test('a view that moves brings the pictures of the tiles it now covers; a watch with no view gets the summary alone', () => {
      const f = feed();
      const fan = new Fanout(1 << 20, () => f.feed);
      const a = member(1);
      fan.watch(a, { event: 'ev', only: null, via: 'public', interest: interest([], null) });
      const before = a.peer.binary.length;
      fan.refocus(1, 'ev', interest([], view));
      const tiles = a.peer.binary.slice(before);
      assert.ok(tiles.length >= 1 && tiles.every((t) => t.level === 14), 'pictures of the new tiles at their level');
      assert.deepEqual([...new Set(tiles.flatMap((t) => [...t.n]))].sort((a, b) => a - b), [0, 1]);
    });

    test('news about one runner reaches them, whoever they follow', () => {
      const f = feed();
      const fan = new Fanout(1 << 20, () => f.feed);
      const a = member(1);
      fan.watch(a, { event: 'ev', only: null, via: 'public', interest: interest() });
      fan.broadcast('ev', { type: 'cheered', runnerId: 'b', online: true }, undefined, 'b');
      assert.equal(a.peer.of('cheered').length, 1);
    });

    test('the field goes with the last of them; the next one gets a new one', () => {
      const f = feed();
      const fan = new Fanout(1 << 20, () => f.feed);
      fan.watch(member(1), { event: 'ev', only: null, via: 'public', interest: interest() });
      const first = fan.field('ev');
      fan.leave(1);
      assert.equal(fan.field('ev'), null);
      fan.watch(member(2), { event: 'ev', only: null, via: 'public', interest: interest() });
      assert.notEqual(fan.field('ev')?.gen, first?.gen);
    });
  });
});
