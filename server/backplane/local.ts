/** One process, no services: every event is owned here, nothing travels, nothing is fenced. */
import { ConnectionLimiter } from '../transport/admission';
import { KeyedBuckets } from '../limits/token-bucket';
import type { Backplane, BackplaneHealth, Claim } from './backplane';

export class LocalBackplane implements Backplane {
  readonly kind = 'local' as const;
  readonly instance = 'local';
  readonly holder = undefined;
  readonly streamTag = '';

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  claim(): Claim {
    return { here: true, epoch: 0 };
  }

  claimNew(): Promise<{ epoch: number }> {
    return Promise.resolve({ epoch: 0 });
  }

  owned(): number {
    return 0;
  }

  ownedEvents(): string[] {
    return [];
  }

  forward(): never {
    throw new Error('one process owns every event');
  }

  ask(): never {
    throw new Error('one process owns every event');
  }

  forwardDelete(): never {
    throw new Error('one process owns every event');
  }

  publishTick(): void {}
  publishNews(): void {}
  publishIndex(): void {}
  follow(): void {}
  feed(): undefined {
    return undefined;
  }
  followedElsewhere(): boolean {
    return false;
  }
  released(): void {}
  presence(): void {}

  streamPost(): Promise<'gone'> {
    return Promise.resolve('gone');
  }

  connectionLimiter(max: number): ConnectionLimiter {
    return new ConnectionLimiter(max);
  }

  buckets(_name: string, capacity: number, perSecond: number): KeyedBuckets {
    return new KeyedBuckets(capacity, perSecond);
  }

  once(): Promise<boolean> {
    return Promise.resolve(true);
  }

  health(): BackplaneHealth {
    return { kind: 'local', state: 'local' };
  }
}
