'use client';

import { useState } from 'react';

/** A value to copy (an address, a key) with its label and a Copy button; selected whole when focused. */
export function CopyField({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // No clipboard (an insecure page, or permission refused): let the person copy it by hand.
      window.prompt(`Copy ${label}:`, value);
    }
  }
  return (
    <div className="copy-field">
      <span className="small muted">{label}</span>
      <div className="copy-row">
        <input readOnly value={value} aria-label={label} onFocus={(e) => e.currentTarget.select()} />
        <button className="btn" type="button" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}
