/**
 * What the HTTP API reads of an event's live state, as data: answered by whichever instance has the room.
 * QUERIES maps each question to its answer.
 */
import type { ConsoleSettings, RunnerMessage, SentMessage, WatchMark } from '../../lib/control/schemas';
import type { CompactCourse } from '../../lib/course/compact';
import type { DistanceUnit } from '../../lib/course/units';
import type { AppRefusal, EventInfo, HappinessSample, RunnerInfo, ShareLink } from '../../lib/protocol';
import type { EntryFields } from '../../lib/entries/entry';
import type { EventQuotas } from '../storage/store';
import { checkEntries, type EntryProblem, type EntryView, entryViews } from './entries';
import { type FinishLine, finishLine, type Results, results } from './results';
import { pointPassings, type PointPassings, positions, type PositionsGeoJson, type StandingRow, standings } from './race-feed';
import { pointFor, timingView, type TimingView } from './timing';
import { type TrackerView, trackerViews } from './trackers';
import { verifyOrganiser } from './organiser';
import { type FieldDump, fieldDump, type RunnerSummary, snapshot, summaries, summary } from './picture';
import { type FollowedRunner, followed } from './followed';
import { type ListPage, listPage, type ListQuery } from './list';
import { raceDetail } from './race';
import type { RunnerRaceDetail } from './race-course';
import { verifyRunner } from './runners';
import { listLinks } from './share-links';
import type { Room, SnapshotMessage } from './state';
import { deviceKeyState } from './tracking-apps';

export type RoomQuery =
  /** Race control's thresholds, marks and messages with who saw them (organiser). */
  | { ask: 'control' }
  /** The messages for one runner, with when their page showed each (null: not yet). */
  | { ask: 'runnerMessages'; runnerId: string }
  | { ask: 'summaries'; all: boolean; only: string[] | null }
  | { ask: 'runner'; runnerId: string }
  | { ask: 'snapshot'; only: string[] | null }
  /** Every visible runner's latest position (the field of spectators who say what they look at). */
  | { ask: 'field' }
  /** These runners' infos, those visible to spectators (in the order asked; unknown ones left out). */
  | { ask: 'infos'; ids: string[] }
  /** A window of the runner list, sorted or searched. */
  | ({ ask: 'list' } & ListQuery)
  /** What a follower on a slow connection needs of these runners (the light page). */
  | { ask: 'followed'; ids: string[] }
  | { ask: 'happiness' }
  | { ask: 'quotas' }
  | { ask: 'links' }
  /** What a kept copy of the event's export is keyed by. */
  | { ask: 'version' }
  /** Whether the runner has a tracking-app key, and how many of its app's fixes were refused; null for no such runner. */
  | { ask: 'deviceKey'; runnerId: string }
  /** Whether `token` is the runner's own (or, with `organiser`, the event's organiser token). */
  | { ask: 'token'; runnerId: string; token: string; organiser: boolean }
  /** The course line as stored, with the event's checkpoints; null without one. */
  | { ask: 'course' }
  /** One runner's splits and predictions; `detail` is null without a course, such a runner or a fix of theirs. */
  | { ask: 'raceDetail'; runnerId: string; unit: DistanceUnit }
  /** The start list with claim codes (organiser). */
  | { ask: 'entries' }
  /** What would stop these entries being saved (the import's preview). */
  | { ask: 'checkEntries'; entries: EntryFields[] }
  /** Timing points with their decoders' activity, and unknown chips (organiser). */
  | { ask: 'timing' }
  /** The time zone a point's decoder lines are read in; null for no such point or another key. */
  | { ask: 'pointZone'; pointId: string; keyHash: string }
  | { ask: 'trackers' }
  /** The open race feed: `only` limits it to a share link's runners. */
  | { ask: 'standings'; only: string[] | null }
  | { ask: 'pointPassings'; only: string[] | null; pointId: string | null }
  | { ask: 'positions'; only: string[] | null }
  /** Results with places in category, gun and chip time and every split. */
  | { ask: 'results'; only: string[] | null }
  /** The announcer's view: who arrives next, who just finished. */
  | { ask: 'finishLine'; only: string[] | null };

