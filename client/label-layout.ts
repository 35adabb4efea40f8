/**
 * Where runner names go on the map so that none covers another. Greedy by priority: the followed runner
 * first (always placed), then the runner being peeked at, then moving runners, then the rest; each tries
 * a few spots around its marker and is left out when all of them overlap a name already placed.
 */

export interface LabelCandidate {
  id: string;
  /** Marker centre, px in the map's container. */
  x: number;
  y: number;
  /** Label width, px. */
  width: number;
  /** Lower goes first; 0 is always placed. */
  priority: number;
}

export interface PlacedLabel {
  id: string;
  /** Top-left corner, px in the map's container. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LayoutOptions {
  width: number;
  height: number;
  labelHeight?: number;
  /** Clearance between a marker and its label, px. */
  gap?: number;
  /** Most labels drawn at once. */
  max?: number;
  /** Areas no label may cover (the map's own buttons). */
  obstacles?: ReadonlyArray<{ x: number; y: number; width: number; height: number }>;
}

const CELL = 64;

/**
 * Spots around a marker, in order of preference: right, left, above, below, the corners, then one row
 * further up and down (a crowded start still gets most names, each near its marker).
 */
function spots(c: LabelCandidate, h: number, gap: number): Array<[number, number]> {
  const w = c.width;
  return [
    [c.x + gap, c.y - h / 2],
    [c.x - gap - w, c.y - h / 2],
    [c.x - w / 2, c.y - gap - h],
    [c.x - w / 2, c.y + gap],
    [c.x + gap - 4, c.y - gap - h + 4],
    [c.x + gap - 4, c.y + gap - 4],
    [c.x - gap - w + 4, c.y - gap - h + 4],
    [c.x - gap - w + 4, c.y + gap - 4],
    [c.x + gap - 4, c.y - gap - 2 * h],
    [c.x + gap - 4, c.y + gap + h],
    [c.x - gap - w + 4, c.y - gap - 2 * h],
    [c.x - gap - w + 4, c.y + gap + h],
  ];
}

export function layoutLabels(candidates: readonly LabelCandidate[], opts: LayoutOptions): PlacedLabel[] {
  const h = opts.labelHeight ?? 20;
  const gap = opts.gap ?? 11;
  const max = opts.max ?? 150;
  const order = candidates
    .map((c, i) => ({ c, i }))
    .sort((a, b) => a.c.priority - b.c.priority || a.i - b.i)
    .map((e) => e.c);
  const placed: PlacedLabel[] = [];
  const grid = new Map<string, number[]>();
  const cells = (r: PlacedLabel) => {
    const keys: string[] = [];
    for (let gx = Math.floor(r.x / CELL); gx <= Math.floor((r.x + r.width) / CELL); gx++) {
      for (let gy = Math.floor(r.y / CELL); gy <= Math.floor((r.y + r.height) / CELL); gy++) keys.push(`${gx},${gy}`);
    }
    return keys;
  };
  const overlaps = (r: PlacedLabel) =>
    cells(r).some((k) =>
      (grid.get(k) ?? []).some((i) => {
        const o = placed[i]!;
        return r.x < o.x + o.width && o.x < r.x + r.width && r.y < o.y + o.height && o.y < r.y + r.height;
      }),
    );
  const inside = (r: PlacedLabel) => r.x >= 0 && r.y >= 0 && r.x + r.width <= opts.width && r.y + r.height <= opts.height;
  const add = (r: PlacedLabel) => {
    placed.push(r);
    for (const k of cells(r)) {
      const list = grid.get(k);
      if (list) list.push(placed.length - 1);
      else grid.set(k, [placed.length - 1]);
    }
  };

  for (const o of opts.obstacles ?? []) add({ id: '', ...o });
  const obstacles = placed.length;

  for (const c of order) {
    if (placed.length - obstacles >= max) break;
    const width = Math.min(c.width, opts.width);
    let chosen: PlacedLabel | null = null;
    for (const [x, y] of spots({ ...c, width }, h, gap)) {
      const r = { id: c.id, x, y, width, height: h };
      if (inside(r) && !overlaps(r)) {
        chosen = r;
        break;
      }
    }
    if (!chosen && c.priority === 0) {
      // The followed runner's name is always shown: to the right, kept inside the map.
      const [x, y] = spots({ ...c, width }, h, gap)[0]!;
      chosen = {
        id: c.id,
        x: Math.max(0, Math.min(x, opts.width - width)),
        y: Math.max(0, Math.min(y, opts.height - h)),
        width,
        height: h,
      };
    }
    if (chosen) add(chosen);
  }
  return placed.slice(obstacles);
}
