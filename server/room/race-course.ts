/**
 * An event's course as a room uses it: the measured line, its index for matching, the timing points, and
 * the per-runner views spectators get (position, gaps, pace, last checkpoint). Pure, on top of lib/course.
 */
import type { Checkpoint } from '../../lib/course/checkpoints';
import { type CompactCourse, decodeCourse, encodeCourse } from '../../lib/course/compact';
import { type Course, withCheckpoints } from '../../lib/course/course';
import { type Forecast, forecast, type Split, splits } from '../../lib/course/forecast';
import { type CourseIndex, indexCourse, type MatchOptions, matchOptions } from '../../lib/course/matcher';
import {
  averageSpeed,
  currentSpeed,
  initialRunnerRace,
  raceStep,
  type RaceStepResult,
  type RunnerRace,
  type TimingPoint,
  timingPoints,
} from '../../lib/course/race';
import { lastMat } from '../../lib/course/mats';
import { type Entrant, raceStandings, type Standing } from '../../lib/course/standings';
import type { CourseInfo, RunnerRaceInfo } from '../../lib/protocol';

export interface RunnerRaceDetail {
  race: RunnerRaceInfo;
  /** Every kilometre or mile passed, in the unit asked for, then the checkpoints. */
  splits: Split[];
  checkpoints: Split[];
  forecast: Forecast;
}

const round = (v: number | null, digits = 0) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

export class RaceCourse {
  readonly course: Course;
  readonly index: CourseIndex;
  readonly points: TimingPoint[];
  private readonly options: MatchOptions;

  constructor(
    course: Course,
    readonly version: number,
    readonly startsAt: number | null,
  ) {
    this.course = course;
    this.index = indexCourse(course);
    this.points = timingPoints(course);
    this.options = matchOptions({ startTime: startsAt });
  }

  static fromStored(compact: CompactCourse, info: CourseInfo, startsAt: number | null): RaceCourse {
    return new RaceCourse(withCheckpoints(decodeCourse(compact), info.checkpoints), info.version, startsAt);
  }

  /** The same line with other checkpoints or another start time. */
  with(changes: { checkpoints?: readonly Checkpoint[]; startsAt?: number | null }): RaceCourse {
    const course = changes.checkpoints ? withCheckpoints(this.course, changes.checkpoints) : this.course;
    return new RaceCourse(course, this.version, changes.startsAt === undefined ? this.startsAt : changes.startsAt);
  }

  compact(): CompactCourse {
    return encodeCourse(this.course);
  }

  info(): CourseInfo {
    return {
      version: this.version,
      name: this.course.name,
      length: Math.round(this.course.length * 10) / 10,
      checkpoints: this.course.checkpoints.map(({ name, at }) => ({ name, at })),
      elevation: this.course.elevations !== null,
    };
  }

  fresh(): RunnerRace {
    return initialRunnerRace();
  }

  step(race: RunnerRace, fix: { lat: number; lon: number; t: number; acc: number }): RaceStepResult {
    return raceStep(this.index, this.points, race, { lat: fix.lat, lon: fix.lon, t: fix.t, accuracy: fix.acc }, this.options);
  }

  standings(entrants: readonly Entrant[]): Standing[] {
    return raceStandings(this.course, this.points, entrants);
  }

  /**
   * What spectators see of one runner, rounded so that a view changes only when a reader would notice.
   * `predicted` carries a runner the mats saw only once on between mats.
   */
  view(standing: Standing, race: RunnerRace, predicted: number | null = null): RunnerRaceInfo {
    let cp: RunnerRaceInfo['cp'] = null;
    for (let i = race.passings.length - 1; i >= 0; i--) {
      const point = this.points[i]!;
      const t = race.passings[i];
      if ((point.kind === 'checkpoint' || point.kind === 'finish') && t !== null && t !== undefined) {
        cp = { name: point.label, t: Math.round(t) };
        break;
      }
    }
    const mat = lastMat(race);
    return {
      ...(mat ? { mat: { at: round(mat.at)!, t: mat.t, speed: round(mat.speed ?? predicted, 2) } } : {}),
      pos: standing.position,
      state: standing.status,
      at: round(standing.progress),
      off: standing.offCourse,
      start: race.start ? Math.round(race.start.t) : null,
      finish: round(standing.finishSeconds),
      gap: round(standing.gapToLeader?.seconds ?? null),
      ahead: round(standing.gapToAhead?.seconds ?? null),
      aheadM: round(standing.gapToAhead?.metres ?? null),
      speed: round(currentSpeed(race), 2),
      avg: round(averageSpeed(this.course, race), 2),
      cp,
    };
  }

  detail(view: RunnerRaceInfo, race: RunnerRace, unit: 'km' | 'mi'): RunnerRaceDetail {
    return {
      race: view,
      splits: splits(this.points, race, unit),
      checkpoints: splits(this.points, race, 'checkpoint'),
      forecast: forecast(this.course, this.points, race),
    };
  }
}

/** Whether two views differ: compared field by field, cheaper than serialising both every tick. */
export function sameView(a: RunnerRaceInfo | undefined, b: RunnerRaceInfo): boolean {
  if (!a) return false;
  return (
    a.pos === b.pos &&
    a.state === b.state &&
    a.at === b.at &&
    a.off === b.off &&
    a.start === b.start &&
    a.finish === b.finish &&
    a.gap === b.gap &&
    a.ahead === b.ahead &&
    a.aheadM === b.aheadM &&
    a.speed === b.speed &&
    a.avg === b.avg &&
    a.cp?.name === b.cp?.name &&
    a.cp?.t === b.cp?.t &&
    a.mat?.at === b.mat?.at &&
    a.mat?.t === b.mat?.t &&
    a.mat?.speed === b.mat?.speed
  );
}
