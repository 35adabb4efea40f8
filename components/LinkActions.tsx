'use client';

import { useEffect, useState } from 'react';

/** Copy a link, or hand it to the phone's share sheet (Web Share API) where there is one. */
export function LinkActions({ url, title, what = 'link' }: { url: string; title: string; what?: string }) {
  const [copied, setCopied] = useState(false);
  const [canShare, setCanShare] = useState(false);
  useEffect(() => setCanShare(typeof navigator.share === 'function'), []);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2500);
    return () => clearTimeout(timer);
  }, [copied]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      // No clipboard (an insecure page, or permission refused): let the person copy it by hand.
      window.prompt(`Copy the ${what}:`, url);
    }
  }

  async function share() {
    try {
      await navigator.share({ title, url });
    } catch {
      // Cancelled by the person, or refused: nothing to do.
    }
  }

  return (
    <div className="link-actions">
      <button className="btn small" type="button" onClick={() => void copy()} aria-label={`Copy the ${what}`}>
        Copy
      </button>
      {canShare && (
        <button className="btn small" type="button" onClick={() => void share()} aria-label={`Share the ${what}`}>
          Share
        </button>
      )}
      <span className="copied" role="status">
        {copied ? 'Copied' : ''}
      </span>
    </div>
  );
}
