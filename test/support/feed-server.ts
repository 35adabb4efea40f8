/**
 * A local stand-in for Garmin's MapShare KML feeds and SPOT's shared-page JSON feeds, serving the formats as
 * their documentation gives them (field names and all), on loopback, for tests and the e2e spec. It counts
 * the requests it answers and can demand a password.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FeedPoint {
  t: number;
  lat: number;
  lon: number;
  alt?: number;
  /** inReach: "In Emergency" True; SPOT: a HELP message. */
  emergency?: boolean;
  /** inReach: "Valid GPS Fix" False. */
  noFix?: boolean;
  /** SPOT messageType; TRACK by default. */
  type?: string;
}

export interface FeedDevice {
  name: string;
  password?: string;
  points: FeedPoint[];
}

const us = (t: number) => {
  // MapShare writes "8/26/2023 8:58:45 PM" in ExtendedData beside the ISO TimeStamp.
  const d = new Date(t);
  const h = d.getUTCHours();
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 || 12}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'}`;
};

/** A MapShare feed as Garmin serves it: a Folder per device, a Placemark per message, then the track line. */
export function mapShareKml(device: FeedDevice, points: readonly FeedPoint[]): string {
  const data = (name: string, value: string | number) => `<Data name="${name}"><value>${value}</value></Data>`;
  const marks = points.map(
    (p, i) => `<Placemark><name>${device.name}</name><visibility>true</visibility><description /><TimeStamp><when>${new Date(p.t).toISOString().replace('.000Z', 'Z')}</when></TimeStamp>
<styleUrl>#style_1</styleUrl><ExtendedData>${data('Id', 1000 + i)}${data('Time UTC', us(p.t))}${data('Time', us(p.t))}${data('Name', device.name)}${data('Map Display Name', device.name)}${data('Device Type', 'inReach Mini')}${data('IMEI', '300000000000001')}<Data name="Incident Id"><value /></Data>${data('Latitude', p.lat.toFixed(6))}${data('Longitude', p.lon.toFixed(6))}${data('Elevation', `${(p.alt ?? 100).toFixed(2)} m from MSL`)}${data('Velocity', '9.0 km/h')}${data('Course', '45.00 ° True')}${data('Valid GPS Fix', p.noFix ? 'False' : 'True')}${data('In Emergency', p.emergency ? 'True' : 'False')}<Data name="Text"><value /></Data>${data('Event', p.emergency ? 'Emergency declared.' : 'Tracking message received.')}<Data name="Device Identifier"><value /></Data>${data('SpatialRefSystem', 'WGS84')}</ExtendedData>
<Point><extrude>false</extrude><altitudeMode>absolute</altitudeMode><coordinates>${p.lon},${p.lat},${p.alt ?? 100}</coordinates></Point></Placemark>`,
  );
  const line = points.length ? `<Placemark><name>${device.name}</name><description>${device.name}'s track log</description><LineString><tessellate>true</tessellate><coordinates>${points.map((p) => `${p.lon},${p.lat},${p.alt ?? 100}`).join(' ')}</coordinates></LineString></Placemark>` : '';
  return `<?xml version="1.0" encoding="utf-8"?>
<kml xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://www.opengis.net/kml/2.2">
<Document><name>KML Export</name><Folder><name>${device.name}</name>${marks.join('\n')}${line}</Folder></Document></kml>`;
}

/** One page of a SPOT feed as its API serves it (newest first), or its E-0195 when there is nothing. */
export function spotJson(feedId: string, points: readonly FeedPoint[], start: number, total: number): string {
  if (points.length === 0) {
    return JSON.stringify({ response: { errors: { error: { code: 'E-0195', text: 'No Messages to display', description: `No displayable messages found found for feed: ${feedId}` } } } });
  }
  const message = points.map((p, i) => ({
    '@clientUnixTime': '0',
    id: 1_300_000_000 + start + i,
    messengerId: '0-8139942',
    messengerName: 'SPOT3',
    unixTime: Math.round(p.t / 1000),
    messageType: p.type ?? (p.emergency ? 'HELP' : 'TRACK'),
    latitude: p.lat,
    longitude: p.lon,
    modelId: 'SPOT3',
    showCustomMsg: 'Y',
    dateTime: `${new Date(p.t).toISOString().slice(0, 19)}+0000`,
    batteryState: 'GOOD',
    hidden: 0,
    altitude: p.alt ?? 0,
  }));
  return JSON.stringify({
    response: {
      feedMessageResponse: {
        count: message.length,
        feed: { id: feedId, name: 'Race', description: 'Race', status: 'ACTIVE', usage: 0, daysRange: 7, detailedMessageShown: true, type: 'SHARED_PAGE' },
        totalCount: total,
        activityCount: 0,
        messages: { message: message.length === 1 ? message[0] : message },
      },
    },
  });
}

export class FeedServer {
  readonly inreach = new Map<string, FeedDevice>();
  readonly spot = new Map<string, FeedDevice>();
  readonly requests: string[] = [];
  private server: Server | null = null;
  url = '';

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => this.answer(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    this.requests.push(url.pathname + url.search);
    const inreach = /^\/inreach\/([^/]+)$/.exec(url.pathname);
    const spot = /^\/spot\/([^/]+)\/message\.json$/.exec(url.pathname);
    if (inreach) {
      const device = this.inreach.get(decodeURIComponent(inreach[1]!));
      // An unknown MapShare name answers 200 with nothing in it, as Garmin does.
      if (!device) return void res.writeHead(200, { 'content-type': 'application/vnd.google-earth.kml+xml' }).end('');
      const auth = req.headers.authorization ?? '';
      const given = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':').slice(1).join(':') : null;
      if (device.password && given !== device.password) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="MapShare"' }).end();
      const d1 = url.searchParams.get('d1');
      const since = d1 ? Date.parse(d1.replace(/z$/i, 'Z')) : null;
      const points = since === null ? device.points.slice(-1) : device.points.filter((p) => p.t >= since);
      return void res.writeHead(200, { 'content-type': 'application/vnd.google-earth.kml+xml' }).end(mapShareKml(device, points));
    }
    if (spot) {
      const id = decodeURIComponent(spot[1]!);
      const device = this.spot.get(id);
      if (!device) {
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ response: { errors: { error: { code: 'E-0160', text: 'Feed Not Found', description: `Feed with Id: ${id} not found.` } } } }));
      }
      if (device.password && url.searchParams.get('feedPassword') !== device.password) {
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ response: { errors: { error: { code: 'E-0161', text: 'Invalid Feed Password', description: 'Feed password is invalid.' } } } }));
      }
      const startDate = url.searchParams.get('startDate');
      const since = startDate ? Date.parse(startDate.replace(/-0000$/, 'Z')) : -Infinity;
      const newestFirst = device.points.filter((p) => p.t >= since).sort((a, b) => b.t - a.t);
      const start = Number(url.searchParams.get('start') ?? 0);
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(spotJson(id, newestFirst.slice(start, start + 50), start, newestFirst.length));
    }
    res.writeHead(404).end();
  }
}
