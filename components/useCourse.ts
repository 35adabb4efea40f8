'use client';

import { useEffect, useState } from 'react';
import { decodeCourse } from '../lib/course/compact';
import type { Course } from '../lib/course/course';
import type { CompactCourse } from '../lib/course/compact';
import type { CourseInfo } from '../lib/protocol';

/**
 * The event's course line, read once per course version (the answer is cached for ever by version) and
 * given the event's current checkpoints, which change without a new line.
 */
export function useCourse(eventId: string, info: CourseInfo | null | undefined, query: string): Course | null {
  const [loaded, setLoaded] = useState<{ version: number; compact: CompactCourse } | null>(null);
  const version = info?.version ?? null;
  useEffect(() => {
    if (version === null) return;
    const q = new URLSearchParams(query.replace(/^\?/, ''));
    q.set('v', String(version));
    const abort = new AbortController();
    let retry: ReturnType<typeof setTimeout> | null = null;
    const load = (delay: number) =>
      fetch(`/api/events/${eventId}/course?${q.toString()}`, { signal: abort.signal })
        .then((res) => (res.ok ? (res.json() as Promise<{ course: CompactCourse }>) : Promise.reject(new Error(String(res.status)))))
        .then((body) => setLoaded({ version, compact: body.course }))
        .catch(() => {
          if (!abort.signal.aborted) retry = setTimeout(() => load(Math.min(30_000, delay * 2)), delay);
        });
    void load(2000);
    return () => {
      abort.abort();
      if (retry) clearTimeout(retry);
    };
  }, [eventId, version, query]);
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
