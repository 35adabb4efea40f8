/**
 * Course files shaped to cost a server as much as possible, each within the 20 MiB an upload may be: many
 * different short lines (every line compared with every other), one huge track near the size limit, and
 * nesting a hundred thousand levels deep.
 */

/** `n` different 2-point lines in a GeoJSON FeatureCollection (2,000 lines: about 200 KiB). */
export function geoJsonOfManyLines(n: number): string {
  const features = Array.from({ length: n }, (_, i) => ({
    type: 'Feature',
    properties: {},
    geometry: { type: 'LineString', coordinates: [[11 + i * 1e-4, 48], [11 + i * 1e-4, 48.001]] },
  }));
  return JSON.stringify({ type: 'FeatureCollection', features });
}

/** `n` different 2-point tracks in a GPX (4,000 tracks: about 350 KiB). */
export function gpxOfManyTracks(n: number): string {
  let body = '';
  for (let i = 0; i < n; i++) {
    const lon = (11 + i * 1e-4).toFixed(5);
    body += `<trk><trkseg><trkpt lat="48" lon="${lon}"/><trkpt lat="48.001" lon="${lon}"/></trkseg></trk>\n`;
  }
  return `<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">${body}</gpx>`;
}

/** One track of as many points as fit in `bytes` (19.9 MiB: over 600,000 points, 34 bytes each). */
export function gpxNearSizeLimit(bytes: number): string {
  const head = '<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Huge</name><trkseg>';
  const tail = '</trkseg></trk></gpx>';
  const parts: string[] = [head];
  let size = head.length + tail.length;
  for (let i = 0; ; i++) {
    const pt = `<trkpt lat="${(48 + (i % 10_000) * 1e-4).toFixed(4)}" lon="${(11 + Math.floor(i / 10_000) * 0.01).toFixed(2)}"/>`;
    if (size + pt.length > bytes) break;
    parts.push(pt);
    size += pt.length;
  }
  parts.push(tail);
  return parts.join('');
}

/** A KML whose Placemark sits inside `levels` nested Folders. */
export function deepKml(levels: number): string {
  return `<kml xmlns="http://www.opengis.net/kml/2.2">${'<Folder>'.repeat(levels)}<Placemark><LineString><coordinates>11,48 11,48.01</coordinates></LineString></Placemark>${'</Folder>'.repeat(levels)}</kml>`;
}

/** A GeoJSON geometry nested `levels` GeometryCollections deep. */
export function deepGeoJson(levels: number): string {
  const line = '{"type":"LineString","coordinates":[[11,48],[11,48.01]]}';
  return `${'{"type":"GeometryCollection","geometries":['.repeat(levels)}${line}${']}'.repeat(levels)}`;
}

/** Arrays nested `levels` deep as a LineString's coordinates. */
export function deepGeoJsonArrays(levels: number): string {
  return `{"type":"LineString","coordinates":${'['.repeat(levels)}${']'.repeat(levels)}}`;
}
