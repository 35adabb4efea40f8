/**
 * Where tracking apps send positions, and how each app is set up to send there. No server-only imports:
 * the runner page (components/TrackerApps.tsx) builds its settings from these too.
 */
export const INGEST_PATHS = {
  /** Traccar Client (all versions) and other senders of Traccar's OsmAnd protocol: speed in knots. */
  osmand: '/ingest/osmand',
  /** The OsmAnd app's online tracking: the same protocol with speed in m/s and the accuracy in hdop. */
  osmandApp: '/ingest/osmand-app',
  /** GPSLogger's custom URL: the same protocol with speed in m/s. */
  gpslogger: '/ingest/gpslogger',
  /** OwnTracks in HTTP mode: the device key is the Basic-auth password. */
  owntracks: '/ingest/owntracks',
  /** Overland's batches of GeoJSON features: the device key is the Bearer token. */
  overland: '/ingest/overland',
} as const;

/** Traccar Client's server URL. */
export function traccarServerUrl(origin: string): string {
  return `${origin}${INGEST_PATHS.osmand}`;
}

/**
 * A link Traccar Client 9+ reads from a scanned QR code (traccar-client lib/qr_code_screen.dart): the
 * server URL is the link without its query; id, accuracy, interval (s) and distance (m) set those settings.
 */
export function traccarSetupLink(origin: string, key: string): string {
  const q = new URLSearchParams({ id: key, accuracy: 'highest', interval: '10', distance: '10' });
  return `${traccarServerUrl(origin)}?${q.toString()}`;
}

/**
 * OsmAnd's online-tracking web address (Trip recording → Online tracking). OsmAnd fills {0} lat, {1} lon,
 * {2} time (ms) the point was queued (the phone's clock when the fix came in, not the GPS time), {3}
 * accuracy (m), {4} altitude (m), {5} speed (m/s), {6} bearing, {11} battery (%).
 */
export function osmandTemplate(origin: string, key: string): string {
  return (
    `${origin}${INGEST_PATHS.osmandApp}?id=${encodeURIComponent(key)}` +
    '&lat={0}&lon={1}&timestamp={2}&hdop={3}&altitude={4}&speed={5}&bearing={6}&batt={11}'
  );
}

/**
 * GPSLogger's custom URL (Logging details → Log to custom URL). GPSLogger replaces %LAT, %LON, %TIMESTAMP
 * (seconds), %SPD (m/s), %ACC (m), %ALT (m), %DIR (degrees) and %BATT (percent) in it, case-insensitively,
 * and sends it with GET unless told otherwise (CustomUrlManager.getFormattedTextblock).
 */
export function gpsloggerUrl(origin: string, key: string): string {
  return (
    `${origin}${INGEST_PATHS.gpslogger}?id=${encodeURIComponent(key)}` +
    '&lat=%LAT&lon=%LON&timestamp=%TIMESTAMP&speed=%SPD&accuracy=%ACC&altitude=%ALT&bearing=%DIR&batt=%BATT'
  );
}

export function overlandUrl(origin: string): string {
  return `${origin}${INGEST_PATHS.overland}`;
}

/**
 * A link Overland opens as settings (its README, "Configuration by Custom URL"): the receiver endpoint and
 * the access token, which is sent as "Authorization: Bearer …".
 */
export function overlandSetupLink(origin: string, key: string): string {
  return `overland://setup?${new URLSearchParams({ url: overlandUrl(origin), token: key }).toString()}`;
}

export function owntracksUrl(origin: string): string {
  return `${origin}${INGEST_PATHS.owntracks}`;
}

/** Two letters OwnTracks shows on the map for this runner. */
export function trackerId(name: string): string {
  const letters = name
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}]/gu, ''))
    .filter(Boolean);
  const tid = letters.length > 1 ? letters[0]!.slice(0, 1) + letters[1]!.slice(0, 1) : (letters[0] ?? 'TS').slice(0, 2);
  return tid.toUpperCase() || 'TS';
}

/** OwnTracks on iOS encodes the Basic-auth user name as ASCII: keep it to that. The name is free anyway. */
function asciiName(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return ascii || 'runner';
}

/**
 * An OwnTracks configuration in one link (owntracks:///config?inline=<base64 JSON>), which the app imports
 * when the link is opened: HTTP mode (3) to this server, the key as password, Move monitoring (2).
 */
export function owntracksConfigLink(origin: string, key: string, name: string): string {
  const config = {
    _type: 'configuration',
    mode: 3,
    url: owntracksUrl(origin),
    auth: true,
    username: asciiName(name),
    password: key,
    deviceId: 'phone',
    tid: trackerId(name),
    monitoring: 2,
  };
  const bytes = new TextEncoder().encode(JSON.stringify(config));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `owntracks:///config?inline=${encodeURIComponent(btoa(binary))}`;
}
