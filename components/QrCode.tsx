'use client';

import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import { isLoopbackHost, shareableOrigin } from '../client/addresses';
import { LinkActions } from './LinkActions';

/**
 * A QR code of a link on this site, with Copy and Share, so a phone opens it without typing. `path` is
 * relative to the server; when this page was opened on loopback, the code uses an address of the server
 * that other devices can reach (from `reachable`) and says so.
 */
export function QrCode({
  path,
  label,
  reachable = [],
  title = 'Trackside',
  gps = false,
}: {
  path: string;
  label: string;
  reachable?: readonly string[];
  title?: string;
  /** The link opens a page that needs GPS, which phones give only to https pages. */
  gps?: boolean;
}) {
  const [image, setImage] = useState<string | null>(null);
  const [url, setUrl] = useState('');
  const [where, setWhere] = useState<{ loopback: boolean; switched: boolean; others: string[]; origin: string } | null>(null);
  useEffect(() => {
    const found = shareableOrigin(window.location.origin, reachable);
    const full = new URL(path, `${found.origin}/`).toString();
    const encoded = new URL(full);
    // `loopback`: the code itself points at this computer. `switched`: it was moved to a network address.
    setWhere({
      loopback: isLoopbackHost(encoded.hostname),
      switched: found.loopback && !isLoopbackHost(encoded.hostname),
      others: found.others,
      origin: encoded.origin,
    });
    setUrl(full);
    QRCode.toDataURL(full, { margin: 1, width: 360, errorCorrectionLevel: 'M' })
      .then(setImage)
      .catch(() => setImage(null));
  }, [path, reachable]);
  const insecure = gps && url.startsWith('http:') && !where?.loopback && !where?.switched;
  return (
    <figure className="qr">
      {image && <img src={image} alt={`QR code: ${label}`} width={180} height={180} />}
      <figcaption className="small muted">{url}</figcaption>
      {url && <LinkActions url={url} title={title} what={label} />}
      {where?.loopback && <LoopbackWarning others={where.others} gps={gps} />}
      {where?.switched && (
        <div className="alert info loopback" role="note" data-testid="lan-address">
          <strong>Phones use the network address</strong>
          <p>
            This page&apos;s address works on this computer only, so the code uses <code>{where.origin}</code>
            {where.others.length > 1 ? ' (the server can also be reached at ' : ''}
            {where.others.slice(1).map((u, i) => (
              <span key={u}>
                {i > 0 ? ', ' : ''}
                <code>{u}</code>
              </span>
            ))}
            {where.others.length > 1 ? ')' : ''}.{gps && where.origin.startsWith('http:') ? ' Phones share GPS only with https pages: start the server with `npm start -- --https`.' : ''}
          </p>
        </div>
      )}
      {insecure && (
        <p className="alert small loopback" role="note">
          Phones share GPS only with https pages: start the server with <code>npm start -- --https</code> (or TLS_CERT and
          TLS_KEY) so runners can use this link.
        </p>
      )}
    </figure>
  );
}

function LoopbackWarning({ others, gps }: { others: string[]; gps: boolean }) {
  return (
    <div className="alert loopback" role="note" data-testid="loopback-warning">
      <strong>This address works on this computer only</strong>
      {others.length > 0 ? (
        <>
          <p>
            Phones need the computer&apos;s network address{gps ? ', and https to share GPS' : ''}. The server can be reached at:
          </p>
          <ul>
            {others.map((u) => (
              <li key={u}>
                <code>{u}</code>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>
          Phones cannot open it. Start the server listening on the network (<code>HOST=0.0.0.0</code>, the default)
          {gps ? ' with https (`npm start -- --https`)' : ''}, and open this page at the address it prints.
        </p>
      )}
    </div>
  );
}
