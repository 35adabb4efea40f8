/**
 * Every change to an event as data: what the live layer runs, here or on the instance that owns the event
 * (commands travel over the backplane as JSON). COMMANDS maps each one to its rule; each rule's answer, for
 * a caller that waits, is named in CommandResults.
 */
import type { Checkpoint } from '../../lib/course/checkpoints';
import { type CompactCourse, decodeCourse } from '../../lib/course/compact';
import type { EntryFields, JoinDetails } from '../../lib/entries/entry';
import type { DecoderPassing } from '../../lib/timing/decoder-line';
import type { Alert, EventInfo, PositionMessage, RaceInfo, ShareLink, TimingPointInfo } from '../../lib/protocol';
import type { AvatarRecord, EventQuotas, TrackerKind } from '../storage/store';
import type { ConsoleSettings, MessageGroup, SentMessage, Verdict, WatchMark } from '../../lib/control/schemas';
import { acknowledgeAlert } from './alerts';
import { type MarkInput, markWatch, setConsoleSettings } from './console';
import { messageSeen, sendMessage } from './messages';
import { setVerdicts, type VerdictInput } from './verdicts';
import { cheer } from './cheers';
import type { Effects } from './effects';
import { claimEntry, editEntry, type ImportOutcome, importEntries, newClaimCode } from './entries';
import { position, refusePosition } from './fixes';
import { finish, setQuotas, setViewCode } from './organiser';
import { type RaceSettingsChange, setBib, setCheckpoints, setCourse, setRaceSettings } from './race';
import { join, mood, removeRunner, resume, stop } from './runners';
import { createLink, revokeLink } from './share-links';
import type { Room } from './state';
import { addTimingPoint, decoderHeard, newTimingKey, type PassingOutcome, removeTimingPoint, takePassings, type TimingPointInput, updateTimingPoint } from './timing';
import { addTracker, removeTracker, type TrackerView } from './trackers';
import {
  type AppReport,
  type FeedPoll,
  feedReport,
  heartbeat,
  type IngestOutcome,
  ingest,
  issueDeviceKey,
  revokeDeviceKey,
  setAvatar,
} from './tracking-apps';

