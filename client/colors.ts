/**
 * Runner colours. One palette with no near-duplicates (every pair at least ΔE 23 apart in CIELAB, each
 * at least 3.9:1 against white, so a marker and its trail stand out from a light map), named for screen
 * readers. Runners pick one of the first eight; spectators see a display colour assigned so that no two
 * runners share one while the palette lasts, keeping each runner's own pick whenever it is free.
 */

export interface PaletteColor {
  name: string;
  hex: string;
}

export const PALETTE: readonly PaletteColor[] = [
  { name: 'Red', hex: '#d7263d' },
  { name: 'Orange', hex: '#d9480f' },
  { name: 'Green', hex: '#2b8a3e' },
  { name: 'Teal', hex: '#0b7a75' },
  { name: 'Blue', hex: '#1f5fd6' },
  { name: 'Purple', hex: '#8e2ab5' },
  { name: 'Magenta', hex: '#c2255c' },
  { name: 'Brown', hex: '#8a4b16' },
  { name: 'Amber', hex: '#9c7c00' },
  { name: 'Olive', hex: '#6b7a1f' },
  { name: 'Cyan', hex: '#0a7ea4' },
  { name: 'Navy', hex: '#1b2a8c' },
  { name: 'Maroon', hex: '#7d1128' },
  { name: 'Grey', hex: '#5c6670' },
  { name: 'Black', hex: '#1d1d1d' },
];

/** The colours a runner chooses from on their page. */
export const PICKABLE: readonly PaletteColor[] = PALETTE.slice(0, 8);

export const DEFAULT_COLOR = PICKABLE[0]!.hex;

function rgb(hex: string): [number, number, number] | null {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : null;
}

const linear = (c: number) => {
  const v = c / 255;
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
};

/** CIELAB (D65) of an sRGB colour. */
export function lab(hex: string): [number, number, number] {
  const [r, g, b] = (rgb(hex) ?? [0, 0, 0]).map(linear) as [number, number, number];
  const x = (r * 0.4124 + g * 0.3576 + b * 0.1805) / 0.95047;
  const y = r * 0.2126 + g * 0.7152 + b * 0.0722;
  const z = (r * 0.0193 + g * 0.1192 + b * 0.9505) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** Perceptual distance between two colours (CIE76 ΔE). */
export function deltaE(a: string, b: string): number {
  const p = lab(a);
  const q = lab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

/** WCAG contrast ratio between two colours. */
export function contrastRatio(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = (rgb(hex) ?? [0, 0, 0]).map(linear) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

const paletteLab = PALETTE.map((c) => lab(c.hex));
/** Runners' colours are few distinct values: each is matched to the palette once. */
const nearestCache = new Map<string, number>();

/** Index of the palette colour nearest to any colour (runners' colours come from the server as #rrggbb). */
export function nearestIndex(hex: string): number {
  const cached = nearestCache.get(hex);
  if (cached !== undefined) return cached;
  const q = lab(hex);
  let best = 0;
  let bestD = Infinity;
  paletteLab.forEach((p, i) => {
    const d = Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  if (nearestCache.size > 1000) nearestCache.clear();
  nearestCache.set(hex, best);
  return best;
}

/** Distances between palette colours, worked out once. */
const paletteDistance = paletteLab.map((p) => paletteLab.map((q) => Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2])));

export function colorName(hex: string): string {
  return PALETTE[nearestIndex(hex)]!.name;
}

/**
 * Display colours for runners in join order. Each runner keeps the colour they picked while nobody
 * earlier holds it; otherwise they get the least-used colour nearest to their pick (two runners on the
 * default red become red and, say, maroon). Past the palette's size colours repeat as evenly as possible.
 * Pure and decided by join order alone, so a runner's colour never changes when someone joins later,
 * and every spectator sees the same colours.
 */
export function assignColors(runners: ReadonlyArray<{ id: string; color: string }>): Map<string, string> {
  const shown = displayColorsInOrder(runners.map((r) => r.color));
  return new Map(runners.map((r, i) => [r.id, shown[i]!]));
}

/** The rule of assignColors over picks in join order: the colour each is drawn in, in the same order. */
export function displayColorsInOrder(picks: readonly string[]): string[] {
  const used = new Array<number>(PALETTE.length).fill(0);
  const out: string[] = [];
  let fewest = 0;
  for (const color of picks) {
    if (used.every((u) => u > fewest)) fewest++;
    const wanted = nearestIndex(color);
    let pick = wanted;
    if (used[wanted] !== fewest) {
      let bestD = Infinity;
      PALETTE.forEach((_c, i) => {
        if (used[i] !== fewest) return;
        const d = paletteDistance[wanted]![i]!;
        if (d < bestD) {
          bestD = d;
          pick = i;
        }
      });
    }
    used[pick]!++;
    out.push(PALETTE[pick]!.hex);
  }
  return out;
}
