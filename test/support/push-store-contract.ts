/** The Web Push half of the storage contract: every engine keeps subscriptions and the VAPID keys alike. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_RACE } from '../../lib/protocol';
import type { PushSubscriptionRecord } from '../../server/storage/push-store';
import type { Store } from '../../server/storage/store';

const T0 = 1_700_000_000_000;

function sub(id: string, overrides: Partial<PushSubscriptionRecord> = {}): PushSubscriptionRecord {
  return {
    id,
    event: 'push-ev',
    runnerId: 'r1',
    endpoint: `https://push.example/${id}`,
    p256dh: 'BPub' + id,
    auth: 'auth' + id,
    via: 'public',
    grant: null,
    page: '/e/push-ev',
    createdAt: T0,
    ...overrides,
  };
}

export function pushStoreContract(engine: string, open: () => Promise<Store>): void {
  describe(`storage contract, Web Push: ${engine}`, () => {
    let store: Store;
    before(async () => {
      store = await open();
    });
    after(async () => {
      await store.close();
    });

    test('a subscription is kept, read back by event and runner, and replaced by its id', async () => {
      await store.push.savePushSubscription(sub('a'));
      await store.push.savePushSubscription(sub('b', { runnerId: 'r2', via: 'link', grant: 'link-1', createdAt: T0 + 1 }));
      await store.push.savePushSubscription(sub('org', { runnerId: '', via: 'organiser', grant: 'org-hash' }));
      assert.deepEqual(await store.push.pushSubscriptions('push-ev', 'r1'), [sub('a')]);
      assert.deepEqual(await store.push.pushSubscriptions('push-ev', ''), [sub('org', { runnerId: '', via: 'organiser', grant: 'org-hash' })]);
      await store.push.savePushSubscription(sub('a', { p256dh: 'BNew', auth: 'new', via: 'code', grant: 'code-hash', createdAt: T0 + 5 }));
      const again = await store.push.pushSubscriptions('push-ev', 'r1');
      assert.equal(again.length, 1);
      assert.deepEqual(again[0], sub('a', { p256dh: 'BNew', auth: 'new', via: 'code', grant: 'code-hash', createdAt: T0 + 5 }));
      assert.deepEqual(await store.push.pushSubscriptions('other', 'r1'), []);
    });

    test('subscriptions are forgotten by id, and every one of a gone endpoint at once', async () => {
      const endpoint = 'https://push.example/gone';
      await store.push.savePushSubscription(sub('g1', { event: 'push-gone', endpoint }));
      await store.push.savePushSubscription(sub('g2', { event: 'push-gone', runnerId: 'r2', endpoint }));
      await store.push.savePushSubscription(sub('g3', { event: 'push-gone', runnerId: 'r3' }));
      assert.equal(await store.push.countPushEndpoint(endpoint), 2);
      assert.equal(await store.push.deletePushEndpoint(endpoint), 2);
      assert.equal(await store.push.countPushEndpoint(endpoint), 0);
      assert.deepEqual(await store.push.pushSubscriptions('push-gone', 'r1'), []);
      await store.push.deletePushSubscriptions(['g3']);
      assert.deepEqual(await store.push.pushSubscriptions('push-gone', 'r3'), []);
      await store.push.deletePushSubscriptions([]);
    });

    test("removing a runner or an event removes its subscriptions (they name who was followed)", async () => {
      const record = { info: { id: 'push-del', name: 'Push', createdAt: T0, status: 'live' as const, protected: false, race: DEFAULT_RACE }, organiserHash: 'h', viewCodeHash: null, quotas: {} };
      const runner = { id: 'r1', event: 'push-del', name: 'Ada', color: '#123456', tokenHash: 't', deviceKeyHash: null, joinedAt: T0, stopped: false, bib: null, entry: null };
      await store.append([{ op: 'event', record }, { op: 'runner', runner }, { op: 'runner', runner: { ...runner, id: 'r2' } }]);
      await store.push.savePushSubscription(sub('d1', { event: 'push-del' }));
      await store.push.savePushSubscription(sub('d2', { event: 'push-del', runnerId: 'r2' }));
      await store.push.savePushSubscription(sub('d3', { event: 'push-del', runnerId: '' }));
      await store.append([{ op: 'deleteRunner', event: 'push-del', runnerId: 'r1' }]);
      assert.deepEqual(await store.push.pushSubscriptions('push-del', 'r1'), []);
      assert.equal((await store.push.pushSubscriptions('push-del', 'r2')).length, 1);
      await store.append([{ op: 'deleteEvent', event: 'push-del' }]);
      assert.deepEqual(await store.push.pushSubscriptions('push-del', 'r2'), []);
      assert.deepEqual(await store.push.pushSubscriptions('push-del', ''), []);
    });

    test('the first VAPID key pair offered is kept; later offers get it back', async () => {
      const first = await store.push.vapidKeys({ publicKey: 'pub-1', privateKey: 'priv-1' }, T0);
      assert.deepEqual(first, { publicKey: 'pub-1', privateKey: 'priv-1' });
      const offers = await Promise.all([2, 3, 4].map((n) => store.push.vapidKeys({ publicKey: `pub-${n}`, privateKey: `priv-${n}` }, T0 + n)));
      for (const kept of offers) assert.deepEqual(kept, first);
    });
  });
}
