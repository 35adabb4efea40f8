/**
 * The race over HTTP: the organiser's course (a file, or a runner's recorded track), checkpoints, start
 * time, unit and bibs; anyone who may watch reads the course (JSON or GPX) and a runner's splits and
 * predictions.
 */
import { validateCheckpoints } from '../../../lib/course/checkpoints';
import { type CompactCourse, decodeCourse, encodeCourse } from '../../../lib/course/compact';
import type { Course } from '../../../lib/course/course';
import { courseFromTrack } from '../../../lib/course/course-from-track';
import { MAX_FILE_BYTES } from '../../../lib/course/course-file';
import { CourseError } from '../../../lib/course/errors';
import { type TrackPoint, ErrorCode } from '../../../lib/protocol';
import { slugify } from '../../../lib/slug';
import { courseGpx } from '../../storage/formats/gpx';
import type { TrackCursor } from '../../storage/store';
import { readBody } from '../body';
import { HttpError, sendJson } from '../errors';
import { type ApiRequest, addressOf, ask, command, type EventRequest, organiser, reader } from './context';

/** Longest track promoted to a course, in fixes: a whole day at one a second. */
const TRACK_FIXES_MAX = 86_400;

function courseRefusal(err: unknown): never {
  if (err instanceof CourseError) {
    throw new HttpError(400, ErrorCode.BadCourse, err.message, {}, { reason: err.code, ...(err.lines ? { lines: err.lines } : {}) });
  }
  throw err;
}

/**
 * The new line becomes the course, with the current checkpoints carried over as far as they still fit on it.
 * Works on the compact form: the line is measured once, where it was read, not again on this thread.
 */
async function setCourse(r: EventRequest, event: string, course: CompactCourse, length: number, warnings: string[]): Promise<void> {
  const current = (await ask(r, { ask: 'version' })).info.race?.course?.checkpoints ?? [];
  const dropped = current.filter((cp) => cp.at > length).map((cp) => cp.name);
  if (dropped.length) warnings.push(`Checkpoints past the new finish were removed: ${dropped.join(', ')}.`);
  const checkpoints = validateCheckpoints(current.filter((cp) => cp.at <= length), length);
  const race = await command(r, event, { do: 'setCourse', course: { ...course, checkpoints } });
  sendJson(r.res, 200, { race, warnings });
}

/** PUT …/course with the file as the body (GPX, KML or GeoJSON; ?pick=<n> chooses one of several lines). */
export async function uploadCourse(r: ApiRequest<'setCourse'>): Promise<void> {
  const event = await organiser(r);
  const address = addressOf(r);
  const release = await r.ctx.courseUploads.admit(event, address);
  let parsed;
  try {
    const body = await readBody(r.req, MAX_FILE_BYTES);
    parsed = await r.ctx.courseUploads.parse(address, body, r.query.pick).catch(courseRefusal);
  } finally {
    release();
  }
  await setCourse(r, event, parsed.course, parsed.length, [...parsed.warnings]);
}

/** DELETE …/course removes it. */
export async function deleteCourse(r: ApiRequest<'deleteCourse'>): Promise<void> {
  const event = await organiser(r);
  const race = await command(r, event, { do: 'setCourse', course: null });
  sendJson(r.res, 200, { race, warnings: [] });
}

/** GET …/course?v=<version> reads it (JSON; format=gpx for GPX). */
export async function readCourse(r: ApiRequest<'course'>): Promise<void> {
  const { cors } = await reader(r);
  const found = await ask(r, { ask: 'course' });
  if (!found) throw new HttpError(404, ErrorCode.NoCourse, 'This event has no course yet.');
  const info = found.info.race!.course!;
  const asked = r.query.v;
  // A version in the URL names one course for ever; without one, the answer changes with the course. A
  // protected event's course is for whoever holds its code, link or token: never kept in a shared cache.
  const scope = cors['access-control-allow-origin'] ? 'public' : 'private';
  const caching = {
    'cache-control': asked === String(info.version) ? `${scope}, max-age=31536000, immutable` : 'no-cache',
    vary: 'x-view-code, authorization',
  };
  if (r.query.format === 'gpx') {
    const text = courseGpx(found.info, decodeCourse(found.course));
    r.res.writeHead(200, {
      'content-type': 'application/gpx+xml; charset=utf-8',
      'content-disposition': `attachment; filename="${slugify(found.info.name)}-course.gpx"`,
      ...caching,
      ...cors,
    });
    r.res.end(text);
    return;
  }
  sendJson(r.res, 200, { info, course: found.course }, { ...caching, ...cors });
}

