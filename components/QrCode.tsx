'use client';

import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

/** A QR code of a link on this site (absolute URL of `path`), so a phone opens it without typing. */
export function QrCode({ path, label }: { path: string; label: string }) {
  const [image, setImage] = useState<string | null>(null);
  const [url, setUrl] = useState('');
  useEffect(() => {
    const full = new URL(path, window.location.href).toString();
    setUrl(full);
    QRCode.toDataURL(full, { margin: 1, width: 360, errorCorrectionLevel: 'M' })
      .then(setImage)
      .catch(() => setImage(null));
  }, [path]);
  return (
    <figure className="qr">
      {image && <img src={image} alt={`QR code: ${label}`} />}
      {/* Links with a key or a template in them are long and unbroken: let them wrap rather than widen the page. */}
      <figcaption className="small muted" style={{ overflowWrap: 'anywhere' }}>
        {url}
      </figcaption>
    </figure>
  );
}
