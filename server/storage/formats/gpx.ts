/**
 * A runner's track as a GPX 1.1 document (https://www.topografix.com/GPX/1/1/gpx.xsd), in three parts so
 * a long track can be streamed: `gpxHead`, one `gpxPoint` per fix in time order, `gpxTail`.
 * Pure: the caller reads the positions and writes the text.
 */
import { type Course, positionAt } from '../../../lib/course/course';
import type { StoredPosition } from '../store';

export interface GpxInput {
  event: { id: string; name: string };
  runner: { id: string; name: string };
  positions: StoredPosition[];
  creator?: string;
}

// Anything outside XML 1.0's Char production (control characters, lone surrogates, U+FFFE/FFFF)
// makes the whole file unparseable, and an escape cannot save it: &#1; is just as illegal.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Safe both as element text and inside a double-quoted attribute. */
function xmlText(value: string): string {
  return value.replace(NOT_XML_CHAR, '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? '');
}

/** Fixed-point, because xsd:decimal has no exponent form and String(1e-7) is "1e-7". */
function decimal(value: number, digits: number): string {
  const s = value.toFixed(digits).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/** GPX longitude is [-180, 180): the antimeridian is written as -180, also when rounding reaches it. */
function longitude(lon: number): string {
  const rounded = Number(lon.toFixed(7));
  return decimal(rounded >= 180 ? rounded - 360 : rounded, 7);
}

// One corrupt row must not make the whole download fail validation (or toISOString throw).
export function representable(p: StoredPosition): boolean {
  return (
    Number.isFinite(p.lat) && Math.abs(p.lat) <= 90 &&
    Number.isFinite(p.lon) && Math.abs(p.lon) <= 180 &&
    Number.isFinite(p.t) && !Number.isNaN(new Date(p.t).getTime())
  );
}

/** One <trkpt> line; empty for a fix that GPX cannot hold. */
export function gpxPoint(p: StoredPosition): string {
  if (!representable(p)) return '';
  // wptType is a sequence: ele must come before time. Speed and heading have no place in GPX 1.1
  // outside <extensions>, so they are left out rather than written as invalid elements.
  const ele = p.alt !== null && Number.isFinite(p.alt) ? `<ele>${decimal(p.alt, 2)}</ele>` : '';
  return `      <trkpt lat="${decimal(p.lat, 7)}" lon="${longitude(p.lon)}">${ele}<time>${new Date(p.t).toISOString()}</time></trkpt>\n`;
}

/** Everything before the first point; `start` is the first fix's time, when known. */
export function gpxHead(event: { name: string }, runner: { name: string }, start: number | null, creator = 'Trackside'): string {
  const time = start !== null && Number.isFinite(start) ? `<time>${new Date(start).toISOString()}</time>` : '';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<gpx version="1.1" creator="${xmlText(creator)}" xmlns="http://www.topografix.com/GPX/1/1"` +
      ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
      ' xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd">',
    `  <metadata><name>${xmlText(`${runner.name} — ${event.name}`)}</name>${time}</metadata>`,
    '  <trk>',
    `    <name>${xmlText(runner.name)}</name>`,
    '    <trkseg>',
    '',
  ].join('\n');
}

export function gpxTail(): string {
  return '    </trkseg>\n  </trk>\n</gpx>\n';
}

/** A whole document at once, for short tracks and tests. */
export function toGpx({ event, runner, positions, creator = 'Trackside' }: GpxInput): string {
  const points = positions.filter(representable).sort((a, b) => a.t - b.t || a.seq - b.seq);
  return gpxHead(event, runner, points[0]?.t ?? null, creator) + points.map(gpxPoint).join('') + gpxTail();
}

/**
 * A course as GPX: its checkpoints as waypoints (with their distance in the description), then the line
 * as one track with elevations when the course has them. Watches and apps that follow a route take this.
 */
export function courseGpx(event: { name: string }, course: Course): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<gpx version="1.1" creator="Trackside" xmlns="http://www.topografix.com/GPX/1/1"' +
      ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' +
      ' xsi:schemaLocation="http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd">',
    `  <metadata><name>${xmlText(course.name ?? event.name)}</name></metadata>`,
  ];
  for (const cp of course.checkpoints) {
    const [lat, lon] = positionAt(course, cp.at);
    lines.push(`  <wpt lat="${decimal(lat, 7)}" lon="${longitude(lon)}"><name>${xmlText(cp.name)}</name><desc>${decimal(cp.at, 1)} m</desc></wpt>`);
  }
  lines.push('  <trk>', `    <name>${xmlText(course.name ?? event.name)}</name>`, '    <trkseg>');
  course.points.forEach(([lat, lon], i) => {
    const alt = course.elevations?.[i];
    const ele = alt !== undefined && Number.isFinite(alt) ? `<ele>${decimal(alt, 1)}</ele>` : '';
    lines.push(`      <trkpt lat="${decimal(lat, 7)}" lon="${longitude(lon)}">${ele}</trkpt>`);
  });
  lines.push('    </trkseg>', '  </trk>', '</gpx>', '');
  return lines.join('\n');
}
