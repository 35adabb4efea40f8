/** What the browser's geolocation gives, in protocol units, and what to tell the runner when it gives nothing. */
import type { Fix } from './outbox';
import type { GpsState } from './runner-status';

export type GpsProblem = { title: string; text: string } | null;

export function insecureProblem(origin: string): GpsProblem {
  return {
    title: 'This page cannot use GPS',
    text:
      `Browsers share location only with secure pages, and ${origin} is not one. ` +
      'Open the https:// address of this server instead (start it with `npm start -- --https` or TLS_CERT/TLS_KEY), or use localhost on this device.',
  };
}

export const UNSUPPORTED: GpsProblem = { title: 'This browser cannot share location', text: 'Open this page in Chrome, Safari or Firefox on your phone.' };

/** The state and the words for a geolocation error. */
export function geoProblem(err: Pick<GeolocationPositionError, 'code' | 'PERMISSION_DENIED' | 'POSITION_UNAVAILABLE'>): {
  state: GpsState;
  problem: GpsProblem;
} {
  if (err.code === err.PERMISSION_DENIED) {
    return {
      state: 'blocked',
      problem: {
        title: 'Location is blocked for this site',
        text: 'Allow it in the browser settings (tap the icon left of the address → Permissions → Location → Allow), then tap Start sharing again.',
      },
    };
  }
  if (err.code === err.POSITION_UNAVAILABLE) {
    return {
      state: 'unavailable',
      problem: {
        title: 'No GPS position available',
        text: "Turn on Location in your phone's settings, step outside and away from tall buildings, and wait a moment; sharing resumes by itself.",
      },
    };
  }
  return {
    state: 'waiting',
    problem: {
      title: 'Still waiting for GPS',
      text: 'Your phone has not found a position yet. Keep the page open outdoors; sharing starts with the first fix.',
    },
  };
}

/** A browser fix in protocol units, with values the server would refuse left out. */
export function toFix(p: Pick<GeolocationPosition, 'coords' | 'timestamp'>, now = Date.now()): Fix {
  const c = p.coords;
  const ok = (v: number | null, min: number, max: number) => (v !== null && Number.isFinite(v) && v >= min && v <= max ? v : null);
  return {
    lat: c.latitude,
    lon: c.longitude,
    t: Math.round(p.timestamp) || now,
    acc: Math.min(Math.max(c.accuracy || 0, 0), 100_000),
    alt: ok(c.altitude, -1000, 10_000),
    spd: ok(c.speed, 0, 200),
    hdg: ok(c.heading, 0, 360),
  };
}
