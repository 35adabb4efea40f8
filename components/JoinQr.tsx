'use client';

import { Popover } from './Popover';
import { QrCode } from './QrCode';

/** "Run in this event" with a QR code, so a phone joins without typing the address. */
export function JoinQr({ path, reachable, eventName }: { path: string; reachable: readonly string[]; eventName: string }) {
  return (
    <Popover label="Run in this event" title="Run in this event" buttonClassName="btn ghost small" testId="join-button">
      <div className="join-links">
        <p className="small muted" style={{ margin: 0 }}>
          Scan with the runner&apos;s phone, or open the runner page on this device.
        </p>
        <QrCode path={path} label="the runner link" reachable={reachable} title={`Run: ${eventName}`} gps />
        <a className="btn primary" href={path}>
          Open the runner page
        </a>
      </div>
    </Popover>
  );
}
