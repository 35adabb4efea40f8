'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { geoProblem, type GpsProblem, insecureProblem, toFix, UNSUPPORTED } from '../../client/gps';
import type { Fix } from '../../client/outbox';
import type { GpsState } from '../../client/runner-status';

export interface Gps {
  state: GpsState;
  /** What to tell the runner when there is no position, and what to do about it. */
  problem: GpsProblem;
  /** Accuracy of the latest fix, metres. */
  accuracy: number | null;
  /** When the latest fix came (this device's clock). */
  lastFix: number | null;
  /** Start watching the position; false when this page cannot (not secure, no geolocation). */
  start: () => boolean;
  stop: () => void;
  /** Forget the latest fix (the runner's track was deleted). */
  forget: () => void;
}

/**
 * The phone's position, watched while the runner shares. `onFix` gets every fix; `onBlocked` hears that the
 * runner refused location, which ends the watch.
 */
export function useGps(onFix: (fix: Fix) => void, onBlocked: () => void): Gps {
  const [state, setState] = useState<GpsState>('waiting');
  const [problem, setProblem] = useState<GpsProblem>(null);
  const [reading, setReading] = useState<{ accuracy: number | null; lastFix: number | null }>({ accuracy: null, lastFix: null });
  const watchId = useRef<number | null>(null);
  const heard = useRef({ onFix, onBlocked });
  useEffect(() => {
    heard.current = { onFix, onBlocked };
  });

  const stop = useCallback(() => {
    if (watchId.current !== null) navigator.geolocation.clearWatch(watchId.current);
    watchId.current = null;
  }, []);

  useEffect(() => {
    if (!window.isSecureContext) {
      setProblem(insecureProblem(window.location.origin));
      setState('insecure');
    }
    return stop;
  }, [stop]);

  const start = useCallback((): boolean => {
    if (!window.isSecureContext) {
      setProblem(insecureProblem(window.location.origin));
      setState('insecure');
      return false;
    }
    if (!('geolocation' in navigator)) {
      setProblem(UNSUPPORTED);
      setState('unsupported');
      return false;
    }
    if (watchId.current !== null) return true;
    setState('waiting');
    watchId.current = navigator.geolocation.watchPosition(
      (p) => {
        heard.current.onFix(toFix(p));
        setReading({ accuracy: p.coords.accuracy, lastFix: Date.now() });
        setState('ok');
        setProblem(null);
      },
      (err) => {
        // A page being hidden or closed can hear errors too; they say nothing about the runner's wish to share.
        if (document.visibilityState !== 'visible') return;
        const found = geoProblem(err);
        setProblem(found.problem);
        setState(found.state);
        if (err.code === err.PERMISSION_DENIED) {
          stop();
          heard.current.onBlocked();
        }
      },
      { enableHighAccuracy: true, maximumAge: 0, timeout: 30_000 },
    );
    return true;
  }, [stop]);

  const forget = useCallback(() => setReading({ accuracy: null, lastFix: null }), []);
  return { state, problem, accuracy: reading.accuracy, lastFix: reading.lastFix, start, stop, forget };
}
