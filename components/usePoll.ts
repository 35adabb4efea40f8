'use client';

import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../client/api';

export interface Polled<T> {
  data: T | null;
  /** The last read failed: what to tell the reader (the last good data stays). */
  error: string | null;
  /** The server refused with this code (view_code_required, bad_view_code …). */
  code: string | null;
}

/**
 * Reads `load` now and every `everyMs` after the previous read ended (never two at a time); reads again at
 * once when `key` changes. For pages that show a read-only view of the race (finish line, embeds).
 */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, everyMs: number, key: string): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: null, error: null, code: null });
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const tick = async () => {
      try {
        const data = await loadRef.current(abort.signal);
        if (!abort.signal.aborted) setState({ data, error: null, code: null });
      } catch (err) {
        if (abort.signal.aborted) return;
        const code = err instanceof ApiError ? err.code : null;
        setState((s) => ({ data: s.data, error: err instanceof Error ? err.message : String(err), code }));
      }
      if (!abort.signal.aborted) timer = setTimeout(() => void tick(), everyMs);
    };
    void tick();
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [everyMs, key]);
  return state;
}
