/**
 * The organiser's side: the event watched live with the organiser token (an EventSession: the same socket
 * policy as spectators), the roster of runners and limits (client/organiser-roster.ts), and the organiser's
 * commands over HTTP. Nothing is read on a timer: the summary is read again when a snapshot arrives and after
 * each command (docs/api.md lists what it holds that the live stream does not).
 */
import type { Wave } from '../lib/course/waves';
import type { Checkpoint } from '../lib/course/checkpoints';
import type { DistanceUnit } from '../lib/course/units';
import type { EventInfo, ShareLink, TimingPointInfo } from '../lib/protocol';
import type { EntryFields } from '../lib/entries/entry';
import { type Answer, call, type CallOptions, type EntryView, type Params, type Quotas, type RouteName, type TimingView, type TrackerView } from './api';
import { EventSession } from './event-session';
import type { WatchState } from './event-watch';
import { emptyRoster, reduceRoster, type Roster, type RosterInput } from './organiser-roster';
import { type ControlState, controlFromRead, reduceControl } from './control-state';
import type { ConsoleSettings, MessageGroup, Verdict } from '../lib/control/schemas';
import type { SocketFactory } from './socket-like';
import { Listeners, type Store } from './store';

export interface OrganiserState {
  watch: WatchState;
  roster: Roster;
  /** Race control's thresholds, marks and messages; null until first read. */
  control: ControlState | null;
}

export interface OrganiserSessionOptions {
  url: string;
  event: string;
  token: string;
  createSocket?: SocketFactory;
  schedule?: (flush: () => void) => void;
  /** Where the HTTP API is, when not this page's origin. */
  origin?: string;
}

export type RaceSettings = { startsAt: number | null } | { startNow: true } | { unit: DistanceUnit } | { waves?: Wave[]; order?: 'chip' | 'gun' } | { embedSites: string[] };

export class OrganiserSession implements Store<OrganiserState> {
  private readonly live: EventSession;
  private readonly listeners = new Listeners();
  private roster: Roster = emptyRoster;
  private control: ControlState | null = null;
  private controlReads = 0;
  private state: OrganiserState;
  /** Summary reads answered out of order are dropped: only the latest counts. */
  private reads = 0;
  private closed = false;

  constructor(private readonly opts: OrganiserSessionOptions) {
    this.live = new EventSession({
      url: opts.url,
      event: opts.event,
      access: { organiser: opts.token },
      createSocket: opts.createSocket,
      schedule: opts.schedule,
      onMessage: (msg) => {
        this.reduce({ type: 'server', msg });
        if (msg.type === 'snapshot') void this.readControl();
        const control = reduceControl(this.control, msg);
        if (control !== this.control) {
          this.control = control;
          this.changed();
        }
      },
    });
    this.state = { watch: this.live.getSnapshot(), roster: this.roster, control: this.control };
    this.live.subscribe(() => this.changed());
  }

  readonly subscribe = (listener: () => void): (() => void) => this.listeners.add(listener);

  readonly getSnapshot = (): OrganiserState => {
    const watch = this.live.getSnapshot();
    if (watch !== this.state.watch || this.roster !== this.state.roster || this.control !== this.state.control) {
      this.state = { watch, roster: this.roster, control: this.control };
    }
    return this.state;
  };

  close(): void {
    this.closed = true;
    this.live.close();
  }

  // ---------- commands ----------

  finish(): Promise<{ event: EventInfo }> {
    return this.command('finish', {});
  }

  /** Protect the event with this code, or lift protection (null). */
  setViewCode(code: string | null): Promise<unknown> {
    return this.command('setViewCode', {}, { body: { code } });
  }

  /** Protect the event with a code the server picks; answers the code (shown once). */
  async pickViewCode(): Promise<string> {
    return (await this.command('setViewCode', {}, { body: { generate: true } })).code ?? '';
  }

  setQuotas(quotas: Partial<Quotas>): Promise<unknown> {
    return this.command('setQuotas', {}, { body: quotas });
  }

  setBib(runnerId: string, bib: string | null): Promise<unknown> {
    return this.command('setBib', { runner: runnerId }, { body: { bib } });
  }

  removeRunner(runnerId: string): Promise<unknown> {
    return this.command('removeRunner', { runner: runnerId });
  }

  /** Close an SOS for everyone; this page stops showing it at once. */
  async acknowledge(alertId: string): Promise<void> {
    const { alert } = await this.command('acknowledgeAlert', { alert: alertId });
    this.live.receive({ type: 'alert', event: this.opts.event, alert });
  }

  async links(): Promise<ShareLink[]> {
    return (await call('links', { id: this.opts.event }, this.auth())).links;
  }

  createLink(body: { label: string; runners: string[] | null; expiresAt: number | null }): Promise<unknown> {
    return this.command('createLink', {}, { body });
  }

  revokeLink(linkId: string): Promise<unknown> {
    return this.command('revokeLink', { link: linkId });
  }

  /** Upload a course file (GPX, KML or GeoJSON); answers the warnings about it. */
  async setCourse(file: ArrayBuffer): Promise<string[]> {
    return (await this.command('setCourse', {}, { raw: file })).warnings;
  }

  courseFromTrack(runnerId: string): Promise<unknown> {
    return this.command('courseFromTrack', {}, { body: { runner: runnerId } });
  }

  setCheckpoints(checkpoints: Checkpoint[]): Promise<unknown> {
    return this.command('setCheckpoints', {}, { body: { checkpoints } });
  }

