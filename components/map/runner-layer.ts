/**
 * Every runner of the field on one canvas inside Leaflet: 30,000 markers in a few milliseconds, drawn from
 * the field store's typed arrays (client/field-store.ts) with one pre-drawn sprite per look. Panning moves
 * the canvas with the map and draws nothing; zooming scales it while it animates and draws once at the end;
 * news from the server draws at most once per animation frame, and not while the map is being dragged.
 *
 * A marker's look says how its position is known (`kind`): a fix (solid), predicted between timing mats
 * (a ring), or a ghost (faint, dashed) with its band of where the runner probably is. Markers shrink as
 * the view gets crowded; the runners followed are drawn last, larger, with a dark ring.
 */
import L from 'leaflet';
import type { FieldStore } from '../../client/field-store';
import { Flag, kindOf, type MarkerKind } from '../../lib/live-codec';
import { WORLD_ZOOM, worldX, worldY } from '../../lib/tiles';
import { PixelBuffer, type Sprite, spriteOf } from './stamp';

/** A runner drawn above the rest, where the page knows them exactly (a followed runner's latest fix). */
export interface Highlight {
  id: string;
  lat: number;
  lon: number;
  color: string;
  /** Their index in the field, if they are in it (their field marker is then not drawn again). */
  n?: number;
  dim: boolean;
  kind?: MarkerKind;
  /** Drawn by another layer (a chip-only runner's predicted place): only their field marker is left out. */
  hidden?: boolean;
}

/** Where a runner probably is: a stretch of the course from slowest to fastest plausible progress. */
export interface Band {
  color: string;
  points: ReadonlyArray<readonly [number, number]>;
}

/** A marker on screen: the field index and where it is, px in the map's container. */
export interface Shown {
  n: number;
  x: number;
  y: number;
}

const PADDING = 0.25;
const CELL = 24;
/** Past this many markers on the canvas nobody's name is placed but the followed runner's and the one pointed at: no list is made. */
const LISTED_MAX = 2000;

function size(visible: number): { r: number; ring: number } {
  if (visible > 8000) return { r: 2, ring: 0 };
  if (visible > 2000) return { r: 3, ring: 0.75 };
  if (visible > 300) return { r: 5, ring: 1.5 };
  return { r: 7, ring: 2 };
}

const hex = (c: number) => `#${(c & 0xffffff).toString(16).padStart(6, '0')}`;

