/**
 * Every change to an event as data: what `Live.run` takes, so that a command can run where the event's room
 * is (on another instance, over the backplane) as well as here. Each one is one call on the room; the
 * answers callers wait for are named per command.
 */
import type { Checkpoint } from '../../lib/course/checkpoints';
import { type CompactCourse, decodeCourse } from '../../lib/course/compact';
import type { DistanceUnit } from '../../lib/course/units';
import type { Alert, AppRefusal, EventInfo, HappinessSample, PositionMessage, RaceInfo, ShareLink } from '../../lib/protocol';
import type { Effects } from '../domain/effects';
import type { AppReport, EventRoom, IngestOutcome, RunnerSummary, SnapshotMessage } from '../domain/event-room';
import type { RunnerRaceDetail } from '../domain/race-course';
import type { AvatarRecord, EventQuotas } from '../storage/store';

export type RoomCommand =
  | { do: 'join'; name: string; color: string; bib: string | null }
  | { do: 'resume'; runnerId: string; token: string; name?: string; color?: string }
  | { do: 'position'; runnerId: string; msg: PositionMessage }
  | { do: 'refusePosition'; runnerId: string; seq?: number; message: string }
  | { do: 'mood'; runnerId: string; value: number }
  | { do: 'stop'; runnerId: string }
  /** `seen`: the runners the sender may cheer (a share link's), null for all. */
  | { do: 'cheer'; runnerId: string; text: string; from?: string; seen: string[] | null }
  /** What a tracking app sent in one request; a heartbeat when it carried nothing. */
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
  | { do: 'setRaceSettings'; startsAt?: number | null; unit?: DistanceUnit }
  | { do: 'setBib'; runnerId: string; bib: string | null };

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
}

export type ResultOf<C extends RoomCommand> = CommandResults[C['do']];

export function execute(room: EventRoom, c: RoomCommand): Effects<unknown> {
  switch (c.do) {
    case 'join':
      return room.join(c.name, c.color, c.bib);
    case 'resume':
      return room.resume(c.runnerId, c.token, c.name, c.color);
    case 'position':
      return room.position(c.runnerId, c.msg);
    case 'refusePosition':
      return room.refusePosition(c.runnerId, c.seq, c.message);
    case 'mood':
      return room.mood(c.runnerId, c.value);
    case 'stop':
      return room.stop(c.runnerId);
    case 'cheer':
      return room.cheer(c.runnerId, c.text, c.from, c.seen ? new Set(c.seen) : null);
    case 'ingest':
      return room.ingest(c.runnerId, c.keyHash, c.report);
    case 'heartbeat':
      return room.heartbeat(c.runnerId, c.keyHash);
    case 'finish':
      return room.finish();
    case 'setViewCode':
      return room.setViewCode(c.hash);
    case 'setQuotas':
      return room.setQuotas(c.quotas);
    case 'createLink':
      return room.createLink({ label: c.label, runners: c.runners, expiresAt: c.expiresAt });
    case 'revokeLink':
      return room.revokeLink(c.linkId);
    case 'removeRunner':
      return room.removeRunner(c.runnerId);
    case 'issueDeviceKey':
      return room.issueDeviceKey(c.runnerId);
    case 'revokeDeviceKey':
      return room.revokeDeviceKey(c.runnerId);
    case 'setAvatar':
      return room.setAvatar(c.runnerId, c.keyHash, c.avatar);
    case 'acknowledgeAlert':
      return room.acknowledgeAlert(c.alertId);
    case 'setCourse':
      return room.setCourse(c.course ? decodeCourse(c.course) : null);
    case 'setCheckpoints':
      return room.setCheckpoints(c.checkpoints);
    case 'setRaceSettings':
      return room.setRaceSettings({ ...(c.startsAt !== undefined ? { startsAt: c.startsAt } : {}), ...(c.unit ? { unit: c.unit } : {}) });
    case 'setBib':
      return room.setBib(c.runnerId, c.bib);
  }
}

/** What the HTTP API reads of an event's live state, as data too: answered by whichever instance has the room. */
export type RoomQuery =
  | { ask: 'summaries'; all: boolean; only: string[] | null }
  | { ask: 'runner'; runnerId: string }
  | { ask: 'snapshot'; only: string[] | null }
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
  /** One runner's splits and predictions; null without a course or such a runner. */
  | { ask: 'raceDetail'; runnerId: string; unit: DistanceUnit };

export interface QueryAnswers {
  summaries: { info: EventInfo; runners: RunnerSummary[]; quotas: EventQuotas; runnerCount: number };
  runner: { info: EventInfo; epoch: string; summary: RunnerSummary | null };
  snapshot: SnapshotMessage;
  happiness: HappinessSample[];
  quotas: EventQuotas;
  links: ShareLink[];
  version: { info: EventInfo; version: string };
  deviceKey: { issued: boolean; refused: Partial<Record<AppRefusal, number>> } | null;
  token: boolean;
  course: { info: EventInfo; course: CompactCourse } | null;
  raceDetail: { info: EventInfo; detail: RunnerRaceDetail } | null;
}

export type AnswerOf<Q extends RoomQuery> = QueryAnswers[Q['ask']];

export function answer(room: EventRoom, q: RoomQuery): QueryAnswers[RoomQuery['ask']] {
  const only = (ids: string[] | null) => (ids ? new Set(ids) : null);
  switch (q.ask) {
    case 'summaries':
      return { info: room.info, runners: room.summaries(q.all, only(q.only)), quotas: room.quotas, runnerCount: room.runners.size };
    case 'runner':
      return { info: room.info, epoch: room.epoch, summary: room.summary(q.runnerId) };
    case 'snapshot':
      return room.snapshot(only(q.only));
    case 'happiness':
      return room.happiness;
    case 'quotas':
      return room.quotas;
    case 'links':
      return room.listLinks();
    case 'deviceKey': {
      const refused = room.refusedFixes(q.runnerId);
      return refused ? { issued: room.runners.get(q.runnerId)?.record.deviceKeyHash != null, refused } : null;
    }
    case 'version':
      return { info: room.info, version: room.version };
    case 'token':
      return (q.organiser && room.verifyOrganiser(q.token)) || room.verifyRunner(q.runnerId, q.token);
    case 'course':
      return room.course ? { info: room.info, course: room.course.compact() } : null;
    case 'raceDetail': {
      const detail = room.raceDetail(q.runnerId, q.unit);
      return detail ? { info: room.info, detail } : null;
    }
  }
}
