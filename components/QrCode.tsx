'use client';

import { useMemo, useSyncExternalStore } from 'react';
import { isLoopbackHost, shareableOrigin } from '../client/addresses';
import { qrImages } from '../client/qr-images';
import { LinkActions } from './LinkActions';

interface Where {
  url: string;
  /** The link itself points at this computer: phones cannot open it. */
  loopback: boolean;
  /** This page is on loopback, so the link was moved to the server's network address. */
  switched: boolean;
  origin: string;
  others: string[];
}

/** No addresses but the page's: one array for every caller, so that nothing is worked out again for a new []. */
const NO_ADDRESSES: readonly string[] = [];
const unchanging = () => () => {};

/** The page's origin; null while rendering on the server (and while hydrating what it rendered). */
function usePageOrigin(): string | null {
  return useSyncExternalStore(
    unchanging,
    () => window.location.origin,
    () => null,
  );
}

/** The absolute address of `path` that another device can open, and how it was chosen. */
function useWhere(path: string, reachable: readonly string[]): Where | null {
  const pageOrigin = usePageOrigin();
  // By value: callers may pass an equal list that is a new array each render.
  const addresses = reachable.join(' ');
  return useMemo(() => {
    if (pageOrigin === null) return null;
    const found = shareableOrigin(pageOrigin, addresses ? addresses.split(' ') : []);
    const url = new URL(path, `${found.origin}/`);
    const loopback = isLoopbackHost(url.hostname);
    return { url: url.toString(), loopback, switched: found.loopback && !loopback, origin: url.origin, others: found.others };
  }, [pageOrigin, path, addresses]);
}

/**
 * A QR code of a link on this site, with Copy and Share, so a phone opens it without typing. `path` is
 * relative to the server (or absolute); when this page was opened on loopback, the code uses an address
 * of the server that other devices can reach (from `reachable`) and says so.
 */
export function QrCode({
  path,
  label,
  reachable = NO_ADDRESSES,
  title = 'Trackside',
  gps = false,
  quiet = false,
}: {
  path: string;
  label: string;
  reachable?: readonly string[];
  title?: string;
  /** The link opens a page that needs GPS, which phones give only to https pages. */
  gps?: boolean;
  /** Leave the note about addresses to the caller (one note for several codes). */
  quiet?: boolean;
}) {
  const where = useWhere(path, reachable);
  // Made while rendering, once per address (client/qr-images.ts keeps it): no effect, nothing to wait for.
  const image = useMemo(() => {
    try {
      return where ? qrImages.get(where.url) : null;
    } catch {
      // Longer than a QR code holds: the address is still shown, with Copy and Share.
      return null;
    }
  }, [where]);
  return (
    <figure className="qr">
      {image && <img src={image} alt={`QR code: ${label}`} width={180} height={180} />}
      <figcaption className="small muted" style={{ overflowWrap: 'anywhere' }}>{where?.url}</figcaption>
      {where && <LinkActions url={where.url} title={title} what={label} />}
      {!quiet && where && <Note where={where} gps={gps} />}
    </figure>
  );
}

/** The note about addresses alone, for a group of QR codes. */
export function AddressNote({ path, reachable, gps = false }: { path: string; reachable: readonly string[]; gps?: boolean }) {
  const where = useWhere(path, reachable);
  return where ? <Note where={where} gps={gps} /> : null;
}

function Note({ where, gps }: { where: Where; gps: boolean }) {
  const https = gps && where.url.startsWith('http:');
  if (where.loopback) {
    return (
      <div className="alert loopback" role="note" data-testid="loopback-warning">
        <strong>This address works on this computer only</strong>
        {where.others.length > 0 ? (
          <>
            <p>Phones need the computer&apos;s network address{gps ? ', and https to share GPS' : ''}. The server can be reached at:</p>
            <ul>
              {where.others.map((u) => (
                <li key={u}>
                  <code>{u}</code>
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p>
            Phones cannot open it. Start the server listening on the network (<code>HOST=0.0.0.0</code>, the default)
            {gps ? <> with https (<code>npm start -- --https</code>)</> : null}, and open this page at an address it prints.
          </p>
        )}
      </div>
    );
  }
  if (where.switched) {
    return (
      <div className="alert info loopback" role="note" data-testid="lan-address">
        <strong>Phones use the network address</strong>
        <p>
          This page&apos;s address works on this computer only, so links and codes use <code>{where.origin}</code>
          {where.others.length > 1 ? (
            <>
              {' '}
              (the server can also be reached at{' '}
              {where.others.slice(1).map((u, i) => (
                <span key={u}>
                  {i > 0 ? ', ' : ''}
                  <code>{u}</code>
                </span>
              ))}
              )
            </>
          ) : null}
          .{https ? <> Phones share GPS only with https pages: start the server with <code>npm start -- --https</code>.</> : null}
        </p>
      </div>
    );
  }
  if (https) {
    return (
      <p className="alert small loopback" role="note">
        Phones share GPS only with https pages: start the server with <code>npm start -- --https</code> (or TLS_CERT and TLS_KEY) so
        runners can use this link.
      </p>
    );
  }
  return null;
}