export class RunnerLayer extends L.Layer {
  private canvas!: HTMLCanvasElement;
  private ctx!: CanvasRenderingContext2D;
  private frame: number | null = null;
  private dragging = false;
  private dirtyWhileDragging = false;
  private drawnVersion = -1;
  private origin = L.point(0, 0);
  private center = L.latLng(0, 0);
  private zoom = 0;
  private readonly sprites = new Map<string, HTMLCanvasElement>();
  private readonly stamps = new Map<string, Sprite>();
  private buffer: PixelBuffer | null = null;
  private grid = new Map<number, number[]>();
  private shown: Shown[] = [];
  private topLeft = L.point(0, 0);
  private shownX = new Float64Array(0);
  private shownY = new Float64Array(0);
  private radius = 7;
  private highlights: Highlight[] = [];
  private bands: Band[] = [];
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly field: FieldStore,
    /** Called after every draw with the markers on screen (labels are placed from them). */
    private readonly drawn: (shown: readonly Shown[], kinds: ReadonlySet<MarkerKind>) => void,
  ) {
    super();
  }

  onAdd(map: L.Map): this {
    const pane = map.getPane('runners') ?? map.createPane('runners');
    pane.style.zIndex = '450';
    pane.style.pointerEvents = 'none';
    this.canvas = L.DomUtil.create('canvas', 'runner-canvas leaflet-zoom-animated', pane);
    this.canvas.setAttribute('aria-hidden', 'true');
    this.ctx = this.canvas.getContext('2d')!;
    map.on('moveend zoomend resize viewreset', this.reset);
    map.on('zoomanim', this.animateZoom);
    map.on('dragstart', this.dragStart);
    map.on('dragend', this.dragEnd);
    this.unsubscribe = this.field.subscribe(() => this.redraw());
    this.reset();
    return this;
  }

  onRemove(map: L.Map): this {
    map.off('moveend zoomend resize viewreset', this.reset);
    map.off('zoomanim', this.animateZoom);
    map.off('dragstart', this.dragStart);
    map.off('dragend', this.dragEnd);
    this.unsubscribe?.();
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.canvas.remove();
    return this;
  }

  /** Runners drawn above everyone (followed), and ghost bands under the markers. */
  setHighlights(highlights: Highlight[], bands: Band[] = []): void {
    this.highlights = highlights;
    this.bands = bands;
    this.drawnVersion = -1;
    this.redraw();
  }

  /** Draw in the next animation frame (or after the drag ends). */
  redraw(): void {
    if (this.dragging) {
      this.dirtyWhileDragging = true;
      return;
    }
    if (this.frame === null && this._map) this.frame = requestAnimationFrame(() => this.draw());
  }

  private readonly dragStart = (): void => {
    this.dragging = true;
  };

  private readonly dragEnd = (): void => {
    this.dragging = false;
    if (this.dirtyWhileDragging) {
      this.dirtyWhileDragging = false;
      this.redraw();
    }
  };

  /** The map moved or resized: place the canvas over the view again and draw. */
  private readonly reset = (): void => {
    const map = this._map;
    if (!map) return;
    const sz = map.getSize();
    const min = map.containerPointToLayerPoint(sz.multiplyBy(-PADDING)).round();
    const w = Math.round(sz.x * (1 + 2 * PADDING));
    const h = Math.round(sz.y * (1 + 2 * PADDING));
    const dpr = window.devicePixelRatio || 1;
    L.DomUtil.setPosition(this.canvas, min);
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${h}px`;
    }
    this.origin = min;
    this.center = map.getCenter();
    this.zoom = map.getZoom();
    this.drawnVersion = -1;
    // Several moves in one frame (a fit sets bounds, zoom and view) draw once; until then the canvas is blank
    // rather than showing the last picture at the wrong place.
    this.ctx.setTransform(1, 0, 0, 1, 0, 0);
    this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (this.frame === null) this.frame = requestAnimationFrame(() => this.draw());
  };

  /** While a zoom animates, the drawn canvas scales with the map, as Leaflet's own renderers do. */
  private readonly animateZoom = (e: L.ZoomAnimEvent): void => {
    const map = this._map;
    const scale = map.getZoomScale(e.zoom, this.zoom);
    const viewHalf = map.getSize().multiplyBy(0.5 + PADDING);
    const panePos = L.DomUtil.getPosition(map.getPane('mapPane')!);
    const newOrigin = map.project(e.center, e.zoom).subtract(map.getSize().divideBy(2)).add(panePos).round();
    const offset = viewHalf.multiplyBy(-scale).add(map.project(this.center, e.zoom)).subtract(newOrigin);
    L.DomUtil.setTransform(this.canvas, offset, scale);
  };

  private sprite(color: number | string, r: number, ring: number, kind: MarkerKind, dim: boolean, followed: boolean): HTMLCanvasElement {
    const key = `${color}|${r}|${ring}|${kind}|${dim}|${followed}`;
    let s = this.sprites.get(key);
    if (s) return s;
    const dpr = window.devicePixelRatio || 1;
    const span = Math.ceil((r + ring + 1) * 2 * dpr);
    s = document.createElement('canvas');
    s.width = s.height = span;
    const c = s.getContext('2d')!;
    c.scale(dpr, dpr);
    const mid = span / dpr / 2;
    const fill = typeof color === 'number' ? hex(color) : color;
    c.beginPath();
    c.arc(mid, mid, r, 0, Math.PI * 2);
    c.globalAlpha = kind === 'ghost' ? 0.35 : dim ? 0.55 : 1;
    c.fillStyle = kind === 'predicted' ? '#ffffff' : fill;
    c.fill();
    c.globalAlpha = 1;
    if (kind === 'predicted' || ring > 0) {
      c.lineWidth = kind === 'predicted' ? Math.max(2, ring + 1) : ring;
      c.strokeStyle = followed ? '#111827' : kind === 'predicted' ? fill : '#ffffff';
      if (kind === 'ghost') c.setLineDash([2, 2]);
      c.stroke();
    }
    if (this.sprites.size > 500) this.sprites.clear();
    this.sprites.set(key, s);
    return s;
  }

  /** A look as pixels, for stamping into the frame. */
  private stampOf(color: number, r: number, ring: number, kind: MarkerKind, dim: boolean): Sprite {
    const key = `${color}|${r}|${ring}|${kind}|${dim}`;
    let s = this.stamps.get(key);
    if (!s) {
      if (this.stamps.size > 500) this.stamps.clear();
      s = spriteOf(this.sprite(color, r, ring, kind, dim, false));
      this.stamps.set(key, s);
    }
    return s;
  }

  private draw(): void {
    this.frame = null;
    const map = this._map;
    if (!map) return;
    const field = this.field;
    const dpr = window.devicePixelRatio || 1;
    const ctx = this.ctx;
    const w = this.canvas.width / dpr;
    const h = this.canvas.height / dpr;
    const scale = 2 ** (this.zoom - WORLD_ZOOM);
    const pixelOrigin = map.getPixelOrigin();
    const ox = pixelOrigin.x + this.origin.x;
    const oy = pixelOrigin.y + this.origin.y;
    const skip = new Set<number>();
    for (const hl of this.highlights) if (hl.n !== undefined) skip.add(hl.n);

    // Which markers fall on the canvas, first: their number sets the markers' size.
    if (this.shownX.length < field.count) {
      this.shownX = new Float64Array(field.count);
      this.shownY = new Float64Array(field.count);
    }
    const on: number[] = [];
    const sz = map.getSize();
    let inView = 0;
    for (let n = 0; n < field.count; n++) {
      if (!field.placed[n]) continue;
      const x = field.x[n]! * scale - ox;
      const y = field.y[n]! * scale - oy;
      if (x < -12 || y < -12 || x > w + 12 || y > h + 12) continue;
      this.shownX[n] = x;
      this.shownY[n] = y;
      on.push(n);
      const cx = x + this.origin.x;
      const cy = y + this.origin.y;
      if (cx >= -PADDING * sz.x && cy >= -PADDING * sz.y) inView++;
    }
    const { r, ring } = size(inView / (1 + 2 * PADDING) ** 2);
    this.radius = r;

    // Markers go into the frame's pixels in one pass, then onto the canvas at once.
    const cw = this.canvas.width;
    const ch = this.canvas.height;
    if (!this.buffer || this.buffer.width !== cw || this.buffer.height !== ch) this.buffer = new PixelBuffer(cw, ch);
    const buffer = this.buffer;
    buffer.clear();
    const grid = new Map<number, number[]>();
    const listed = on.length <= LISTED_MAX;
    const shown: Shown[] = [];
    const kinds = new Set<MarkerKind>();
    const counts = { ghost: 0, predicted: 0 };
    const topLeft = map.layerPointToContainerPoint(this.origin);
    for (const n of on) {
      if (skip.has(n)) continue;
      const flags = field.flags[n]!;
      const dim = (flags & Flag.Status) !== 0 && !(flags & Flag.Finished);
      const kind = kindOf(flags);
      if (kind !== 'gps') {
        kinds.add(kind);
        counts[kind]++;
      }
      const sprite = this.stampOf(field.displayColor(n), r, ring, kind, dim);
      const x = this.shownX[n]!;
      const y = this.shownY[n]!;
      buffer.stamp(sprite, Math.round(x * dpr - sprite.width / 2), Math.round(y * dpr - sprite.height / 2));
      const key = Math.floor(x / CELL) * 65536 + Math.floor(y / CELL);
      const cell = grid.get(key);
      if (cell) cell.push(n);
      else grid.set(key, [n]);
      if (listed) shown.push({ n, x: x + topLeft.x, y: y + topLeft.y });
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.putImageData(buffer.image, 0, 0);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    // Ghosts' bands under the markers.
    ctx.globalCompositeOperation = 'destination-over';
    for (const band of this.bands) this.drawBand(band, scale, ox, oy);
    ctx.globalCompositeOperation = 'source-over';
    // Alarms stand out: a red ring over the marker.
    ctx.strokeStyle = '#dc2626';
    ctx.lineWidth = 3;
    for (const n of on) {
      if (!(field.flags[n]! & Flag.Alert) || skip.has(n)) continue;
      ctx.beginPath();
      ctx.arc(this.shownX[n]!, this.shownY[n]!, r + 4, 0, Math.PI * 2);
      ctx.stroke();
    }
    for (const hl of this.highlights) {
      if (hl.hidden) continue;
      const x = worldX(hl.lon) * scale - ox;
      const y = worldY(hl.lat) * scale - oy;
      const s = this.sprite(hl.color, 11, 4, hl.kind ?? 'gps', hl.dim, true);
      ctx.drawImage(s, x - s.width / dpr / 2, y - s.height / dpr / 2, s.width / dpr, s.height / dpr);
    }
    this.grid = grid;
    this.shown = shown;
    this.topLeft = topLeft;
    this.drawnVersion = field.version;
    this.canvas.dataset.drawn = String(on.length - skip.size + this.highlights.filter((h) => !h.hidden).length);
    // How many markers of the field the estimator places, for the tests that look at the canvas.
    this.canvas.dataset.ghosts = String(counts.ghost);
    this.canvas.dataset.predicted = String(counts.predicted);
    this.drawn(shown, kinds);
  }

  /** Where runner `n` was drawn, px in the map's container; null when not on the canvas. */
  at(n: number): { x: number; y: number } | null {
    if (!this.grid.size || n >= this.field.count || !this.field.placed[n]) return null;
    const x = this.shownX[n]!;
    const y = this.shownY[n]!;
    const key = Math.floor(x / CELL) * 65536 + Math.floor(y / CELL);
    return this.grid.get(key)?.includes(n) ? { x: x + this.topLeft.x, y: y + this.topLeft.y } : null;
  }

  private drawBand(band: Band, scale: number, ox: number, oy: number): void {
    const ctx = this.ctx;
    ctx.beginPath();
    band.points.forEach(([lat, lon], i) => {
      const x = worldX(lon) * scale - ox;
      const y = worldY(lat) * scale - oy;
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.strokeStyle = band.color;
    ctx.globalAlpha = 0.3;
    ctx.lineWidth = 10;
    ctx.lineCap = 'round';
    ctx.stroke();
    ctx.globalAlpha = 1;
  }

  /** The runner under a point of the map's container (px), the nearest within reach; undefined for none. */
  pick(containerPoint: L.Point): number | undefined {
    const map = this._map;
    if (!map) return undefined;
    const topLeft = map.layerPointToContainerPoint(this.origin);
    const x = containerPoint.x - topLeft.x;
    const y = containerPoint.y - topLeft.y;
    const reach = Math.max(this.radius + 4, 10);
    let best: number | undefined;
    let bestD = reach * reach;
    for (let gx = Math.floor((x - reach) / CELL); gx <= Math.floor((x + reach) / CELL); gx++) {
      for (let gy = Math.floor((y - reach) / CELL); gy <= Math.floor((y + reach) / CELL); gy++) {
        for (const n of this.grid.get(gx * 65536 + gy) ?? []) {
          const d = (this.shownX[n]! - x) ** 2 + (this.shownY[n]! - y) ** 2;
          // Later markers are drawn on top: the topmost of equals wins.
          if (d <= bestD) {
            bestD = d;
            best = n;
          }
        }
      }
    }
    return best;
  }

  /** The markers on screen as last drawn (none listed when the canvas holds too many for names). */
  get onScreen(): readonly Shown[] {
    return this.shown;
  }

  get upToDate(): boolean {
    return this.drawnVersion === this.field.version;
  }
}
