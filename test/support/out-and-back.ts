/** A 2.5 km out-and-back due north from `start` (5 km in all) as a GPX with heights, and where a runner is after m metres of it. */
import { offsetM } from '../../lib/geo';

export function outAndBackGpx(start: readonly [number, number], name: string): string {
  const pts: string[] = [];
  const add = (m: number, east: number) => {
    const [lat, lon] = offsetM(start[0], start[1], m, east);
    pts.push(`<trkpt lat="${lat.toFixed(7)}" lon="${lon.toFixed(7)}"><ele>${(10 + m / 100).toFixed(1)}</ele></trkpt>`);
  };
  for (let m = 0; m <= 2500; m += 25) add(m, 0);
  // The way back a metre to the east: the two halves lie side by side, as a road's two lanes do.
  for (let m = 2475; m >= 0; m -= 25) add(m, 1);
  return `<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>${name}</name><trkseg>${pts.join('')}</trkseg></trk></gpx>`;
}

export function alongOutAndBack(start: readonly [number, number], m: number): [number, number] {
  return m <= 2500 ? offsetM(start[0], start[1], m, 0) : offsetM(start[0], start[1], 5000 - m, 0);
}
