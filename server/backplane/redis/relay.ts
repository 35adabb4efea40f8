/**
 * The feed of an event owned by another instance: the owner's updates as they come over the event's
 * channel, checked for order (one epoch at a time, each offset one more than the last), and snapshots asked
 * of the owner when a spectator here needs one. The latest updates are kept, so that a snapshot a little
 * older than now (shared by every spectator who subscribes meanwhile) plus the updates after it is as good as
 * a fresh one. Anything that breaks the order (a lost message, another owner, Redis back after an outage)
 * makes everyone here start again from a new snapshot.
 */
import type { FieldDump } from '../../room/picture';
import type { Delta, SnapshotMessage } from '../../room/state';
import type { Feed } from '../ports';

/** Updates kept: about ten seconds at the default tick. */
const KEPT = 64;

export type TickVerdict = 'publish' | 'resync' | 'ignore';

export class Relay implements Feed {
  epoch = '';
  /** The owner's lease epoch: updates of an older owner (one that lost the event) are ignored. */
  lease = 0;
  /** Offset of the latest update; -1 before any. */
  seq = -1;
  private log: Delta[] = [];
  private whole: SnapshotMessage | null = null;
  private readonly fetching = new Map<string, Promise<SnapshotMessage | null>>();
  private fieldFetch: Promise<FieldDump | null> | null = null;
  lastHeard = Date.now();

  constructor(
    readonly event: string,
    /** Ask the owner for the picture (null when it cannot be had now). */
    private readonly fetch: (only: string[] | null, allAlerts: boolean) => Promise<SnapshotMessage | null>,
    /** Ask the owner for every runner's latest position (the field of spectators who say what they look at). */
    private readonly fetchField: () => Promise<FieldDump | null>,
    /** Everyone here following the event must start again from a snapshot. */
    private readonly lostTrack: () => void,
  ) {}

  /** An update from the owner: pass it on, start again, or drop it (old or repeated). */
  tick(lease: number, epoch: string, delta: Delta): TickVerdict {
    this.lastHeard = Date.now();
    if (lease < this.lease) return 'ignore';
    if (lease > this.lease || epoch !== this.epoch) {
      this.adopt(lease, epoch, delta);
      this.lostTrack();
      return 'resync';
    }
    if (delta.seq <= this.seq) return 'ignore';
    if (this.seq >= 0 && delta.seq !== this.seq + 1) {
      this.adopt(lease, epoch, delta);
      this.lostTrack();
      return 'resync';
    }
    this.seq = delta.seq;
    this.log.push(delta);
    if (this.log.length > KEPT) this.log.splice(0, this.log.length - KEPT);
    return 'publish';
  }

  private adopt(lease: number, epoch: string, delta: Delta | null): void {
    this.lease = lease;
    this.epoch = epoch;
    this.seq = delta ? delta.seq : -1;
    this.log = delta ? [delta] : [];
    this.whole = null;
  }

  /** Messages may have been lost (Redis was away): forget the order and start again. */
  reset(): void {
    this.epoch = '';
    this.seq = -1;
    this.log = [];
    this.whole = null;
    this.lostTrack();
  }

  snapshot(only: ReadonlySet<string> | null, opts: { allAlerts?: boolean } = {}): SnapshotMessage | null | Promise<SnapshotMessage | null> {
    if (!only && this.whole && this.since(this.whole.seq)) return this.whole;
    const ids = only ? [...only].sort() : null;
    const all = !!opts.allAlerts && only !== null;
    const key = `${all ? '!' : ''}${ids ? ids.join(',') : '*'}`;
    let p = this.fetching.get(key);
    if (!p) {
      p = this.fetch(ids, all)
        .then((snap) => this.took(snap, !only))
        .catch(() => null)
        .finally(() => this.fetching.delete(key));
      this.fetching.set(key, p);
    }
    return p;
  }

  /** A snapshot from the owner: the start of the order when none is known yet, or a sign that updates were lost. */
  private took(snap: SnapshotMessage | null, whole: boolean): SnapshotMessage | null {
    if (!snap) return null;
    if (this.seq < 0) {
      this.epoch = snap.epoch;
      this.seq = snap.seq;
      this.log = [];
    } else if (snap.epoch === this.epoch && snap.seq > this.seq) {
      // Updates arrive before the answer to a later question: a snapshot ahead of them means some went missing.
      this.seq = snap.seq;
      this.log = [];
      this.whole = null;
      this.lostTrack();
    }
    // A snapshot of another epoch (an owner that just lost the event) is not used: fan-out asks again.
    if (whole && snap.epoch === this.epoch) this.whole = snap;
    return snap;
  }

  /** The owner's field, asked once for every spectator here who needs it meanwhile. */
  field(): Promise<FieldDump | null> {
    this.fieldFetch ??= this.fetchField()
      .catch(() => null)
      .finally(() => {
        this.fieldFetch = null;
      });
    return this.fieldFetch;
  }

  since(seq: number): readonly Delta[] | null {
    if (seq === this.seq) return [];
    if (seq > this.seq || this.log.length === 0 || this.log[0]!.seq > seq + 1) return null;
    return this.log.slice(seq + 1 - this.log[0]!.seq);
  }
}
