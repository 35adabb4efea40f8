'use client';

import { useEffect, useState } from 'react';
import { call, type ReadAccess } from '../client/api';
import { decodeCourse } from '../lib/course/compact';
import type { Course } from '../lib/course/course';
import type { CompactCourse } from '../lib/course/compact';
import type { CourseInfo } from '../lib/protocol';

/**
 * The event's course line, read once per course version (the answer is cached for ever by version) and
 * given the event's current checkpoints, which change without a new line.
 */
export function useCourse(eventId: string, info: CourseInfo | null | undefined, access: ReadAccess): Course | null {
  const [loaded, setLoaded] = useState<{ version: number; compact: CompactCourse } | null>(null);
  const version = info?.version ?? null;
  useEffect(() => {
    if (version === null) return;
    const abort = new AbortController();
    let retry: ReturnType<typeof setTimeout> | null = null;
    const load = (delay: number) =>
      call('course', { id: eventId }, { query: { ...access, v: String(version) }, signal: abort.signal })
        .then((body) => setLoaded({ version, compact: body.course }))
        .catch(() => {
          if (!abort.signal.aborted) retry = setTimeout(() => load(Math.min(30_000, delay * 2)), delay);
        });
    void load(2000);
    return () => {
      abort.abort();
      if (retry) clearTimeout(retry);
    };
  }, [eventId, version, access]);
  const checkpoints = JSON.stringify(info?.checkpoints ?? []);
  const [course, setCourse] = useState<Course | null>(null);
  useEffect(() => {
    if (!loaded || loaded.version !== version) return setCourse(null);
    try {
      setCourse(decodeCourse({ ...loaded.compact, checkpoints: JSON.parse(checkpoints) }));
    } catch {
      setCourse(null);
    }
  }, [loaded, version, checkpoints]);
  return version === null ? null : course;
}
