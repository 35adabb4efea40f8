/**
 * The open race feed for timers, media and race websites (docs/api.md#open-race-feed): the standings, the
 * passings at each timing point, and where every runner is now as GeoJSON (a fresh fix, or where the
 * estimator puts them: predicted from the mats, or a ghost not heard from). Plain data built from the room; the HTTP layer adds ETags and CORS.
 */
import { positionAt } from '../../lib/course/course';
import { whereabouts } from '../../lib/course/estimate';
import type { PublicEntry } from '../../lib/entries/entry';
import type { RunnerRaceInfo } from '../../lib/protocol';
import type { RunnerTrack } from './runner-track';
import type { Room } from './state';

export interface StandingRow {
  pos: number | null;
  id: string;
  bib: string | null;
  name: string;
  entry: PublicEntry | null;
  state: RunnerRaceInfo['state'];
  /** Metres along the course. */
  at: number | null;
  /** The runner's own start (ms), and seconds from it to the finish (chip time). */
  start: number | null;
  finish: number | null;
  /** Seconds from their wave's gun to the finish (gun time). */
  gun: number | null;
  /** Place within their category. */
  cat: number | null;
  /** Seconds behind the leader at the same spot of the course. */
  gap: number | null;
  /** The last checkpoint passed. */
  cp: { name: string; t: number } | null;
  /** The latest mat that saw them. */
  mat: { at: number; t: number } | null;
}

export interface PointPassings {
  id: string;
  name: string;
  at: number;
  passings: Array<{ id: string; bib: string | null; name: string; t: number; elapsed: number | null }>;
}

interface Feature {
  type: 'Feature';
  geometry: { type: 'Point'; coordinates: [lon: number, lat: number] };
  properties: {
    id: string;
    name: string;
    bib: string | null;
    color: string;
    /**
     * "gps": their latest fix; "predicted": carried on from their last mat; "ghost": not heard from for longer
     * than their source's normal interval, carried on from where they were last seen.
     */
    basis: 'gps' | 'predicted' | 'ghost';
    /** The fix's time, or the last observation's (ms). */
    t: number;
    at: number | null;
    /** For an estimate: the slowest and fastest plausible progress now (metres along the course). */
    lo?: number;
    hi?: number;
  };
}

export interface PositionsGeoJson {
  type: 'FeatureCollection';
  /** Server time the predicted positions are for (ms). */
  now: number;
  features: Feature[];
}

/** The runners in race order; only those spectators see, limited to `only` when given. */
export function standings(room: Room, only: ReadonlySet<string> | null): StandingRow[] {
  const rows: StandingRow[] = [];
  for (const r of room.runners.values()) {
    if (!r.visible || (only && !only.has(r.id))) continue;
    const race = r.raceView;
    const entry = r.record.entry;
    rows.push({
      pos: race?.pos ?? null,
      id: r.id,
      bib: r.record.bib,
      name: r.record.name,
      entry: entry ? { sex: entry.sex, ageGroup: entry.ageGroup, category: entry.category, club: entry.club, wave: entry.wave } : null,
      state: race?.state ?? 'not-started',
      at: race?.at ?? null,
      start: race?.start ?? null,
      finish: race?.finish ?? null,
      gun: race?.gun ?? null,
      cat: race?.cat ?? null,
      gap: race?.gap ?? null,
      cp: race?.cp ?? null,
      mat: latestMat(room, r),
    });
  }
  return rows.sort((a, b) => (a.pos ?? Infinity) - (b.pos ?? Infinity) || (a.bib ?? '').localeCompare(b.bib ?? '', 'en', { numeric: true }));
}

/** Every timing point with the runners it saw, earliest first. */
export function pointPassings(room: Room, only: ReadonlySet<string> | null, pointId: string | null): PointPassings[] {
  const points = [...room.timingPoints.values()].filter((p) => pointId === null || p.id === pointId).sort((a, b) => a.at - b.at);
  const byPoint = new Map<string, PointPassings>(points.map((p) => [p.id, { id: p.id, name: p.name, at: p.at, passings: [] }]));
  for (const r of room.runners.values()) {
    if (!r.visible || (only && !only.has(r.id))) continue;
    const start = r.race?.start?.t ?? null;
    for (const m of r.mats) {
      byPoint.get(m.point)?.passings.push({ id: r.id, bib: r.record.bib, name: r.record.name, t: m.t, elapsed: start !== null && m.t >= start ? (m.t - start) / 1000 : null });
    }
  }
  for (const p of byPoint.values()) p.passings.sort((a, b) => a.t - b.t || (a.bib ?? '').localeCompare(b.bib ?? '', 'en', { numeric: true }));
  return [...byPoint.values()];
}

/** The latest mat that saw the runner (metres, ms); null for none. */
function latestMat(room: Room, r: RunnerTrack): { at: number; t: number } | null {
  let latest: { at: number; t: number } | null = null;
  for (const m of r.mats) {
    const point = room.timingPoints.get(m.point);
    if (point && (!latest || m.t > latest.t)) latest = { at: point.at, t: m.t };
  }
  return latest;
}

const deg = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * Where every runner is now: where the estimator puts a runner who is not where a fresh fix does (predicted
 * between mats, or a ghost), else their latest fix.
 */
export function positions(room: Room, only: ReadonlySet<string> | null): PositionsGeoJson {
  const now = room.now();
  const course = room.course;
  const features: Feature[] = [];
  for (const r of room.runners.values()) {
    if (!r.visible || (only && !only.has(r.id))) continue;
    const base = { id: r.id, name: r.record.name, bib: r.record.bib, color: r.record.color };
    const race = r.raceView;
    const w = course && race?.est && race.state === 'running' ? whereabouts(race.est, course.effort, course.course.length, now) : null;
    if (course && race?.est && w && w.kind !== 'seen') {
      const [lat, lon] = positionAt(course.course, w.at);
      features.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [deg(lon), deg(lat)] },
        properties: { ...base, basis: w.kind, t: race.est.t, at: Math.round(w.at), lo: Math.round(w.lo), hi: Math.round(w.hi) },
      });
      continue;
    }
    const fix = r.framed.last;
    if (fix) features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [fix.lon, fix.lat] }, properties: { ...base, basis: 'gps', t: fix.t, at: race?.at ?? null } });
  }
  return { type: 'FeatureCollection', now, features };
}
