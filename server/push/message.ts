/**
 * What a notification says, made where the race is known: a family with the phone in a pocket reads one
 * line, so it carries the runner, the place, the race time and what comes next ("Ada Lovelace passed
 * Half way (21.1 km) at 1:42:10 — ETA finish 3:25"). Times are race times (from the runner's own start),
 * which need no time zone. Pure.
 */
import { formatDistance, formatDuration, inUnit } from '../../lib/course/units';
import type { DistanceUnit } from '../../lib/course/units';
import type { Alert, RunnerRaceInfo } from '../../lib/protocol';

/** What the service worker gets (public/sw.js shows it): a title, a line, the page a click opens. */
export interface PushPayload {
  title: string;
  body: string;
  /** A path on this server. */
  url: string;
  /** Notifications with the same tag replace each other: one per runner and checkpoint, or per alert. */
  tag: string;
  /** When it happened (ms): a late push says so by its time. */
  t: number;
}

export interface PassingNews {
  kind: 'checkpoint' | 'finish';
  event: string;
  eventName: string;
  runnerId: string;
  runnerName: string;
  /** The checkpoint's name and where it is (metres from the start; null when unknown). */
  place: string;
  at: number | null;
  /** When the runner passed, ms. */
  t: number;
  /** The runner's own start, ms; null when unknown. */
  start: number | null;
  /** Seconds from start to finish, for the finish. */
  finish: number | null;
  /** Likely finish (ms), for a checkpoint. */
  etaFinish: number | null;
  unit: DistanceUnit;
}

/** "3:25" (hours and minutes) for an hour or more, "48 min" below: an estimate has no seconds. */
export function roughDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}

/** "Half way (21.1 km)"; just "21.1 km" when the name says the distance already. */
export function placeLabel(name: string, at: number | null, unit: DistanceUnit): string {
  if (at === null) return name;
  const distance = inUnit(at, unit);
  const says = (name.match(/\d+(?:[.,]\d+)?/g) ?? []).some((n) => Math.abs(Number(n.replace(',', '.')) - distance) < 0.1);
  return says ? name : `${name} (${formatDistance(at, unit, 1)})`;
}

export function passingPayload(n: PassingNews, page: string): PushPayload {
  const url = `${page}?runner=${encodeURIComponent(n.runnerId)}`;
  if (n.kind === 'finish') {
    const time = n.finish !== null ? ` in ${formatDuration(n.finish)}` : '';
    return { title: n.eventName, body: `${n.runnerName} finished${time}`, url, tag: `finish-${n.runnerId}`, t: n.t };
  }
  const raceTime = n.start !== null && n.t >= n.start ? ` at ${formatDuration((n.t - n.start) / 1000)}` : '';
  const eta = n.etaFinish !== null && n.start !== null && n.etaFinish > n.t ? ` — ETA finish ${roughDuration((n.etaFinish - n.start) / 1000)}` : '';
  return {
    title: n.eventName,
    body: `${n.runnerName} passed ${placeLabel(n.place, n.at, n.unit)}${raceTime}${eta}`,
    url,
    tag: `cp-${n.runnerId}-${n.place}`,
    t: n.t,
  };
}

/** The news in a runner's race view: the last checkpoint passed, or the finish. */
export function passingNews(
  ctx: { event: string; eventName: string; runnerId: string; runnerName: string; unit: DistanceUnit; checkpoints: ReadonlyArray<{ name: string; at: number }>; length: number | null },
  race: RunnerRaceInfo,
): PassingNews | null {
  const cp = race.cp;
  if (!cp) return null;
  const finished = race.state === 'finished' && cp.name === 'Finish';
  const at = finished ? ctx.length : (ctx.checkpoints.find((c) => c.name === cp.name)?.at ?? null);
  return {
    kind: finished ? 'finish' : 'checkpoint',
    event: ctx.event,
    eventName: ctx.eventName,
    runnerId: ctx.runnerId,
    runnerName: ctx.runnerName,
    place: cp.name,
    at,
    t: cp.t,
    start: race.start,
    finish: finished ? race.finish : null,
    etaFinish: race.eta.find((e) => e.kind === 'finish')?.t ?? null,
    unit: ctx.unit,
  };
}

/** The organiser's SOS notification: who, where on the course, and the console to act from. */
export function sosPayload(ctx: { event: string; eventName: string; unit: DistanceUnit }, alert: Alert, at: number | null, bib: string | null): PushPayload {
  const who = bib ? `${alert.name} (bib ${bib})` : alert.name;
  const where = at !== null ? ` at ${formatDistance(at, ctx.unit, 1)}` : '';
  return {
    title: `SOS — ${ctx.eventName}`,
    body: `${who} asks for help${where}. Open the organiser page to see where and acknowledge it.`,
    url: `/e/${encodeURIComponent(ctx.event)}/organise`,
    tag: `sos-${alert.id}`,
    t: alert.raisedAt,
  };
}
