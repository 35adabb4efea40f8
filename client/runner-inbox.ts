/**
 * The organiser's messages on the runner's page: read over HTTP each time the phone is (re)joined, so one
 * that was offline gets what it missed, and added live as `message` frames arrive. Each message the page
 * shows is reported seen once, so the console knows who has read it.
 */
import type { RunnerMessage } from '../lib/control/schemas';
import type { ServerMessage } from '../lib/protocol';
import { call } from './api';
import { Listeners, type Store } from './store';

export interface InboxMessage extends RunnerMessage {
  seenAt: number | null;
}

export interface InboxState {
  /** Oldest first. */
  messages: readonly InboxMessage[];
  /** The newest message not shown yet as a toast; null when there is none. */
  fresh: InboxMessage | null;
}

export class RunnerInbox implements Store<InboxState> {
  private readonly listeners = new Listeners();
  private state: InboxState = { messages: [], fresh: null };
  private identity: { runnerId: string; token: string } | null = null;
  private reads = 0;

  constructor(private readonly event: string) {}

  readonly subscribe = (listener: () => void) => this.listeners.add(listener);
  readonly getSnapshot = () => this.state;

  /** What the runner's session heard: a join (read what was missed) or a message. */
  receive(msg: ServerMessage, identity: { runnerId: string; token: string } | null): void {
    this.identity = identity;
    if (msg.type === 'joined') void this.read();
    else if (msg.type === 'message') this.add([{ ...msg.message, seenAt: null }]);
  }

  /** The page showed the fresh message: it is seen, and told so. */
  shown(id: string): void {
    const m = this.state.messages.find((x) => x.id === id);
    this.set({ ...this.state, fresh: this.state.fresh?.id === id ? null : this.state.fresh });
    if (!m || m.seenAt !== null || !this.identity) return;
    const { runnerId, token } = this.identity;
    call('messageSeen', { id: this.event, runner: runnerId, message: id }, { token }).then(
      ({ seenAt }) => this.set({ ...this.state, messages: this.state.messages.map((x) => (x.id === id ? { ...x, seenAt } : x)) }),
      () => {
        // Told again the next time the page reads its messages and shows it.
      },
    );
  }

  private async read(): Promise<void> {
    const identity = this.identity;
    if (!identity) return;
    const read = ++this.reads;
    try {
      const { messages } = await call('runnerMessages', { id: this.event, runner: identity.runnerId }, { token: identity.token });
      if (read === this.reads) this.add(messages);
    } catch {
      // Read again at the next join.
    }
  }

  private add(incoming: readonly InboxMessage[]): void {
    const known = new Map(this.state.messages.map((m) => [m.id, m]));
    let fresh = this.state.fresh;
    for (const m of incoming) {
      const had = known.get(m.id);
      known.set(m.id, had ? { ...m, seenAt: had.seenAt ?? m.seenAt } : m);
      if (!had && m.seenAt === null) fresh = m;
    }
    const messages = [...known.values()].sort((a, b) => a.sentAt - b.sentAt);
    this.set({ messages, fresh });
  }

  private set(state: InboxState): void {
    this.state = state;
    this.listeners.notify();
  }
}