export type RoomCommand =
  /** With a bib on the start list, `claim` (the entry's claim code) makes the phone that entry's runner. */
  | { do: 'join'; name: string; color: string; bib: string | null; claim?: string; details?: JoinDetails }
  | { do: 'resume'; runnerId: string; token: string; name?: string; color?: string }
  | { do: 'position'; runnerId: string; msg: PositionMessage }
  | { do: 'refusePosition'; runnerId: string; seq?: number; message: string }
  | { do: 'mood'; runnerId: string; value: number }
  | { do: 'stop'; runnerId: string }
  /** `seen`: the runners the sender may cheer (a share link's), null for all. */
  | { do: 'cheer'; runnerId: string; text: string; from?: string; seen: string[] | null }
  /** What a tracking app sent in one request. */
  | { do: 'ingest'; runnerId: string; keyHash: string; report: AppReport }
  | { do: 'heartbeat'; runnerId: string; keyHash: string }
  | { do: 'finish' }
  | { do: 'setViewCode'; hash: string | null }
  | { do: 'setQuotas'; quotas: Partial<EventQuotas> }
  | { do: 'createLink'; label: string; runners: string[] | null; expiresAt: number | null }
  | { do: 'revokeLink'; linkId: string }
  | { do: 'removeRunner'; runnerId: string }
  | { do: 'issueDeviceKey'; runnerId: string }
  | { do: 'revokeDeviceKey'; runnerId: string }
  | { do: 'setAvatar'; runnerId: string; keyHash: string; avatar: Omit<AvatarRecord, 'updatedAt'> }
  | { do: 'acknowledgeAlert'; alertId: string }
  /** A course checked by the caller (null removes it), in its compact form so that it travels as JSON. */
  | { do: 'setCourse'; course: CompactCourse | null }
  | { do: 'setCheckpoints'; checkpoints: Checkpoint[] }
  | { do: 'setRaceSettings' } & RaceSettingsChange
  | { do: 'setBib'; runnerId: string; bib: string | null }
  | { do: 'importEntries'; entries: EntryFields[] }
  | { do: 'editEntry'; runnerId: string; fields: EntryFields }
  | { do: 'newClaimCode'; runnerId: string }
  | { do: 'addTimingPoint'; point: TimingPointInput }
  | { do: 'updateTimingPoint'; pointId: string; changes: Partial<TimingPointInput> }
  | { do: 'newTimingKey'; pointId: string }
  | { do: 'removeTimingPoint'; pointId: string }
  /** What a timing point's decoder sent, over HTTP or TCP; `keyHash` is its key's. */
  | { do: 'passings'; pointId: string; keyHash: string; passings: DecoderPassing[]; malformed: number }
  | { do: 'decoderHeard'; pointId: string; keyHash: string }
  | { do: 'addTracker'; runnerId: string; kind: TrackerKind; feed: string; password: string | null }
  | { do: 'removeTracker'; trackerId: string }
  | { do: 'feedReport'; trackerId: string; poll: FeedPoll }
  /** DNF, DSQ or DNS for these runners (null takes it back); `by` the runner only for their own DNF. */
  | { do: 'setVerdicts'; runnerIds: string[]; verdict: VerdictInput | null; by: 'runner' | 'organiser' }
  | { do: 'markWatch'; key: string; mark: MarkInput; by: string | null }
  | { do: 'setConsoleSettings'; settings: Partial<ConsoleSettings> }
  /** `to`: one runner's id, or null for every runner. */
  | { do: 'sendMessage'; text: string; to: string | null; group: MessageGroup | null }
  | { do: 'messageSeen'; runnerId: string; messageId: string };

/** What a caller that waits hears back from each command. */
export interface CommandResults {
  join: { runnerId: string };
  resume: void;
  position: void;
  refusePosition: void;
  mood: void;
  stop: void;
  cheer: void;
  ingest: IngestOutcome;
  heartbeat: 'heard';
  finish: EventInfo;
  setViewCode: EventInfo;
  setQuotas: EventQuotas;
  createLink: ShareLink;
  revokeLink: ShareLink | null;
  removeRunner: boolean;
  issueDeviceKey: string | null;
  revokeDeviceKey: boolean;
  setAvatar: number;
  acknowledgeAlert: Alert | null;
  setCourse: RaceInfo;
  setCheckpoints: RaceInfo;
  setRaceSettings: RaceInfo;
  setBib: boolean;
  importEntries: ImportOutcome;
  editEntry: ImportOutcome | null;
  newClaimCode: string | null;
  addTimingPoint: { point: TimingPointInfo; key: string };
  updateTimingPoint: TimingPointInfo | null;
  newTimingKey: string | null;
  removeTimingPoint: boolean;
  passings: PassingOutcome;
  decoderHeard: 'heard';
  addTracker: TrackerView | null;
  removeTracker: boolean;
  feedReport: IngestOutcome | null;
  setVerdicts: Verdict[];
  markWatch: WatchMark;
  setConsoleSettings: ConsoleSettings;
  sendMessage: SentMessage;
  messageSeen: number;
}

export type CommandName = RoomCommand['do'];
export type ResultOf<C extends RoomCommand> = CommandResults[C['do']];
type CommandOf<K extends CommandName> = Extract<RoomCommand, { do: K }>;

