/**
 * Every endpoint under /api, bound to its entry in the route table (lib/routes.ts). The live stream is
 * opened by its transport (transport/sse.ts); every other route has exactly one handler here, and the
 * type of HANDLERS says so: a route without a handler, or a handler without a route, does not compile.
 */
import type { ServerResponse } from 'node:http';
import { ErrorCode } from '../../../lib/protocol';
import { ROUTE_NAMES, ROUTES, type RouteName, type Routes } from '../../../lib/routes';
import { HttpError, sendError } from '../errors';
import { type Request, Router } from '../router';
import type { ApiContext, ApiRequest } from './context';
import { OPEN_CORS } from './context';
import { createEvent, health, listEvents } from './events';
import { openapi } from './openapi';
import { acknowledgeAlert, deviceKey, finish, links, quotas, removeRunner, revokeLink, setViewCode } from './organiser';
import { bib, checkpoints, courseFromRunner, deleteCourse, raceSettings, readCourse, runnerRace, uploadCourse } from './race';
import { runnerList } from './list';
import { avatar, eventSummary, exportJson, happiness, runner, snapshot, trackGpx, trackPage } from './reads';
import { editEntry, importEntries, listEntries, newClaimCode } from './entries';
import { feedPassings, feedPositions, feedStandings } from './feed';
import { addTimingPoint, postPassings, removeTimingPoint, timing, timingKey, updateTimingPoint } from './timing';
import { addTracker, removeTracker, trackers } from './trackers';
import { streamPost } from './stream';
import { consoleSettings, control, markWatch, messageSeen, runnerMessages, sendMessage, verdict, verdicts } from './control';
import { followPush, organiserPush, organiserUnpush, pushKey, unfollowPush } from './push';
import { finishLine, results } from './results';

/** The routes this router serves: all but those a transport opens. */
type Served = { [N in RouteName]: Routes[N] extends { transport: true } ? never : N }[RouteName];

const HANDLERS: { readonly [N in Served]: (r: ApiRequest<N>) => unknown } = {
  health,
  listEvents,
  createEvent,
  eventSummary,
  snapshot,
  runnerList,
  happiness,
  exportJson,
  results,
  finishLine,
  finish,
  setViewCode,
  quotas,
  setQuotas: quotas,
  links,
  createLink: links,
  revokeLink,
  acknowledgeAlert,
  control,
  setConsoleSettings: consoleSettings,
  markWatch,
  setVerdicts: verdicts,
  setVerdict: verdict,
  sendMessage,
  runnerMessages,
  messageSeen,
  course: readCourse,
  setCourse: uploadCourse,
  deleteCourse,
  courseFromTrack: courseFromRunner,
  setCheckpoints: checkpoints,
  setRace: raceSettings,
  runner,
  setBib: bib,
  runnerRace,
  removeRunner,
  trackPage,
  trackGpx,
  avatar,
  deviceKey,
  issueDeviceKey: deviceKey,
  revokeDeviceKey: deviceKey,
  streamPost,
  openapi,
  entries: listEntries,
  importEntries,
  editEntry,
  newClaimCode,
  timing,
  addTimingPoint,
  updateTimingPoint,
  removeTimingPoint,
  timingKey,
  passings: postPassings,
  trackers,
  addTracker,
  removeTracker,
  feedStandings,
  feedPassings,
  feedPositions,
  pushKey,
  followPush,
  unfollowPush,
  organiserPush,
  organiserUnpush,
};

const served = (name: RouteName): name is Served => !('transport' in ROUTES[name]);

function bind<N extends Served>(router: Router<ApiContext>, name: N): void {
  // For one route N, ApiRequest<N> is the router's request for ROUTES[N].
  router.on(ROUTES[name], HANDLERS[name] as (r: Request<ApiContext, Routes[N]>) => unknown);
}

export function apiRouter(): Router<ApiContext> {
  const router = new Router<ApiContext>();
  for (const name of ROUTE_NAMES) if (served(name)) bind(router, name);
  return router;
}

/** CORS preflight: only reads are offered across origins; anything else is same-origin. */
export function preflight(res: ServerResponse): void {
  res.writeHead(204, {
    ...OPEN_CORS,
    'access-control-allow-methods': 'GET',
    'access-control-allow-headers': 'x-view-code',
    'access-control-max-age': '86400',
  });
  res.end();
}

export function notFound(res: ServerResponse): void {
  sendError(res, new HttpError(404, ErrorCode.NotFound, 'No such API endpoint.'));
}
