'use client';

import { useEffect, useState } from 'react';

export const CONTRAST_KEY = 'trackside:contrast';

/** Outdoor mode: black on white with heavier lines, for reading a phone in bright sunlight. Kept per device. */
export function ContrastToggle() {
  const [high, setHigh] = useState(false);
  useEffect(() => setHigh(document.documentElement.dataset.contrast === 'high'), []);
  function toggle() {
    const next = !high;
    setHigh(next);
    if (next) document.documentElement.dataset.contrast = 'high';
    else delete document.documentElement.dataset.contrast;
    try {
      if (next) localStorage.setItem(CONTRAST_KEY, 'high');
      else localStorage.removeItem(CONTRAST_KEY);
    } catch {
      // Storage blocked: the choice lasts for this page only.
    }
  }
  return (
    <button
      type="button"
      className="btn ghost small contrast-toggle"
      aria-pressed={high}
      onClick={toggle}
      aria-label="Outdoor mode"
      title="Outdoor mode: high contrast for bright sunlight"
    >
      <span aria-hidden="true">☀</span>
      <span className="toggle-text" aria-hidden="true">
        Outdoor
      </span>
    </button>
  );
}