export const COMMANDS: { readonly [K in CommandName]: (room: Room, c: CommandOf<K>) => Effects<CommandResults[K]> } = {
  join: (room, c) => {
    // A bib is one runner's: joining with a taken one claims it (a start-list entry, with its code) or is refused.
    const holder = c.bib ? room.runnerByBib(c.bib) : undefined;
    return holder ? claimEntry(room, holder, c.claim, c.color) : join(room, c.name, c.color, c.bib, c.details ?? null);
  },
  resume: (room, c) => resume(room, c.runnerId, c.token, c.name, c.color),
  position: (room, c) => position(room, c.runnerId, c.msg),
  refusePosition: (room, c) => refusePosition(room, c.runnerId, c.seq, c.message),
  mood: (room, c) => mood(room, c.runnerId, c.value),
  stop: (room, c) => stop(room, c.runnerId),
  cheer: (room, c) => cheer(room, c.runnerId, c.text, c.from, c.seen ? new Set(c.seen) : null),
  ingest: (room, c) => ingest(room, c.runnerId, c.keyHash, c.report),
  heartbeat: (room, c) => heartbeat(room, c.runnerId, c.keyHash),
  finish: (room) => finish(room),
  setViewCode: (room, c) => setViewCode(room, c.hash),
  setQuotas: (room, c) => setQuotas(room, c.quotas),
  createLink: (room, c) => createLink(room, { label: c.label, runners: c.runners, expiresAt: c.expiresAt }),
  revokeLink: (room, c) => revokeLink(room, c.linkId),
  removeRunner: (room, c) => removeRunner(room, c.runnerId),
  issueDeviceKey: (room, c) => issueDeviceKey(room, c.runnerId),
  revokeDeviceKey: (room, c) => revokeDeviceKey(room, c.runnerId),
  setAvatar: (room, c) => setAvatar(room, c.runnerId, c.keyHash, c.avatar),
  acknowledgeAlert: (room, c) => acknowledgeAlert(room, c.alertId),
  setCourse: (room, c) => setCourse(room, c.course ? decodeCourse(c.course) : null),
  setCheckpoints: (room, c) => setCheckpoints(room, c.checkpoints),
  setRaceSettings: (room, { do: _, ...changes }) => setRaceSettings(room, changes),
  setBib: (room, c) => setBib(room, c.runnerId, c.bib),
  importEntries: (room, c) => importEntries(room, c.entries),
  editEntry: (room, c) => editEntry(room, c.runnerId, c.fields),
  newClaimCode: (room, c) => newClaimCode(room, c.runnerId),
  addTimingPoint: (room, c) => addTimingPoint(room, c.point),
  updateTimingPoint: (room, c) => updateTimingPoint(room, c.pointId, c.changes),
  newTimingKey: (room, c) => newTimingKey(room, c.pointId),
  removeTimingPoint: (room, c) => removeTimingPoint(room, c.pointId),
  passings: (room, c) => takePassings(room, c.pointId, c.keyHash, { passings: c.passings, malformed: c.malformed }),
  decoderHeard: (room, c) => decoderHeard(room, c.pointId, c.keyHash),
  addTracker: (room, c) => addTracker(room, c.runnerId, c.kind, c.feed, c.password),
  removeTracker: (room, c) => removeTracker(room, c.trackerId),
  feedReport: (room, c) => feedReport(room, c.trackerId, c.poll),
  setVerdicts: (room, c) => setVerdicts(room, c.runnerIds, c.verdict, c.by),
  markWatch: (room, c) => markWatch(room, c.key, c.mark, c.by),
  setConsoleSettings: (room, c) => setConsoleSettings(room, c.settings),
  sendMessage: (room, c) => sendMessage(room, c.text, c.to, c.group),
  messageSeen: (room, c) => messageSeen(room, c.runnerId, c.messageId),
};

/** Run one command's rule on a room: its Effects, for the live layer to carry out. */
export function execute<C extends RoomCommand>(room: Room, c: C): Effects<ResultOf<C>> {
  // The table is keyed by `do`, so the entry found takes exactly this command.
  const rule = COMMANDS[c.do] as unknown as (room: Room, c: C) => Effects<ResultOf<C>>;
  return rule(room, c);
}
