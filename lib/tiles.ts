/**
 * Where things are on the map, as the server's interest management and the browser's runner layer both
 * count it: Web Mercator world pixels at zoom 20 (256-pixel tiles, as Leaflet and every slippy map), so a
 * position is two numbers that divide down to any zoom, and a tile at level L is a square of 2^(28-L) of
 * them. Integer world pixels are about 15 cm at the equator, finer than any phone's GPS.
 */

/** Zoom of the world pixels positions are kept in. */
export const WORLD_ZOOM = 20;
/** Bits of a world pixel coordinate: 256 × 2^20 pixels = 2^28. */
export const WORLD_BITS = 8 + WORLD_ZOOM;
export const WORLD_SIZE = 2 ** WORLD_BITS;
/** Mercator stops here; Leaflet clamps to the same latitude. */
export const MAX_LATITUDE = 85.0511287798;

/** World pixel x of a longitude (0 at 180° W). */
export function worldX(lon: number): number {
  return ((lon + 180) / 360) * WORLD_SIZE;
}

/** World pixel y of a latitude (0 at the top). */
export function worldY(lat: number): number {
  const phi = (Math.max(-MAX_LATITUDE, Math.min(MAX_LATITUDE, lat)) * Math.PI) / 180;
  return (0.5 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / (2 * Math.PI)) * WORLD_SIZE;
}

export function lonOf(x: number): number {
  return (x / WORLD_SIZE) * 360 - 180;
}

export function latOf(y: number): number {
  const n = Math.PI - (2 * Math.PI * y) / WORLD_SIZE;
  return (Math.atan(Math.sinh(n)) * 180) / Math.PI;
}

/** A tile: level (0 is the whole world) and column/row at that level. */
export interface Tile {
  level: number;
  x: number;
  y: number;
}

/** Highest tile level interest is kept at: a tile of 2^11 world pixels, a few hundred metres across. */
export const MAX_TILE_LEVEL = 17;
/**
 * Lowest tile level with streams of its own: a view further out (a country, the world) gets the field summary
 * alone, which is as precise as tiles that large would be.
 */
export const MIN_TILE_LEVEL = 9;
/** Most tiles one view may cover; a larger view is covered by tiles a level up (four times the area each). */
export const MAX_VIEW_TILES = 16;

/** Column or row of the tile at `level` holding world pixel coordinate `v`. */
export function tileIndex(v: number, level: number): number {
  const n = 2 ** level;
  return Math.max(0, Math.min(n - 1, Math.floor(v / 2 ** (WORLD_BITS - level))));
}

/** A tile as one number (column, row and level packed): a map key that costs no string. */
export function tileKey(level: number, x: number, y: number): number {
  return (x * 2 ** level + y) * 32 + level;
}

export function tileOfKey(key: number): Tile {
  const level = key % 32;
  const xy = (key - level) / 32;
  const n = 2 ** level;
  return { level, x: Math.floor(xy / n), y: xy % n };
}

/** What part of the map a spectator looks at: its bounds in degrees and the map's zoom. */
export interface ViewBounds {
  west: number;
  south: number;
  east: number;
  north: number;
  zoom: number;
}

/**
 * The tiles covering a view: one level under the map's zoom (a tile is 512 screen pixels across), or as many
 * levels higher as it takes to stay within MAX_VIEW_TILES on a very large screen.
 */
export function viewTiles(view: ViewBounds): Tile[] {
  const x0 = worldX(Math.max(-180, Math.min(180, view.west)));
  const x1 = worldX(Math.max(-180, Math.min(180, view.east)));
  const y0 = worldY(view.north);
  const y1 = worldY(view.south);
  let level = Math.max(0, Math.min(MAX_TILE_LEVEL, Math.floor(view.zoom) - 1));
  for (;;) {
    const cols = tileIndex(Math.max(x0, x1), level) - tileIndex(Math.min(x0, x1), level) + 1;
    const rows = tileIndex(Math.max(y0, y1), level) - tileIndex(Math.min(y0, y1), level) + 1;
    if (cols * rows <= MAX_VIEW_TILES || level === 0) break;
    level--;
  }
  const tiles: Tile[] = [];
  for (let x = tileIndex(Math.min(x0, x1), level); x <= tileIndex(Math.max(x0, x1), level); x++) {
    for (let y = tileIndex(Math.min(y0, y1), level); y <= tileIndex(Math.max(y0, y1), level); y++) tiles.push({ level, x, y });
  }
  return tiles;
}

/** The tiles of a view as sorted keys: views that cover the same tiles name them the same way. */
export function viewTileKeys(view: ViewBounds): number[] {
  return viewTiles(view)
    .filter((t) => t.level >= MIN_TILE_LEVEL)
    .map((t) => tileKey(t.level, t.x, t.y))
    .sort((a, b) => a - b);
}

/**
 * How finely a tile at `level` places runners: the bits of a world pixel left out, so that a step is half a
 * screen pixel at the zoom the tile is looked at (one above its level).
 */
export function tileShift(level: number): number {
  return Math.max(0, WORLD_ZOOM - level - 2);
}
