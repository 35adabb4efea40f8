'use client';

import { useEffect, useState } from 'react';

/** Past this long without the live picture, the connection is taken to be slow. */
const PATIENCE_MS = 4000;

interface NetworkInformation {
  effectiveType?: string;
  saveData?: boolean;
}

/** What the browser says of its connection: slow (2G, 3G, data saver) or unknown. */
function slowNetwork(): boolean {
  const c = (navigator as Navigator & { connection?: NetworkInformation }).connection;
  return !!c && (c.saveData === true || c.effectiveType === 'slow-2g' || c.effectiveType === '2g' || c.effectiveType === '3g');
}

/**
 * A link to the light page (/e/<id>/lite: text, a few kilobytes, updates of a few hundred bytes) when the
 * browser says its connection is slow, or when the live picture has not arrived after a few seconds.
 */
export function SlowLink({ eventId, arrived }: { eventId: string; arrived: boolean }) {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    if (slowNetwork()) setSlow(true);
    if (arrived) return;
    const timer = setTimeout(() => setSlow(true), PATIENCE_MS);
    return () => clearTimeout(timer);
  }, [arrived]);
  if (!slow) return null;
  return (
    <p className="slow-link" role="status" data-testid="slow-link">
      Slow connection? <a href={`/e/${encodeURIComponent(eventId)}/lite`}>Open the light page</a>: the runners you follow as text, updated with a few hundred bytes.
    </p>
  );
}
