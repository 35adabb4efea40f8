/**
 * Garmin inReach MapShare feeds: the KML a MapShare page serves at
 * https://share.garmin.com/Feed/Share/<MapShare name>?d1=<UTC time>, one Placemark per message since d1
 * (only the latest without it), with Basic authentication when the page has a password (any user name).
 * Garmin allows 2,000 requests an hour from one address, and suggests polling every 5 to 10 minutes.
 *
 * What is taken of each Placemark, by the names Garmin's documentation gives them: `TimeStamp/when` (UTC),
 * `Point/coordinates` (lon,lat,elevation), and in ExtendedData the `Data` named "Valid GPS Fix" (True or
 * False), "In Emergency" (True while the device is in SOS), "Velocity" ("6.0 km/h"), "Course"
 * ("22.50 ° True"), "Event" ("Tracking message received." …) and "IMEI". Placemarks without a point or a
 * time (the track line) are left out, and so are reference points (a place sent, not where the device is).
 */
import { SaxesParser } from 'saxes';
import type { FeedMessage } from './messages';

const localName = (name: string) => name.slice(name.indexOf(':') + 1);

/** Reads a MapShare KML feed; throws on anything that is not KML. */
export function parseInReachKml(text: string): FeedMessage[] {
  if (text.trim() === '') return [];
  const parser = new SaxesParser({ xmlns: false });
  const out: FeedMessage[] = [];
  const path: string[] = [];
  type Placemark = { when: string | null; coordinates: string | null; data: Map<string, string> };
  const open: { placemark: Placemark | null } = { placemark: null };
  let dataName: string | null = null;
  let textBuf = '';
  let sawKml = false;
  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    if (path.length === 0 && name === 'kml') sawKml = true;
    path.push(name);
    textBuf = '';
    if (name === 'Placemark') open.placemark = { when: null, coordinates: null, data: new Map() };
    else if (name === 'Data' && open.placemark) dataName = typeof tag.attributes.name === 'string' ? tag.attributes.name : null;
  });
  parser.on('text', (t) => {
    if (open.placemark && textBuf.length < 4096) textBuf += t;
  });
  parser.on('cdata', (t) => {
    if (open.placemark && textBuf.length < 4096) textBuf += t;
  });
  parser.on('closetag', (tag) => {
    const name = localName(tag.name);
    const parent = path[path.length - 2];
    const p = open.placemark;
    if (p) {
      if (name === 'when' && parent === 'TimeStamp') p.when = textBuf.trim();
      else if (name === 'coordinates' && parent === 'Point') p.coordinates = textBuf.trim();
      else if (name === 'value' && parent === 'Data' && dataName !== null) p.data.set(dataName, textBuf.trim());
      else if (name === 'Data') dataName = null;
      else if (name === 'Placemark') {
        const message = toMessage(p);
        if (message) out.push(message);
        open.placemark = null;
      }
    }
    path.pop();
    textBuf = '';
  });
  parser.write(text).close();
  if (!sawKml) throw new Error('the feed is not KML');
  return out.sort((a, b) => a.t - b.t);
}

function toMessage(p: { when: string | null; coordinates: string | null; data: Map<string, string> }): FeedMessage | null {
  if (!p.when || !p.coordinates) return null;
  const event = p.data.get('Event') ?? '';
  if (/reference point/i.test(event)) return null;
  const t = Date.parse(p.when);
  const [lon, lat, ele] = p.coordinates.split(',').map((v) => Number(v.trim()));
  if (!Number.isFinite(t) || !Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  const velocity = /^([\d.]+)\s*km\/h/i.exec(p.data.get('Velocity') ?? '');
  const course = /^([\d.]+)/.exec(p.data.get('Course') ?? '');
  return {
    t,
    lat: lat!,
    lon: lon!,
    alt: ele !== undefined && Number.isFinite(ele) ? ele : null,
    spd: velocity ? Number(velocity[1]) / 3.6 : null,
    hdg: course && Number(course[1]) <= 360 ? Number(course[1]) : null,
    valid: (p.data.get('Valid GPS Fix') ?? 'True').toLowerCase() === 'true',
    emergency: (p.data.get('In Emergency') ?? 'False').toLowerCase() === 'true',
    device: p.data.get('IMEI') || null,
    text: p.data.get('Text') || null,
  };
}

/** The feed's address for a MapShare name, asking for messages since `since` (ms) when given. */
export function inReachUrl(base: string, mapShare: string, since: number | null): string {
  const url = new URL(encodeURIComponent(mapShare), base.endsWith('/') ? base : `${base}/`);
  // Garmin reads d1 as a UTC time, to the minute: ask from the minute of the last message (kept once anyway).
  if (since !== null) url.searchParams.set('d1', `${new Date(since).toISOString().slice(0, 16)}z`);
  return url.toString();
}
