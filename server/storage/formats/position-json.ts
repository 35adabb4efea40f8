/** One stored fix as JSON: the text JSON.stringify writes, without its cost (exports write millions). */
import type { StoredPosition } from '../store';

const n = (v: number | null) => (v === null ? 'null' : String(v));

export function positionJson(p: StoredPosition): string {
  return `{"seq":${p.seq},"lat":${p.lat},"lon":${p.lon},"t":${p.t},"acc":${p.acc},"alt":${n(p.alt)},"spd":${n(p.spd)},"hdg":${n(p.hdg)},"bat":${n(p.bat)}}`;
}
