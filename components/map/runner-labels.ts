/**
 * Runner names on the map, as DOM labels in a pane of their own: placed where they fit (client/label-layout.ts)
 * around the markers on screen, never over the course's labels or the map's controls, and no more than the
 * map has room for (one name per ROOM_PX of map); the followed runner's name always shows. Names the page
 * does not know yet are asked for (`who`) for the markers that could get one.
 */
import L from 'leaflet';
import type { FieldStore } from '../../client/field-store';
import { type LabelCandidate, layoutLabels } from '../../client/label-layout';
import { colorHex, Flag } from '../../lib/live-codec';
import type { Shown } from './runner-layer';

const LABEL_FONT = `700 12px system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif`;
/** Map area per name, px²: a phone map gets a handful of names, a desktop one a few dozen. */
const ROOM_PX = 30_000;
/** Past this many markers on screen there is no room for anyone's name but the followed runner's. */
const CROWD = 600;

let measureCtx: CanvasRenderingContext2D | null = null;
const widths = new Map<string, number>();
/** Label width for a name: text, padding and the colour bar, capped like the CSS max-width. */
export function labelWidth(name: string): number {
  // Outdoor mode draws thicker borders (2 px all round, 6 px for the colour bar): the tag is wider by as much.
  const outdoor = document.documentElement.dataset.contrast === 'high';
  const key = outdoor ? `!${name}` : name;
  let w = widths.get(key);
  if (w === undefined) {
    measureCtx ??= document.createElement('canvas').getContext('2d');
    if (measureCtx) measureCtx.font = LABEL_FONT;
    w = Math.min(220, Math.ceil((measureCtx?.measureText(name).width ?? name.length * 7) + (outdoor ? 26 : 18)));
    if (widths.size > 5000) widths.clear();
    widths.set(key, w);
  }
  return w;
}

export interface LabelChoice {
  followId: string | null;
  peekId: string | null;
  /** Display colour per runner id (client/colors.ts), where assigned. */
  colors: ReadonlyMap<string, string>;
  /**
   * Runners named wherever they are, at their place (container px): the followed runner (always, priority 0)
   * and the one pointed at (priority 1), whether or not the markers on screen were listed.
   */
  followed: ReadonlyArray<{ id: string; name: string; color: string; x: number; y: number; priority?: number }>;
}

export class RunnerLabels {
  private readonly els = new Map<string, HTMLDivElement>();
  placed = new Set<string>();

  constructor(
    private readonly map: L.Map,
    private readonly pane: HTMLElement,
    private readonly onClick: (id: string) => void,
  ) {}

  /** Place names for the markers on screen; answers the indices whose names should be asked for. */
  place(shown: readonly Shown[], field: FieldStore, choice: LabelChoice): number[] {
    const map = this.map;
    const size = map.getSize();
    const candidates: LabelCandidate[] = [];
    const names = new Map<string, { name: string; color: string }>();
    const wanted: number[] = [];
    for (const f of choice.followed) {
      if (names.has(f.id)) continue;
      names.set(f.id, { name: f.name, color: choice.colors.get(f.id) ?? f.color });
      candidates.push({ id: f.id, x: f.x, y: f.y, width: labelWidth(f.name), priority: f.priority ?? 0 });
    }
    const inView = shown.filter((s) => s.x >= -20 && s.y >= -20 && s.x <= size.x + 20 && s.y <= size.y + 20);
    const crowded = inView.length > CROWD;
    for (const s of inView) {
      const known = field.known.get(s.n);
      if (!known) {
        if (!crowded) wanted.push(s.n);
        continue;
      }
      if (names.has(known.id)) continue;
      const peeked = known.id === choice.peekId;
      if (crowded && !peeked) continue;
      const flags = field.flags[s.n]!;
      const priority = peeked ? 1 : (flags & Flag.Status) === 0 ? 2 : 3;
      names.set(known.id, { name: known.name, color: choice.colors.get(known.id) ?? colorHex(field.displayColor(s.n)) });
      candidates.push({ id: known.id, x: s.x, y: s.y, width: labelWidth(known.name), priority });
    }
    // The map's controls, its buttons and the course's own labels stay uncovered.
    const origin = map.getContainer().getBoundingClientRect();
    const wrap = map.getContainer().parentElement ?? map.getContainer();
    const obstacles = Array.from(wrap.querySelectorAll('.leaflet-control, .map-tools, .map-legend, .course-mark:not(.hidden) span')).map((c) => {
      const r = c.getBoundingClientRect();
      return { x: r.left - origin.left - 4, y: r.top - origin.top - 4, width: r.width + 8, height: r.height + 8 };
    });
    const room = Math.max(1, Math.floor((size.x * size.y) / ROOM_PX));
    const always = choice.followed.filter((f) => (f.priority ?? 0) === 0).length;
    const spots = layoutLabels(candidates, { width: size.x, height: size.y, obstacles, max: room + always });
    const keep = new Set<string>();
    for (const spot of spots) {
      const who = names.get(spot.id)!;
      keep.add(spot.id);
      let label = this.els.get(spot.id);
      if (!label) {
        label = document.createElement('div');
        label.className = 'runner-label';
        label.dataset.runner = spot.id;
        L.DomEvent.disableClickPropagation(label);
        const id = spot.id;
        label.addEventListener('click', () => this.onClick(id));
        this.pane.appendChild(label);
        this.els.set(spot.id, label);
      }
      // Names are text, never HTML.
      if (label.textContent !== who.name) label.textContent = who.name;
      const followed = spot.id === choice.followId;
      const peeked = spot.id === choice.peekId;
      const look = `${who.color} ${spot.width} ${followed} ${peeked}`;
      if (label.dataset.look !== look) {
        label.dataset.look = look;
        label.style.setProperty('--c', who.color);
        label.style.width = `${spot.width}px`;
        label.classList.toggle('followed', followed);
        label.classList.toggle('peek', peeked);
      }
      const at = map.containerPointToLayerPoint([spot.x, spot.y]).round();
      const pos = `${at.x},${at.y}`;
      if (label.dataset.pos !== pos) {
        label.dataset.pos = pos;
        L.DomUtil.setPosition(label, at);
      }
    }
    for (const [id, label] of this.els) {
      if (keep.has(id)) continue;
      label.remove();
      this.els.delete(id);
    }
    this.placed = keep;
    // Ask for the names of markers that could get one: the nearest the middle of the map first.
    const cx = size.x / 2;
    const cy = size.y / 2;
    const byId = new Map(inView.map((s) => [s.n, s]));
    wanted.sort((a, b) => {
      const p = byId.get(a)!;
      const q = byId.get(b)!;
      return (p.x - cx) ** 2 + (p.y - cy) ** 2 - ((q.x - cx) ** 2 + (q.y - cy) ** 2);
    });
    // Only as many as could get a name, and a few more: a name costs bytes on a slow network.
    return wanted.slice(0, Math.min(200, room * 3));
  }

  clear(): void {
    for (const label of this.els.values()) label.remove();
    this.els.clear();
    this.placed = new Set();
  }
}
