'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Fix, KeyValueStorage } from '../../client/outbox';
import { OwnTrack } from '../../client/own-track';
import type { TrackPoint } from '../../lib/protocol';

/** How often the runner's own trail is written to storage while fixes come (and when the page goes). */
const SAVE_EVERY_MS = 5000;

/**
 * The runner's own trail as this page took it (distance, time and pace worked out on the phone), kept
 * across reloads. `points` is a new array whenever the trail changed, so the small map redraws.
 */
export function useOwnTrack(
  eventId: string,
  storage: KeyValueStorage | null,
): { track: OwnTrack | null; points: readonly TrackPoint[]; add: (fix: Fix) => void; clear: () => void; save: () => void } {
  const own = useRef<OwnTrack | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    if (!storage) return;
    own.current = new OwnTrack(storage, `trackside:${eventId}:own-track`);
    setVersion((v) => v + 1);
    const save = () => own.current?.save();
    const saver = setInterval(save, SAVE_EVERY_MS);
    window.addEventListener('pagehide', save);
    return () => {
      clearInterval(saver);
      save();
      window.removeEventListener('pagehide', save);
    };
  }, [eventId, storage]);
  const add = useCallback((fix: Fix) => {
    own.current?.add(fix.lat, fix.lon, fix.t, fix.acc);
    setVersion((v) => v + 1);
  }, []);
  const clear = useCallback(() => {
    own.current?.clear();
    setVersion((v) => v + 1);
  }, []);
  const save = useCallback(() => own.current?.save(), []);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const points = useMemo(() => own.current?.points.slice() ?? [], [version]);
  return { track: own.current, points, add, clear, save };
}
