'use client';

import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

/** "Run in this event" with a QR code, so a phone joins without typing the address. */
export function JoinQr({ path }: { path: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [image, setImage] = useState<string | null>(null);
  useEffect(() => {
    const full = new URL(path, window.location.href).toString();
    setUrl(full);
    QRCode.toDataURL(full, { margin: 1, width: 360, errorCorrectionLevel: 'M' })
      .then(setImage)
      .catch(() => setImage(null));
  }, [path]);
  return (
    <details className="join">
      <summary className="btn ghost">Run in this event</summary>
      <div className="qr">
        {image && <img src={image} alt="QR code of the runner link" />}
        <a href={path}>Open the runner page</a>
        <span className="small muted">Scan with the runner&apos;s phone. {url}</span>
      </div>
    </details>
  );
}