  setRace(settings: RaceSettings): Promise<unknown> {
    return this.command('setRace', {}, { body: settings });
  }

  // ---------- race control ----------

  /** Read the summary again (the console does now and then: battery readings come with it). */
  refresh(): Promise<void> {
    return this.readSummary();
  }

  setConsoleSettings(settings: Partial<ConsoleSettings>): Promise<unknown> {
    return this.controlCommand('setConsoleSettings', {}, { body: settings });
  }

  /** Acknowledge (the item's identity), assign or note a watchlist item. */
  mark(key: string, mark: { ackedSince?: number | null; assignee?: string | null; note?: string | null; by?: string | null }): Promise<unknown> {
    return this.controlCommand('markWatch', { key }, { body: mark });
  }

  setVerdict(runnerId: string, verdict: { kind: Verdict['kind']; reason?: string | null } | null): Promise<unknown> {
    return this.command('setVerdict', { runner: runnerId }, { body: { verdict } });
  }

  setVerdicts(runnerIds: string[], verdict: { kind: Verdict['kind']; reason?: string | null } | null): Promise<unknown> {
    return this.command('setVerdicts', {}, { body: { runners: runnerIds, verdict } });
  }

  sendMessage(text: string, audience: { to: string | null; group: MessageGroup | null }): Promise<unknown> {
    return this.controlCommand('sendMessage', {}, { body: { text, ...audience } });
  }

  private async controlCommand<N extends RouteName>(name: N, params: Omit<Params<N>, 'id'>, opts = {} as CallOptions<N>): Promise<Answer<N>> {
    const answer = await call(name, { ...params, id: this.opts.event } as Params<N>, { ...opts, ...this.auth() });
    await this.readControl();
    return answer;
  }

  private async readControl(): Promise<void> {
    const read = ++this.controlReads;
    try {
      const control = await call('control', { id: this.opts.event }, this.auth());
      if (read !== this.controlReads || this.closed) return;
      this.control = controlFromRead(control);
      this.changed();
    } catch {
      // Read again with the next snapshot or change.
    }
  }

  // ---------- the start list, timing points and satellite trackers ----------

  async entries(): Promise<EntryView[]> {
    return (await call('entries', { id: this.opts.event }, this.auth())).entries;
  }

  /** Save start-list entries (checked on the server again; ApiError `rows` say which to fix). */
  async importEntries(entries: EntryFields[]): Promise<{ created: number; updated: number }> {
    const out = await this.command('importEntries', {}, { raw: JSON.stringify({ entries }), rawType: 'application/json' });
    return { created: out.created ?? 0, updated: out.updated ?? 0 };
  }

  editEntry(runnerId: string, fields: EntryFields): Promise<unknown> {
    return this.command('editEntry', { runner: runnerId }, { body: fields });
  }

  async newClaimCode(runnerId: string): Promise<string> {
    return (await this.command('newClaimCode', { runner: runnerId })).claimCode;
  }

  timing(): Promise<TimingView> {
    return call('timing', { id: this.opts.event }, this.auth());
  }

  /** A new timing point; it is answered with its key (shown once). */
  addTimingPoint(point: { name: string; at: number; timeZone: string }): Promise<{ point: TimingPointInfo; key: string }> {
    return this.command('addTimingPoint', {}, { body: point });
  }

  updateTimingPoint(pointId: string, changes: { name?: string; at?: number; timeZone?: string }): Promise<unknown> {
    return this.command('updateTimingPoint', { point: pointId }, { body: changes });
  }

  async timingKey(pointId: string): Promise<string> {
    return (await this.command('timingKey', { point: pointId })).key;
  }

  removeTimingPoint(pointId: string): Promise<unknown> {
    return this.command('removeTimingPoint', { point: pointId });
  }

  async trackers(): Promise<TrackerView[]> {
    return (await call('trackers', { id: this.opts.event }, this.auth())).trackers;
  }

  addTracker(body: { runner: string; kind: 'inreach' | 'spot'; feed: string; password: string | null }): Promise<unknown> {
    return this.command('addTracker', {}, { body });
  }

  removeTracker(trackerId: string): Promise<unknown> {
    return this.command('removeTracker', { tracker: trackerId });
  }

  private auth(): { token: string; origin?: string } {
    return { token: this.opts.token, origin: this.opts.origin };
  }

  /**
   * A route of this event with the organiser token; then what only the summary says is read again, so the
   * page shows the change when the command resolves.
   */
  private async command<N extends RouteName>(name: N, params: Omit<Params<N>, 'id'>, opts = {} as CallOptions<N>): Promise<Answer<N>> {
    const answer = await call(name, { ...params, id: this.opts.event } as Params<N>, { ...opts, ...this.auth() });
    await this.readSummary();
    return answer;
  }

  private async readSummary(): Promise<void> {
    const read = ++this.reads;
    try {
      const summary = await call('eventSummary', { id: this.opts.event }, this.auth());
      if (read === this.reads && !this.closed) this.reduce({ type: 'summary', summary });
    } catch {
      // Read again with the next snapshot or command.
    }
  }

  private reduce(input: RosterInput): void {
    const { roster, read } = reduceRoster(this.roster, input);
    if (read) void this.readSummary();
    if (roster === this.roster) return;
    this.roster = roster;
    this.changed();
  }

  private changed(): void {
    this.listeners.notify();
  }
}
