'use client';

import { useEffect } from 'react';
import type { Cheer } from '../lib/protocol';

const SHOW_MS = 12_000;

/**
 * A cheer that just arrived, big enough to read at arm's length while running. The region is always
 * there so screen readers announce what appears in it.
 */
export function CheerToast({ toast, onClose }: { toast: { cheer: Cheer; n: number } | null; onClose: () => void }) {
  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(onClose, SHOW_MS);
    return () => clearTimeout(timer);
  }, [toast, onClose]);
  return (
    <div className="toast-region" role="status" aria-live="polite">
      {toast && (
        <div className="toast" data-testid="cheer-toast" key={toast.n}>
          <span className="toast-from">Cheer from {toast.cheer.from}</span>
          <span className="toast-text">{toast.cheer.text}</span>
          <button type="button" className="btn ghost small" onClick={onClose} aria-label="Close the cheer">
            ✕
          </button>
        </div>
      )}
    </div>
  );
}
