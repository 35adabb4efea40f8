/** One process, no services: every event is owned here, nothing travels, nothing is fenced. */
import { ConnectionLimiter } from '../limits/admission';
import { KeyedBuckets } from '../limits/token-bucket';
import type { Backplane, BackplaneHealth, Claim, ClusterLimits, CommandBus, EventChannel, EventOwnership } from './ports';

const alone = (): never => {
  throw new Error('one process owns every event');
};

export class LocalBackplane implements Backplane {
  readonly kind = 'local' as const;

  readonly ownership: EventOwnership = {
    holder: undefined,
    claim: (): Claim => ({ here: true, epoch: 0 }),
    claimNew: () => Promise.resolve({ epoch: 0 }),
    owned: () => 0,
    ownedEvents: () => [],
    released: () => {},
    once: () => Promise.resolve(true),
  };

  readonly bus: CommandBus = {
    instance: 'local',
    streamTag: '',
    forward: alone,
    ask: alone,
    forwardDelete: alone,
    presence: () => {},
    streamPost: () => Promise.resolve('gone'),
  };

  readonly channel: EventChannel = {
    publishTick: () => {},
    publishNews: () => {},
    publishIndex: () => {},
    follow: () => {},
    feed: () => undefined,
    followedElsewhere: () => false,
  };

  readonly limits: ClusterLimits = {
    connectionLimiter: (max) => new ConnectionLimiter(max),
    buckets: (_name, capacity, perSecond) => new KeyedBuckets(capacity, perSecond),
  };

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  health(): BackplaneHealth {
    return { kind: 'local', state: 'local' };
  }
}