/** POST …/course/from-track {"runner": "<id>", "from"?: ms, "to"?: ms}: a runner's recorded track becomes the course. */
export async function courseFromRunner(r: ApiRequest<'courseFromTrack'>): Promise<void> {
  const event = await organiser(r);
  const { runner, from, to } = await r.body();
  const known = await ask(r, { ask: 'runner', runnerId: runner });
  if (!known.summary) throw new HttpError(404, ErrorCode.NoSuchRunner, 'That runner is not in this event.');
  const track: TrackPoint[] = [];
  let after: TrackCursor | null = null;
  for (;;) {
    const page = await r.ctx.live.store.trackPage(event, runner, after, 5000, { from, to });
    for (const p of page) track.push([p.lat, p.lon, p.t]);
    if (track.length > TRACK_FIXES_MAX) {
      throw new HttpError(400, ErrorCode.BadCourse, `That track has more than ${TRACK_FIXES_MAX} fixes: choose a time range (from, to).`);
    }
    if (page.length < 5000) break;
    const last = page[page.length - 1]!;
    after = { t: last.t, seq: last.seq };
  }
  let built: Course;
  try {
    built = courseFromTrack(track, { name: `${known.summary.name}'s track`, from, to });
  } catch (err) {
    courseRefusal(err);
  }
  await setCourse(r, event, encodeCourse(built), built.length, []);
}

/** PUT …/checkpoints {"checkpoints": [{"name": "Water 3", "at": 15000}, …]}: metres from the start. */
export async function checkpoints(r: ApiRequest<'setCheckpoints'>): Promise<void> {
  const event = await organiser(r);
  const body = await r.body();
  const found = await ask(r, { ask: 'version' });
  const length = found.info.race?.course?.length;
  if (length === undefined) throw new HttpError(409, ErrorCode.NoCourse, 'This event has no course yet: upload one first.');
  let list;
  try {
    list = validateCheckpoints(body.checkpoints, length);
  } catch (err) {
    if (err instanceof CourseError) throw new HttpError(400, ErrorCode.BadCheckpoints, err.message);
    throw err;
  }
  sendJson(r.res, 200, { race: await command(r, event, { do: 'setCheckpoints', checkpoints: list }) });
}

/** PUT …/race {"startsAt": ms | null} or {"startNow": true}, and/or unit, waves, order, embedSites. */
export async function raceSettings(r: ApiRequest<'setRace'>): Promise<void> {
  const event = await organiser(r);
  const { startsAt, startNow, unit, waves, order, embedSites } = await r.body();
  const race = await command(r, event, {
    do: 'setRaceSettings',
    ...(startNow ? { startsAt: r.ctx.live.now() } : startsAt !== undefined ? { startsAt } : {}),
    ...(unit ? { unit } : {}),
    ...(waves ? { waves } : {}),
    ...(order ? { order } : {}),
    ...(embedSites ? { embedSites: [...new Set(embedSites)] } : {}),
  });
  sendJson(r.res, 200, { race });
}

/** PUT …/runners/<id>/bib {"bib": "1234" | null}. */
export async function bib(r: ApiRequest<'setBib'>): Promise<void> {
  const event = await organiser(r);
  const body = await r.body();
  const done = await command(r, event, { do: 'setBib', runnerId: r.params.runner, bib: body.bib });
  if (!done) throw new HttpError(404, ErrorCode.NoSuchRunner, 'That runner is not in this event.');
  sendJson(r.res, 200, { bib: body.bib });
}

/** GET …/runners/<id>/race?unit=km|mi: splits at every km or mile and checkpoint, and predictions. */
export async function runnerRace(r: ApiRequest<'runnerRace'>): Promise<void> {
  const { viewer, cors } = await reader(r);
  const runnerId = r.params.runner;
  const seen = !viewer.only || viewer.only.has(runnerId);
  const found = seen ? await ask(r, { ask: 'raceDetail', runnerId, unit: r.query.unit }) : null;
  if (!found?.detail) throw new HttpError(404, ErrorCode.NoRace, 'There is no race to show for that runner: no course, or no fix on it yet.');
  sendJson(r.res, 200, found.detail, { 'cache-control': 'no-store', ...cors });
}
