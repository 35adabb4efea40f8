import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { BackplaneUnavailableError, RedisBus } from '../server/backplane/redis/bus';
import { type Redis, startRedis } from './support/cluster';

describe('backplane requests', () => {
  let redis: Redis;
  let bus: RedisBus;
  before(async () => {
    redis = await startRedis();
    bus = await RedisBus.connect({ url: redis.url, namespace: 'bus-test', instance: 'a', requestTimeoutMs: 100 });
  });
  after(async () => {
    await bus.close();
    await redis.stop();
  });

  it('a request that times out while its publish is still waiting on Redis rejects to its caller and does not end the process', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      // Redis holds every command for 400 ms: the publish outlasts the request's 100 ms.
      spawnSync('redis-cli', ['-p', String(redis.port), 'client', 'pause', '400', 'all']);
      await assert.rejects(bus.request('b', { hello: 1 }), BackplaneUnavailableError);
      // Once Redis answers again the publish settles (its reply waits in the socket); a few turns of the loop
      // read it, and an unhandled rejection would be reported by then.
      spawnSync('redis-cli', ['-p', String(redis.port), 'ping']);
      for (let turn = 0; turn < 5; turn++) await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
