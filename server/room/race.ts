/**
 * The race: the course runners are matched to, its checkpoints, the start time and unit, bibs, and one
 * runner's splits and predictions. A new line starts every runner's race again from their next fix; new
 * checkpoints retime the passings already seen.
 */
import type { Checkpoint } from '../../lib/course/checkpoints';
import type { Course } from '../../lib/course/course';
import { retime } from '../../lib/course/race';
import type { ResultOrder } from '../../lib/course/standings';
import type { DistanceUnit } from '../../lib/course/units';
import type { Wave } from '../../lib/course/waves';
import { ErrorCode, type RaceInfo } from '../../lib/protocol';
import type { EventRecord, WriteOp } from '../storage/store';
import { type Effects, nothing, refuse } from './effects';
import { RaceCourse, type RunnerRaceDetail } from './race-course';
import type { RunnerTrack } from './runner-track';
import type { Room } from './state';

/**
 * A new course (parsed and checked by the caller), or none. Every runner's race starts again from their
 * next fix: timings against another line would mean nothing.
 */
export function setCourse(room: Room, course: Course | null): Effects<RaceInfo> {
  const now = room.now();
  const next = course ? new RaceCourse(course, Math.max(now, (room.course?.version ?? 0) + 1), room.race.startsAt, room.race.waves, room.race.order) : null;
  const race: RaceInfo = { ...room.race, course: next?.info() ?? null };
  return changeRace(room, race, next, [{ op: 'course', event: room.id, course: next?.compact() ?? null, updatedAt: now }]);
}

/** Checkpoints, checked by the caller against the course's length. Passings are worked out again for them. */
export function setCheckpoints(room: Room, checkpoints: Checkpoint[]): Effects<RaceInfo> {
  const current = room.course;
  if (!current) return refuse({ code: ErrorCode.NoCourse, status: 409, message: 'This event has no course yet: upload one first.' }, 'checkpoints');
  const next = current.with({ checkpoints });
  return changeRace(room, { ...room.race, course: next.info() }, next, [], (r) => {
    if (r.race && r.raceVersion === current.version) r.race = retime(current.points, next.points, r.race);
  });
}

export interface RaceSettingsChange {
  startsAt?: number | null;
  unit?: DistanceUnit;
  waves?: Wave[];
  order?: ResultOrder;
  embedSites?: string[];
}

/**
 * The start time (null: none), the event's unit, the waves and their guns, the order of finishers (chip or
 * gun time) and the sites that may frame the embed. A runner whose start was their gun (first seen past the
 * line) starts at their wave's new gun.
 */
export function setRaceSettings(room: Room, changes: RaceSettingsChange): Effects<RaceInfo> {
  const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as RaceSettingsChange;
  const race: RaceInfo = { ...room.race, ...defined };
  const timing = defined.startsAt !== undefined || defined.waves !== undefined || defined.order !== undefined;
  const next = room.course && timing ? room.course.with({ startsAt: defined.startsAt, waves: defined.waves, order: defined.order }) : room.course;
  // After the race its start stays as it was; waves and the order may still be corrected for the results.
  const frozen = room.info.status === 'finished' && defined.startsAt !== undefined;
  return changeRace(room, race, next, [], (r) => {
    const start = r.race?.start;
    if (!next || !start || start.basis !== 'gun') return;
    const gun = next.gunOf(r.record.entry?.wave);
    if (gun !== null && gun !== start.t) r.race = { ...r.race!, start: { ...start, t: gun } };
  }, !frozen);
}

function changeRace(room: Room, race: RaceInfo, next: RaceCourse | null, extra: WriteOp[], each?: (r: RunnerTrack) => void, afterFinish = false): Effects<RaceInfo> {
  if (room.info.status === 'finished' && next !== room.course && !afterFinish) {
    return refuse({ code: ErrorCode.EventFinished, status: 403, message: 'This event has finished; its course and checkpoints stay as they were.' });
  }
  const record: EventRecord = { ...room.eventRecord(), info: { ...room.info, race } };
  return {
    send: [],
    write: [...extra, { op: 'event', record }],
    commit: () => {
      const previous = room.course;
      room.info = record.info;
      room.course = next;
      for (const r of room.runners.values()) {
        if (each) each(r);
        // Same line: keep the race. Another line (or none): start again, from the mats that saw them so far.
        if (next?.version !== previous?.version) {
          r.startRace(next);
          room.matsToRace(r);
        }
        else if (next) r.raceView = undefined;
        r.unsaved = true;
        if (r.visible) room.dirty.add(r.id);
      }
      room.raceMoved = next !== null;
      room.updateStandings(room.now(), true);
      room.snapshotCache = null;
      return { send: [{ to: { event: true }, msg: { type: 'event', event: room.info } }], result: race };
    },
  };
}

/** The race number of a runner (null: none), set or corrected by the organiser. */
export function setBib(room: Room, runnerId: string, bib: string | null): Effects<boolean> {
  const r = room.runners.get(runnerId);
  if (!r) return nothing(false);
  const holder = bib ? room.runnerByBib(bib) : undefined;
  if (holder && holder !== r) {
    return refuse({ code: ErrorCode.BibTaken, status: 409, message: `Bib ${bib} is ${holder.record.name}'s already: choose another, or change theirs first.` });
  }
  const effects = room.patchRunner(r, { bib }, true);
  const commit = effects.commit!;
  return {
    ...effects,
    commit: (a) => {
      const applied = commit(a);
      room.reindex();
      if (r.visible) room.dirty.add(r.id);
      room.raceMoved = room.course !== null;
      room.snapshotCache = null;
      return applied;
    },
  };
}

/**
 * One runner's splits and predictions; null without a course, such a runner, or a fix of theirs. A runner
 * whose race view is not worked out yet (their first fix, a restart, a new course: the order is worked
 * out at most once a second) gets it worked out now, not a "not found".
 */
export function raceDetail(room: Room, runnerId: string, unit: DistanceUnit): RunnerRaceDetail | null {
  const r = room.runners.get(runnerId);
  if (!room.course || !r?.visible) return null;
  if (!r.race || !r.raceView) {
    room.raceMoved = true;
    room.updateStandings(room.now(), true);
  }
  if (!r.race || !r.raceView) return null;
  return room.course.detail(r.raceView, r.race, unit, room.now(), room.matDistances());
}
