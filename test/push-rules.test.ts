/** Web Push rules without a server: who may be told, what the message says, what is news, and the budgets. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Alert, DEFAULT_RACE, type RunnerInfo, type RunnerRaceInfo, type ShareLink } from '../lib/protocol';
import { loadConfig } from '../server/config';
import { checkEndpoint } from '../server/push/endpoints';
import { passingPayload, passingNews, placeLabel, roughDuration, sosPayload } from '../server/push/message';
import { PushQueue } from '../server/push/queue';
import { grantOf, mayReceive, subscriptionId } from '../server/push/rules';
import { PushService } from '../server/push/service';
import type { PushSender } from '../server/push/send';
import { FRESH_MS, PushWatch } from '../server/push/watch';
import type { PushStore, PushSubscriptionRecord } from '../server/storage/push-store';
import type { EventRecord } from '../server/storage/store';

const T0 = 1_800_000_000_000;

const event = (over: Partial<EventRecord> = {}): EventRecord => ({
  info: { id: 'ev', name: 'Berlin Half', createdAt: T0, status: 'live', protected: false, race: DEFAULT_RACE },
  organiserHash: 'org-hash',
  viewCodeHash: null,
  quotas: {},
  ...over,
});

const link = (over: Partial<ShareLink> = {}): ShareLink => ({ id: 'L1', token: 'tok', label: 'Family', runners: ['ada'], createdAt: T0, expiresAt: null, revokedAt: null, ...over });

function sub(over: Partial<PushSubscriptionRecord> = {}): PushSubscriptionRecord {
  return { id: 's', event: 'ev', runnerId: 'ada', endpoint: 'https://fcm.googleapis.com/fcm/send/x', p256dh: 'k', auth: 'a', via: 'public', grant: null, page: '/e/ev', createdAt: T0, ...over };
}

describe('push endpoints', () => {
  test('only the browsers’ push services over https, and origins the operator lists', () => {
    assert.deepEqual(checkEndpoint('https://fcm.googleapis.com/fcm/send/abc', []), { ok: true });
    assert.deepEqual(checkEndpoint('https://updates.push.services.mozilla.com/wpush/v2/abc', []), { ok: true });
    assert.deepEqual(checkEndpoint('https://web.push.apple.com/QGx', []), { ok: true });
    assert.deepEqual(checkEndpoint('https://wns2-par02p.notify.windows.com/w/?token=x', []), { ok: true });
    assert.equal(checkEndpoint('http://fcm.googleapis.com/fcm/send/abc', []).ok, false, 'not over plain http');
    assert.equal(checkEndpoint('https://evilfcm.googleapis.com.attacker.net/x', []).ok, false);
    assert.equal(checkEndpoint('https://user:pw@fcm.googleapis.com/x', []).ok, false);
    assert.equal(checkEndpoint('http://127.0.0.1:8080/admin', []).ok, false, 'not into the server’s own network');
    assert.deepEqual(checkEndpoint('http://127.0.0.1:8080/push/a', ['http://127.0.0.1:8080']), { ok: true });
    assert.equal(checkEndpoint(`https://fcm.googleapis.com/${'x'.repeat(1100)}`, []).ok, false);
    assert.equal(checkEndpoint('not a url', []).ok, false);
  });
});

describe('who may be told', () => {
  const now = T0 + 3600_000;
  test('a public event’s follower, while it stays public', () => {
    const g = grantOf({ only: null, via: 'public' }, event());
    assert.deepEqual(g, { via: 'public', grant: null });
    assert.equal(mayReceive(sub(g), event(), undefined, now), true);
    assert.equal(mayReceive(sub(g), event({ viewCodeHash: 'scrypt-1' }), undefined, now), false, 'made protected');
    assert.equal(mayReceive(sub(g), undefined, undefined, now), false, 'deleted');
  });

  test('a view code’s follower, until the code changes', () => {
    const ev = event({ viewCodeHash: 'scrypt-1' });
    const g = grantOf({ only: null, via: 'code' }, ev);
    assert.equal(g.via, 'code');
    assert.ok(g.grant && !g.grant.includes('scrypt-1'), 'the stored hash is not copied');
    assert.equal(mayReceive(sub(g), ev, undefined, now), true);
    assert.equal(mayReceive(sub(g), event({ viewCodeHash: 'scrypt-2' }), undefined, now), false, 'a new code');
    assert.equal(mayReceive(sub(g), event(), undefined, now), true, 'the event made public');
  });

  test('a share link’s follower, while the link shows the runner and is neither withdrawn nor expired', () => {
    const g = grantOf({ only: new Set(['ada']), via: 'link', linkId: 'L1' }, event());
    assert.deepEqual(g, { via: 'link', grant: 'L1' });
    const s = sub(g);
    assert.equal(mayReceive(s, event(), link(), now), true);
    assert.equal(mayReceive(s, event(), link({ revokedAt: now - 1 }), now), false);
    assert.equal(mayReceive(s, event(), link({ expiresAt: now - 1 }), now), false);
    assert.equal(mayReceive(s, event(), link({ runners: ['grace'] }), now), false, 'the runner is not on the link');
    assert.equal(mayReceive(s, event(), link({ id: 'L2' }), now), false);
    assert.equal(mayReceive(s, event(), undefined, now), false);
    assert.equal(mayReceive(sub({ ...g, runnerId: 'grace' }), event(), link({ runners: null }), now), true, 'a link for every runner');
  });

  test('the organiser, until the token is replaced; an SOS subscription needs the organiser', () => {
    const g = grantOf({ only: null, via: 'organiser' }, event());
    assert.equal(mayReceive(sub({ ...g, runnerId: '' }), event(), undefined, now), true);
    assert.equal(mayReceive(sub({ ...g, runnerId: '' }), event({ organiserHash: 'other' }), undefined, now), false);
    assert.equal(mayReceive(sub({ via: 'public', runnerId: '' }), event(), undefined, now), false);
  });

  test('one subscription per browser, event and runner', () => {
    assert.equal(subscriptionId('ev', 'ada', 'https://x/1'), subscriptionId('ev', 'ada', 'https://x/1'));
    assert.notEqual(subscriptionId('ev', 'ada', 'https://x/1'), subscriptionId('ev', 'grace', 'https://x/1'));
    assert.notEqual(subscriptionId('ev', 'ada', 'https://x/1'), subscriptionId('ev', 'ada', 'https://x/2'));
  });
});

const race = (over: Partial<RunnerRaceInfo> = {}): RunnerRaceInfo => ({
  pos: 3, state: 'running', at: 21_150, off: false, start: T0, finish: null, gap: null, ahead: null, aheadM: null, speed: 3.4, avg: 3.4,
  cp: { name: 'Half way', t: T0 + 6130_000 }, est: null, eta: [{ name: 'Finish', kind: 'finish', at: 42_195, t: T0 + 12_300_000, lo: 0, hi: 0 }], ...over,
});
const ctx = { event: 'ev', eventName: 'Berlin Marathon', runnerId: 'ada', runnerName: 'Ada Lovelace', unit: 'km' as const, checkpoints: [{ name: 'Half way', at: 21_097.5 }, { name: '30 km', at: 30_000 }], length: 42_195 };

describe('what a notification says', () => {
  test('a checkpoint: runner, place and distance, race time, and the finish expected', () => {
    const news = passingNews(ctx, race())!;
    const p = passingPayload(news, '/e/ev');
    assert.equal(p.body, 'Ada Lovelace passed Half way (21.1 km) at 1:42:10 — ETA finish 3:25');
    assert.equal(p.title, 'Berlin Marathon');
    assert.equal(p.url, '/e/ev?runner=ada');
    assert.equal(p.t, T0 + 6130_000);
    assert.equal(passingPayload(news, '/s/tok').url, '/s/tok?runner=ada', 'a link’s spectators go back through their link');
  });

  test('a checkpoint named by its distance is not named twice; miles in a miles race', () => {
    assert.equal(placeLabel('30 km', 30_000, 'km'), '30 km');
    assert.equal(placeLabel('Halbmarathon 21,1', 21_097.5, 'km'), 'Halbmarathon 21,1');
    assert.equal(placeLabel('Water 2', 7500, 'km'), 'Water 2 (7.5 km)');
    assert.equal(placeLabel('Water', 8046.72, 'mi'), 'Water (5.0 mi)');
    assert.equal(placeLabel('Water', null, 'km'), 'Water');
    const p = passingPayload(passingNews(ctx, race({ cp: { name: '30 km', t: T0 + 9000_000 }, eta: [] }))!, '/e/ev');
    assert.equal(p.body, 'Ada Lovelace passed 30 km at 2:30:00');
  });

  test('the finish with the time', () => {
    const p = passingPayload(passingNews(ctx, race({ state: 'finished', cp: { name: 'Finish', t: T0 + 12_291_000 }, finish: 12_291, eta: [] }))!, '/e/ev');
    assert.equal(p.body, 'Ada Lovelace finished in 3:24:51');
    assert.equal(p.tag, 'finish-ada');
  });

  test('an estimate is to the minute', () => {
    assert.equal(roughDuration(48 * 60 + 20), '48 min');
    assert.equal(roughDuration(3 * 3600 + 25 * 60 + 29), '3:25');
  });

  test("an SOS names the runner, the bib and where, and opens the organiser's page", () => {
    const alert: Alert = { id: 'A1', runnerId: 'ada', name: 'Ada Lovelace', kind: 'sos', raisedAt: T0, at: null, source: 'Traccar Client', ackedAt: null };
    const p = sosPayload({ event: 'ev', eventName: 'Berlin Half', unit: 'km' }, alert, 14_100, '241');
    assert.equal(p.title, 'SOS — Berlin Half');
    assert.equal(p.body, 'Ada Lovelace (bib 241) asks for help at 14.1 km. Open the organiser page to see where and acknowledge it.');
    assert.equal(p.url, '/e/ev/organise');
  });
});

const info = (id: string, r: RunnerRaceInfo | undefined): RunnerInfo => ({ id, name: id, color: '#000000', status: 'active', lastSeen: T0, mood: null, ...(r ? { race: r } : {}) });
const watched = (changed: RunnerInfo[], alerts: Alert[] = []) => ({ event: 'ev', eventName: 'E', unit: 'km' as const, checkpoints: ctx.checkpoints, length: 42_195, changed, alerts });

describe('what is news', () => {
  test('each checkpoint once; the first one however late; one the process never saw only when fresh', () => {
    const w = new PushWatch();
    const now = T0 + 7000_000;
    assert.deepEqual(w.observe(watched([info('ada', race({ cp: null }))]), now), []);
    const late = w.observe(watched([info('ada', race({ cp: { name: 'Half way', t: now - 3600_000 } }))]), now);
    assert.equal(late.length, 1, 'passed while the runner was already watched: told');
    assert.deepEqual(w.observe(watched([info('ada', race({ cp: { name: 'Half way', t: now - 3600_000 } }))]), now), [], 'not twice');
    assert.deepEqual(w.observe(watched([info('grace', race({ cp: { name: 'Half way', t: now - FRESH_MS - 1 } }))]), now), [], 'old news after a restart');
    assert.equal(w.observe(watched([info('linus', race({ cp: { name: 'Half way', t: now - 1000 } }))]), now).length, 1, 'fresh news after a restart');
    assert.deepEqual(w.observe(watched([info('nobody', undefined)]), now), []);
    w.keepOnly(new Set(['other']));
    assert.deepEqual(w.observe(watched([info('ada', race({ cp: { name: 'Half way', t: now - 3600_000 } }))]), now), [], 'a room loaded again: old news stays old');
  });

  test('an SOS once, when fresh', () => {
    const w = new PushWatch();
    const a: Alert = { id: 'A1', runnerId: 'ada', name: 'Ada', kind: 'sos', raisedAt: T0, at: null, source: 'x', ackedAt: null };
    assert.equal(w.observe(watched([], [a]), T0 + 1000).length, 1);
    assert.deepEqual(w.observe(watched([], [a]), T0 + 2000), []);
    assert.deepEqual(w.observe(watched([], [{ ...a, id: 'old' }]), T0 + FRESH_MS + 1), []);
  });
});

function memoryStore(subs: PushSubscriptionRecord[]): PushStore & { deleted: string[] } {
  const deleted: string[] = [];
  return {
    deleted,
    savePushSubscription: async (s) => void subs.push(s),
    deletePushSubscriptions: async (ids) => void deleted.push(...ids),
    deletePushEndpoint: async (e) => (deleted.push(e), 1),
    pushSubscriptions: async (ev, r) => subs.filter((s) => s.event === ev && s.runnerId === r && !deleted.includes(s.id) && !deleted.includes(s.endpoint)),
    countPushEndpoint: async (e) => subs.filter((s) => s.endpoint === e).length,
    vapidKeys: async (c) => c,
  };
}

describe('sending', () => {
  test('the queue holds a bounded number of tasks and counts what did not fit', async () => {
    const q = new PushQueue({ maxQueued: 2, concurrency: 1 });
    let ran = 0;
    const task = async () => {
      ran++;
    };
    // One runs, two wait, the fourth does not fit.
    assert.deepEqual([q.add('a', task), q.add('b', task), q.add('c', task), q.add('d', task)], [true, true, true, false]);
    assert.equal(ran, 0, 'nothing runs inside the caller’s turn');
    await q.idle();
    assert.equal(ran, 3);
    assert.equal(q.stats().dropped, 1);
    q.add('e', task);
    q.add('f', task);
    await q.stop();
    assert.equal(ran, 4, 'stopping drops what waits, lets what runs finish');
    assert.equal(q.add('g', task), false);
  });

  test('one browser gets at most its budget; a gone endpoint is forgotten; denied access forgets the subscription', async () => {
    let now = T0;
    const sent: string[] = [];
    const sender: PushSender = { send: async (s) => (sent.push(s.endpoint), s.endpoint.endsWith('gone') ? { outcome: 'gone', status: 410 } : { outcome: 'sent', status: 201 }) };
    const store = memoryStore([
      sub({ id: 'a', endpoint: 'https://fcm.googleapis.com/a' }),
      sub({ id: 'g', endpoint: 'https://fcm.googleapis.com/gone' }),
      sub({ id: 'l', endpoint: 'https://fcm.googleapis.com/l', via: 'link', grant: 'L1' }),
    ]);
    const service = new PushService({ store, events: { get: () => event(), linkById: () => link({ revokedAt: T0 }) }, sender, publicKey: 'k', extraOrigins: [], now: () => now, perEndpoint: { capacity: 2, perSecond: 1 / 30 } });
    const room = { id: 'ev', info: { ...event().info, race: { ...DEFAULT_RACE, course: null } }, alerts: new Map(), runners: new Map() } as never;
    const pass = async (name: string, t: number) => {
      service.observe(room, [info('ada', race({ cp: { name, t } }))]);
      await service.idle();
    };
    for (const cp of ['Start', 'A', 'B', 'C']) await pass(cp, now);
    assert.equal(sent.filter((e) => e.endsWith('/a')).length, 2, 'a burst of 2, then nothing until the budget refills');
    assert.equal(sent.filter((e) => e.endsWith('gone')).length, 1, 'told once, then forgotten');
    assert.ok(store.deleted.includes('https://fcm.googleapis.com/gone'));
    assert.ok(store.deleted.includes('l'), 'the withdrawn link’s subscription is forgotten, never sent to');
    assert.ok(!sent.some((e) => e.endsWith('/l')));
    assert.equal(service.stats().limited, 2);
    now += 30_000;
    await pass('D', now);
    assert.equal(sent.filter((e) => e.endsWith('/a')).length, 3, 'one more after 30 s');
  });
});

describe('push configuration', () => {
  test('VAPID keys come as a pair of the right form; push service origins as origins; the private key is never shown', () => {
    const base = { DATA_DIR: '/tmp', NODE_ENV: 'production' as const };
    const keys = { VAPID_PUBLIC_KEY: 'B'.repeat(87), VAPID_PRIVATE_KEY: 'p'.repeat(43) };
    const c = loadConfig({ ...base, ...keys, PUSH_ENDPOINTS: 'http://127.0.0.1:6304, https://push.example.org' });
    assert.deepEqual(c.push, { vapid: { publicKey: keys.VAPID_PUBLIC_KEY, privateKey: keys.VAPID_PRIVATE_KEY }, subject: 'mailto:push@trackside.invalid', endpoints: ['http://127.0.0.1:6304', 'https://push.example.org'] });
    assert.equal(loadConfig(base).push.vapid, null, 'made at first start when not given');
    assert.throws(() => loadConfig({ ...base, VAPID_PUBLIC_KEY: keys.VAPID_PUBLIC_KEY }), /given together/);
    assert.throws(() => loadConfig({ ...base, VAPID_PUBLIC_KEY: 'short', VAPID_PRIVATE_KEY: 'secret-value-x' }), (err: Error) => /P-256/.test(err.message) && !err.message.includes('secret-value-x'));
    assert.throws(() => loadConfig({ ...base, VAPID_SUBJECT: 'me' }), /mailto:/);
    assert.throws(() => loadConfig({ ...base, PUSH_ENDPOINTS: 'push.example.org' }), /origins/);
  });
});
