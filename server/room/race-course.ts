/**
 * An event's course as a room uses it: the measured line, its index for matching, the timing points, and
 * the per-runner views spectators get (position, gaps, pace, last checkpoint). Pure, on top of lib/course.
 */
import type { Checkpoint } from '../../lib/course/checkpoints';
import { type CompactCourse, decodeCourse, encodeCourse } from '../../lib/course/compact';
import { type Course, withCheckpoints } from '../../lib/course/course';
import { type EffortProfile, effortProfile } from '../../lib/course/effort';
import { arrival, type Whereabouts, whereabouts } from '../../lib/course/estimate';
import { type Forecast, forecast, raceEstimate, type Split, splits } from '../../lib/course/forecast';
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
import { nextMatAfter } from '../../lib/course/mats';
import { type Entrant, raceStandings, type ResultOrder, type Standing } from '../../lib/course/standings';
import { gunFor, type Wave, waveGuns } from '../../lib/course/waves';
import type { CourseInfo, RaceEstimate, RaceEta, RunnerRaceInfo } from '../../lib/protocol';
import type { SourceKind } from '../../lib/course/estimate';

export interface RunnerRaceDetail {
  race: RunnerRaceInfo;
  /** Every kilometre or mile passed, in the unit asked for, then the checkpoints. */
  splits: Split[];
  checkpoints: Split[];
  forecast: Forecast;
  /** Where the estimator puts the runner at the time of the answer (`t`); null before the start and after the finish. */
  whereabouts: (Whereabouts & { t: number }) | null;
}

const round = (v: number | null, digits = 0) => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

export class RaceCourse {
  readonly course: Course;
  readonly index: CourseIndex;
  readonly points: TimingPoint[];
  /** The hills as effort, for the estimator; null when the course has no elevations. */
  readonly effort: EffortProfile | null;
  private readonly options: MatchOptions;
  /** Match options per wave gun: a runner's fixes before their own wave's gun are not their race. */
  private readonly optionsByGun = new Map<number | null, MatchOptions>();
  private readonly guns: Map<string, number>;

  constructor(
    course: Course,
    readonly version: number,
    readonly startsAt: number | null,
    readonly waves: readonly Wave[] = [],
    readonly order: ResultOrder = 'chip',
  ) {
    this.course = course;
    this.index = indexCourse(course);
    this.points = timingPoints(course);
    this.effort = effortProfile(course);
    this.options = matchOptions({ startTime: startsAt });
    this.optionsByGun.set(startsAt, this.options);
    this.guns = waveGuns(waves);
  }

  static fromStored(compact: CompactCourse, info: CourseInfo, race: { startsAt: number | null; waves?: Wave[]; order?: ResultOrder }): RaceCourse {
    return new RaceCourse(withCheckpoints(decodeCourse(compact), info.checkpoints), info.version, race.startsAt, race.waves, race.order);
  }

  /** The same line with other checkpoints, another start time, other waves or another order. */
  with(changes: { checkpoints?: readonly Checkpoint[]; startsAt?: number | null; waves?: readonly Wave[]; order?: ResultOrder }): RaceCourse {
    const course = changes.checkpoints ? withCheckpoints(this.course, changes.checkpoints) : this.course;
    return new RaceCourse(
      course,
      this.version,
      changes.startsAt === undefined ? this.startsAt : changes.startsAt,
      changes.waves ?? this.waves,
      changes.order ?? this.order,
    );
  }

  /** The gun of a runner in `wave` (ms): their wave's, else the event's start. */
  gunOf(wave: string | null | undefined): number | null {
    return gunFor(this.guns, this.startsAt, wave);
  }

  compact(): CompactCourse {
    return encodeCourse(this.course);
  }

  info(): CourseInfo {
    return {
      version: this.version,
      name: this.course.name,
      length: Math.round(this.course.length * 10) / 10,
      checkpoints: this.course.checkpoints.map(({ name, at, cutoff }) => (cutoff != null ? { name, at, cutoff } : { name, at })),
      elevation: this.course.elevations !== null,
    };
  }

  fresh(): RunnerRace {
    return initialRunnerRace();
  }

  /** One fix of a runner whose gun was `gun` (default: the event's start). */
  step(race: RunnerRace, fix: { lat: number; lon: number; t: number; acc: number }, src: SourceKind = 'gps', gun: number | null = this.startsAt): RaceStepResult {
    return raceStep(this.index, this.points, race, { lat: fix.lat, lon: fix.lon, t: fix.t, accuracy: fix.acc }, this.optionsFor(gun), src);
  }

  private optionsFor(gun: number | null): MatchOptions {
    let options = this.optionsByGun.get(gun);
    if (!options) this.optionsByGun.set(gun, (options = matchOptions({ startTime: gun })));
    return options;
  }

