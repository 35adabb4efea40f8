/**
 * A worker thread that reads course files for ./parser-pool.ts, one at a time: all the CPU a file costs is
 * spent here, never on the thread that serves requests. It answers with the course in its compact form
 * (what the room stores), or with the refusal to send back.
 */
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { type CompactCourse, encodeCourse } from '../../../lib/course/compact';
import { type CourseFormat, parseCourseFile } from '../../../lib/course/course-file';
import { CourseError, type CourseErrorCode, type LineSummary } from '../../../lib/course/errors';

export interface ParseRequest {
  id: number;
  bytes: Uint8Array;
  pick?: number;
}

export interface ParsedUpload {
  course: CompactCourse;
  /** Metres from start to finish, as the room will measure the compact course. */
  length: number;
  format: CourseFormat;
  warnings: string[];
}

export type ParseReply =
  | { id: number; ok: true; parsed: ParsedUpload }
  | { id: number; ok: false; refusal: { code: CourseErrorCode; message: string; lines?: readonly LineSummary[] } }
  | { id: number; ok: false; failure: string };

const port = parentPort!;

// On a machine with few cores the thread that answers everyone must get the CPU first. On Linux each
// thread has its own nice value, so this lowers only this one (elsewhere it would lower the whole server).
if (process.platform === 'linux') {
  try {
    setPriority(0, 10);
  } catch {
    // Not allowed here: read at the same priority as the rest.
  }
}

port.on('message', ({ id, bytes, pick }: ParseRequest) => {
  let reply: ParseReply;
  try {
    const { course, format, warnings } = parseCourseFile(bytes, pick === undefined ? {} : { pick });
    reply = { id, ok: true, parsed: { course: encodeCourse(course), length: course.length, format, warnings } };
  } catch (err) {
    reply =
      err instanceof CourseError
        ? { id, ok: false, refusal: { code: err.code, message: err.message, ...(err.lines ? { lines: err.lines } : {}) } }
        : { id, ok: false, failure: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  port.postMessage(reply);
});

port.postMessage({ ready: true });