export interface QueryAnswers {
  control: ControlView;
  runnerMessages: Array<RunnerMessage & { seenAt: number | null }>;
  summaries: { info: EventInfo; runners: RunnerSummary[]; quotas: EventQuotas; runnerCount: number };
  runner: { info: EventInfo; epoch: string; summary: RunnerSummary | null };
  snapshot: SnapshotMessage;
  field: FieldDump;
  infos: RunnerInfo[];
  list: ListPage & { info: EventInfo };
  followed: { info: EventInfo; now: number; runners: FollowedRunner[] };
  happiness: HappinessSample[];
  quotas: EventQuotas;
  links: ShareLink[];
  version: { info: EventInfo; version: string };
  deviceKey: { issued: boolean; refused: Partial<Record<AppRefusal, number>> } | null;
  token: boolean;
  course: { info: EventInfo; course: CompactCourse } | null;
  raceDetail: { info: EventInfo; detail: RunnerRaceDetail | null };
  entries: EntryView[];
  checkEntries: EntryProblem[];
  timing: TimingView;
  pointZone: string | null;
  trackers: TrackerView[];
  standings: { info: EventInfo; version: string; rows: StandingRow[] };
  pointPassings: { info: EventInfo; version: string; points: PointPassings[] };
  positions: { info: EventInfo; version: string; geojson: PositionsGeoJson };
  results: { info: EventInfo } & Results;
  finishLine: { info: EventInfo } & FinishLine;
}

export interface ControlView {
  settings: ConsoleSettings;
  marks: WatchMark[];
  messages: SentMessage[];
}

export type QueryName = RoomQuery['ask'];
export type AnswerOf<Q extends RoomQuery> = QueryAnswers[Q['ask']];
type QueryOf<K extends QueryName> = Extract<RoomQuery, { ask: K }>;

const ids = (list: string[] | null) => (list ? new Set(list) : null);

export const QUERIES: { readonly [K in QueryName]: (room: Room, q: QueryOf<K>) => QueryAnswers[K] } = {
  control: (room) => ({ settings: room.control.settings, marks: [...room.control.marks.values()], messages: [...room.control.messages.values()] }),
  runnerMessages: (room, q) =>
    room.control
      .messagesFor({ id: q.runnerId, entry: room.runners.get(q.runnerId)?.record.entry ?? null })
      .map(({ seen, ...m }) => ({ ...m, seenAt: seen[q.runnerId] ?? null })),
  summaries: (room, q) => ({ info: room.info, runners: summaries(room, q.all, ids(q.only)), quotas: room.quotas, runnerCount: room.runners.size }),
  runner: (room, q) => ({ info: room.info, epoch: room.epoch, summary: summary(room, q.runnerId) }),
  snapshot: (room, q) => snapshot(room, ids(q.only)),
  field: (room) => fieldDump(room),
  list: (room, q) => ({ info: room.info, ...listPage(room, q) }),
  followed: (room, q) => ({ info: room.info, now: room.now(), runners: followed(room, q.ids) }),
  infos: (room, q) => q.ids.flatMap((id) => {
    const r = room.runners.get(id);
    return r?.visible ? [r.info()] : [];
  }),
  happiness: (room) => room.happiness,
  quotas: (room) => room.quotas,
  links: (room) => listLinks(room),
  version: (room) => ({ info: room.info, version: room.version }),
  deviceKey: (room, q) => deviceKeyState(room, q.runnerId),
  token: (room, q) => (q.organiser && verifyOrganiser(room, q.token)) || verifyRunner(room, q.runnerId, q.token),
  course: (room) => (room.course ? { info: room.info, course: room.course.compact() } : null),
  raceDetail: (room, q) => ({ info: room.info, detail: raceDetail(room, q.runnerId, q.unit) }),
  entries: (room) => entryViews(room),
  checkEntries: (room, q) => checkEntries(room, q.entries),
  timing: (room) => timingView(room),
  pointZone: (room, q) => pointFor(room, q.pointId, q.keyHash)?.timeZone ?? null,
  trackers: (room) => trackerViews(room),
  standings: (room, q) => ({ info: room.info, version: room.version, rows: standings(room, ids(q.only)) }),
  pointPassings: (room, q) => ({ info: room.info, version: room.version, points: pointPassings(room, ids(q.only), q.pointId) }),
  positions: (room, q) => ({ info: room.info, version: room.version, geojson: positions(room, ids(q.only)) }),
  results: (room, q) => ({ info: room.info, ...results(room, ids(q.only)) }),
  finishLine: (room, q) => ({ info: room.info, ...finishLine(room, ids(q.only)) }),
};

export function answer<Q extends RoomQuery>(room: Room, q: Q): AnswerOf<Q> {
  // The table is keyed by `ask`, so the entry found takes exactly this query.
  const read = QUERIES[q.ask] as unknown as (room: Room, q: Q) => AnswerOf<Q>;
  return read(room, q);
}