  standings(entrants: readonly Entrant[]): Standing[] {
    return raceStandings(this.course, this.points, entrants, this.order);
  }

  /**
   * What spectators see of one runner, rounded so that a view changes only when a reader would notice.
   * `mats` are the event's timing points (metres): a runner a mat saw last is predicted up to the next one.
   */
  view(standing: Standing, race: RunnerRace, mats: readonly number[] = []): RunnerRaceInfo {
    let cp: RunnerRaceInfo['cp'] = null;
    for (let i = race.passings.length - 1; i >= 0; i--) {
      const point = this.points[i]!;
      const t = race.passings[i];
      if ((point.kind === 'checkpoint' || point.kind === 'finish') && t !== null && t !== undefined) {
        cp = { name: point.label, t: Math.round(t) };
        break;
      }
    }
    return {
      pos: standing.position,
      state: standing.status,
      at: round(standing.progress),
      off: standing.offCourse,
      ...(standing.offSince !== null ? { offSince: standing.offSince } : {}),
      start: race.start ? Math.round(race.start.t) : null,
      finish: round(standing.finishSeconds),
      gun: round(standing.gunSeconds),
      cat: null,
      gap: round(standing.gapToLeader?.seconds ?? null),
      ahead: round(standing.gapToAhead?.seconds ?? null),
      aheadM: round(standing.gapToAhead?.metres ?? null),
      speed: round(currentSpeed(race), 2),
      avg: round(averageSpeed(this.course, race), 2),
      cp,
      ...this.estimate(race, mats),
    };
  }

  /** The estimator's anchor, and the intervals for the next checkpoint and the finish. */
  private estimate(race: RunnerRace, mats: readonly number[]): { est: RaceEstimate | null; eta: RaceEta[] } {
    const est = raceEstimate(this.course, this.points, race, this.effort, this.nextMat(race, mats));
    if (!est) return { est: null, eta: [] };
    const eta: RaceEta[] = [];
    const next = this.course.checkpoints.find((cp) => cp.at > est.at && cp.at < this.course.length);
    for (const point of [...(next ? [{ name: next.name, at: next.at, kind: 'checkpoint' as const }] : []), { name: 'Finish', at: this.course.length, kind: 'finish' as const }]) {
      const when = arrival(est, this.effort, point.at);
      if (when) eta.push({ name: point.name, kind: point.kind, at: round(point.at)!, t: roundSecond(when.t), lo: roundSecond(when.lo), hi: roundSecond(when.hi) });
    }
    return {
      est: { ...est, t: Math.round(est.t), at: round(est.at, 1)!, err: round(est.err)!, v: round(est.v, 3)!, spread: round(est.spread, 3)!, metres: round(est.metres)!, until: Math.round(est.until) },
      eta,
    };
  }

  /** The next timing mat beyond a runner a mat saw last (the estimator predicts them up to it); null otherwise. */
  private nextMat(race: RunnerRace, mats: readonly number[]): number | null {
    return race.src === 'mat' && race.match.progress !== null ? nextMatAfter(mats, race.match.progress) : null;
  }

  detail(view: RunnerRaceInfo, race: RunnerRace, unit: 'km' | 'mi', now: number, mats: readonly number[] = []): RunnerRaceDetail {
    const fc = forecast(this.course, this.points, race, this.effort, 3, this.nextMat(race, mats));
    return {
      race: view,
      splits: splits(this.points, race, unit),
      checkpoints: splits(this.points, race, 'checkpoint'),
      forecast: fc,
      whereabouts: fc.estimate ? { ...whereabouts(fc.estimate, this.effort, this.course.length, now), t: now } : null,
    };
  }
}

/** ETAs to the second: finer would resend a runner's view for nothing. */
const roundSecond = (ms: number) => Math.round(ms / 1000) * 1000;

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
    a.gun === b.gun &&
    a.cat === b.cat &&
    a.gap === b.gap &&
    a.ahead === b.ahead &&
    a.aheadM === b.aheadM &&
    a.speed === b.speed &&
    a.avg === b.avg &&
    a.cp?.name === b.cp?.name &&
    a.cp?.t === b.cp?.t &&
    sameEstimate(a.est, b.est) &&
    a.eta.length === b.eta.length &&
    a.eta.every((e, i) => e.t === b.eta[i]!.t && e.lo === b.eta[i]!.lo && e.hi === b.eta[i]!.hi && e.name === b.eta[i]!.name)
  );
}

function sameEstimate(a: RaceEstimate | null, b: RaceEstimate | null): boolean {
  if (a === null || b === null) return a === b;
  return a.t === b.t && a.at === b.at && a.v === b.v && a.spread === b.spread && a.until === b.until && a.src === b.src && a.basis === b.basis && a.metres === b.metres && a.err === b.err;
}
