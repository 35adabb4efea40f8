/**
 * Where the course's own labels go so that every one that matters can be read: start and finish always,
 * then checkpoints, then the km or mile numbers, each trying its places in turn (a checkpoint above its
 * point, else below, right, left; a number on the line, else beside it) and a number that fits nowhere left
 * out. On an out-and-back a checkpoint passed twice at the same spot (the 2.5 km and the 7.5 km water) gets
 * its own place next to the other rather than under it. Runner names are placed after these and around them.
 */

export interface CourseLabel {
  id: string;
  /** Its point on the course, px in the map's container. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** 0 always shown (start, finish); higher ones give way. */
  priority: number;
  /** Offsets of the label's top-left corner from its point, in order of preference. */
  spots: ReadonlyArray<readonly [number, number]>;
}

export interface CourseLabelPlace {
  dx: number;
  dy: number;
}

const MARGIN = 2;

/** The offsets of each label, or null for a label left out. */
export function layoutCourseLabels(labels: readonly CourseLabel[], view: { width: number; height: number }): Map<string, CourseLabelPlace | null> {
  const order = labels.map((l, i) => ({ l, i })).sort((a, b) => a.l.priority - b.l.priority || a.i - b.i);
  const placed: Array<{ x: number; y: number; w: number; h: number }> = [];
  const out = new Map<string, CourseLabelPlace | null>();
  const free = (x: number, y: number, w: number, h: number) =>
    placed.every((p) => x + w + MARGIN <= p.x || p.x + p.w + MARGIN <= x || y + h + MARGIN <= p.y || p.y + p.h + MARGIN <= y);
  for (const { l } of order) {
    // Off the map: nothing to collide with.
    if (l.x < -l.width || l.y < -l.height || l.x > view.width + l.width || l.y > view.height + l.height) {
      out.set(l.id, { dx: l.spots[0]![0], dy: l.spots[0]![1] });
      continue;
    }
    let chosen: CourseLabelPlace | null = null;
    for (const [dx, dy] of l.spots) {
      if (free(l.x + dx, l.y + dy, l.width, l.height)) {
        chosen = { dx, dy };
        break;
      }
    }
    if (!chosen && l.priority === 0) chosen = { dx: l.spots[0]![0], dy: l.spots[0]![1] };
    if (chosen) placed.push({ x: l.x + chosen.dx, y: l.y + chosen.dy, w: l.width, h: l.height });
    out.set(l.id, chosen);
  }
  return out;
}
