'use client';

import { type RefObject, useEffect, useState } from 'react';

/** Rows drawn beyond those in sight, above and below: scrolling a little never shows a blank. */
const OVERSCAN = 12;
/** A first guess at a row's height, px, until one is measured. */
const GUESS_PX = 52;

export interface RowWindow {
  from: number;
  to: number;
  /** Heights of the space standing in for the rows not drawn, px. */
  before: number;
  after: number;
}

/**
 * Which of `count` rows of a scrolling box are in sight. Rows are taken to be as tall as the first one
 * drawn (two lines of a runner list), so a field of 30,000 costs a few dozen rows in the page.
 */
export function useWindowedRows(box: RefObject<HTMLElement | null>, count: number): RowWindow {
  const [metrics, setMetrics] = useState({ top: 0, height: 600, row: GUESS_PX });
  useEffect(() => {
    const el = box.current;
    if (!el || count === 0) return;
    let frame: number | null = null;
    const measure = () => {
      frame = null;
      const first = el.querySelector<HTMLElement>('tbody tr:not(.spacer)');
      const head = el.querySelector<HTMLElement>('thead');
      const row = first?.offsetHeight || GUESS_PX;
      const top = Math.max(0, el.scrollTop - (head?.offsetHeight ?? 0));
      setMetrics((m) => (m.top === top && m.height === el.clientHeight && m.row === row ? m : { top, height: el.clientHeight, row }));
    };
    const soon = () => {
      if (frame === null) frame = requestAnimationFrame(measure);
    };
    measure();
    el.addEventListener('scroll', soon, { passive: true });
    const resize = new ResizeObserver(soon);
    resize.observe(el);
    return () => {
      el.removeEventListener('scroll', soon);
      resize.disconnect();
      if (frame !== null) cancelAnimationFrame(frame);
    };
  }, [box, count]);
  const from = Math.max(0, Math.floor(metrics.top / metrics.row) - OVERSCAN);
  const to = Math.min(count, Math.ceil((metrics.top + metrics.height) / metrics.row) + OVERSCAN);
  return { from, to, before: from * metrics.row, after: Math.max(0, count - to) * metrics.row };
}
