'use client';

import { QrCode } from './QrCode';

/** "Run in this event" with a QR code, so a phone joins without typing the address. */
export function JoinQr({ path }: { path: string }) {
  return (
    <details className="join">
      <summary className="btn ghost">Run in this event</summary>
      <div className="qr">
        <QrCode path={path} label="the runner link" />
        <a href={path}>Open the runner page</a>
        <span className="small muted">Scan with the runner&apos;s phone.</span>
      </div>
    </details>
  );
}
