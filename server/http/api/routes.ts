/** Every endpoint under /api (opening a live stream excepted: transport/sse.ts). */
import { ErrorCode } from '../../../lib/protocol';
import { HttpError, sendError } from '../errors';
import { Router } from '../router';
import type { ApiContext } from './context';
import { OPEN_CORS } from './context';
import { createEvent, health, listEvents } from './events';
import { acknowledgeAlert, deviceKey, finish, links, quotas, removeRunner, revokeLink, setViewCode } from './organiser';
import { bib, checkpoints, course, courseFromRunner, raceSettings, runnerRace } from './race';
import { runnerList } from './list';
import { streamPost } from './stream';
import { avatar, eventSummary, exportJson, happiness, runner, snapshot, trackGpx, trackPage } from './reads';

export function apiRouter(): Router<ApiContext> {
  const r = new Router<ApiContext>();
  r.on('GET', '/api/health', health)
    .on('POST', '/api/stream/:stream', streamPost)
    .on('GET', '/api/events', listEvents)
    .on('POST', '/api/events', createEvent)
    .on('GET', '/api/events/:id', eventSummary)
    .on('GET', '/api/events/:id/snapshot', snapshot)
    .on('GET', '/api/events/:id/happiness', happiness)
    .on('GET', '/api/events/:id/export.json', exportJson)
    .on('POST', '/api/events/:id/finish', finish)
    .on('PUT', '/api/events/:id/view-code', setViewCode)
    .on('GET', '/api/events/:id/quotas', quotas)
    .on('PUT', '/api/events/:id/quotas', quotas)
    .on('GET', '/api/events/:id/links', links)
    .on('POST', '/api/events/:id/links', links)
    .on('DELETE', '/api/events/:id/links/:link', revokeLink)
    .on('POST', '/api/events/:id/alerts/:alert/ack', acknowledgeAlert)
    .on('GET', '/api/events/:id/course', course)
    .on('PUT', '/api/events/:id/course', course)
    .on('DELETE', '/api/events/:id/course', course)
    .on('POST', '/api/events/:id/course/from-track', courseFromRunner)
    .on('PUT', '/api/events/:id/checkpoints', checkpoints)
    .on('PUT', '/api/events/:id/race', raceSettings)
    .on('GET', '/api/events/:id/list', runnerList)
    .on('GET', '/api/events/:id/runners/:runner', runner)
    .on('PUT', '/api/events/:id/runners/:runner/bib', bib)
    .on('GET', '/api/events/:id/runners/:runner/race', runnerRace)
    .on('DELETE', '/api/events/:id/runners/:runner', removeRunner)
    .on('GET', '/api/events/:id/runners/:runner/track', trackPage)
    .on('GET', '/api/events/:id/runners/:runner/track.gpx', trackGpx)
    .on('GET', '/api/events/:id/runners/:runner/avatar', avatar)
    .on('GET', '/api/events/:id/runners/:runner/device-key', deviceKey)
    .on('POST', '/api/events/:id/runners/:runner/device-key', deviceKey)
    .on('DELETE', '/api/events/:id/runners/:runner/device-key', deviceKey);
  return r;
}

/** CORS preflight: only reads are offered across origins; anything else is same-origin. */
export function preflight(res: import('node:http').ServerResponse): void {
  res.writeHead(204, {
    ...OPEN_CORS,
    'access-control-allow-methods': 'GET',
    'access-control-allow-headers': 'x-view-code',
    'access-control-max-age': '86400',
  });
  res.end();
}

export function notFound(res: import('node:http').ServerResponse): void {
  sendError(res, new HttpError(404, ErrorCode.NotFound, 'No such API endpoint.'));
}
