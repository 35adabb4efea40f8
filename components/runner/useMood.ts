'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunnerMemory } from '../../client/runner-memory';
import type { RunnerSession } from '../../client/runner-session';

/** Dragging the slider fires many changes: send where the finger settles. */
const SETTLE_MS = 250;

/** How the runner feels (0–10, null until they pick), kept on the device and told to the session. */
export function useMood(memory: RunnerMemory | null, session: RunnerSession | null): [number | null, (value: number) => void] {
  const [mood, setMood] = useState<number | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => setMood(memory?.mood ?? null), [memory]);
  // A session opened later starts with what the runner picked before.
  useEffect(() => {
    const saved = memory?.mood ?? null;
    if (session && saved !== null) session.setMood(saved);
  }, [memory, session]);
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  const change = useCallback(
    (value: number) => {
      setMood(value);
      if (memory) memory.mood = value;
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => session?.setMood(value), SETTLE_MS);
    },
    [memory, session],
  );
  return [mood, change];
}
