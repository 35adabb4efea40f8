'use client';

import L from 'leaflet';
import { useEffect } from 'react';
import { useMap } from 'react-leaflet';
import { type CourseLabel, layoutCourseLabels } from '../client/course-label-layout';
import { type Course, distanceMarkers, positionAt } from '../lib/course/course';
import type { DistanceUnit } from '../lib/course/units';

/** Start and finish closer than this are one "Start / Finish" marker (a loop). */
const SAME_SPOT_M = 50;

function label(text: string, className: string): L.DivIcon {
  const el = document.createElement('span');
  el.textContent = text;
  return L.divIcon({ className: `course-mark ${className}`, html: el, iconSize: undefined, iconAnchor: [0, 0] });
}

interface Mark {
  marker: L.Marker;
  kind: 'km' | 'start' | 'finish' | 'checkpoint';
}

const GAP = 6;

/** Places to try for a label of `w` × `h` around its point, as offsets of its top-left corner. */
function spotsFor(kind: Mark['kind'], w: number, h: number): Array<[number, number]> {
  const centred: [number, number] = [-w / 2, -h / 2];
  const above: [number, number] = [-w / 2, -h - GAP];
  const below: [number, number] = [-w / 2, GAP];
  const right: [number, number] = [GAP, -h / 2];
  const left: [number, number] = [-w - GAP, -h / 2];
  if (kind === 'km') return [centred, right, left];
  if (kind === 'checkpoint') return [above, below, right, left];
  return [centred, above, below, right, left];
}

/**
 * Lay the course's labels out again for the map as it is now: start and finish always, checkpoints where
 * they can be read (next to one another when passed twice at one spot), numbers where room is left.
 */
function layout(map: L.Map, marks: readonly Mark[]): void {
  const size = map.getSize();
  const labels: CourseLabel[] = [];
  const spans = new Map<string, HTMLElement>();
  marks.forEach((m, i) => {
    const el = m.marker.getElement();
    const span = el?.querySelector('span');
    if (!el || !span) return;
    const p = map.latLngToContainerPoint(m.marker.getLatLng());
    const w = span.offsetWidth;
    const h = span.offsetHeight;
    const id = String(i);
    spans.set(id, span);
    labels.push({ id, x: p.x, y: p.y, width: w, height: h, priority: m.kind === 'km' ? 2 : m.kind === 'checkpoint' ? 1 : 0, spots: spotsFor(m.kind, w, h) });
  });
  for (const [id, place] of layoutCourseLabels(labels, { width: size.x, height: size.y })) {
    const span = spans.get(id)!;
    const mark = span.parentElement!;
    mark.classList.toggle('hidden', place === null);
    if (place) span.style.transform = `translate(${Math.round(place.dx)}px, ${Math.round(place.dy)}px)`;
  }
}

/**
 * The course as the map's backdrop: the line (with a casing, so it reads on a blank map), a marker every
 * kilometre or mile, the start, the finish and the checkpoints. The line is drawn below the runners; the
 * labels above everything, laid out so that none covers another that matters more.
 */
export function CourseLayers({ course, unit }: { course: Course; unit: DistanceUnit }) {
  const map = useMap();
  useEffect(() => {
    const pane = map.getPane('course') ?? map.createPane('course');
    pane.style.zIndex = '350';
    const marksPane = map.getPane('courseMarks') ?? map.createPane('courseMarks');
    // Above runner names: a checkpoint or the finish is never hidden by a name.
    marksPane.style.zIndex = '660';
    const marks: Mark[] = [];
    const mark = (position: [number, number], text: string, kind: Mark['kind']) => {
      const marker = L.marker(position, { pane: 'courseMarks', icon: label(text, kind), interactive: false, keyboard: false });
      marks.push({ marker, kind });
      return marker;
    };
    const line = course.points.map(([lat, lon]) => L.latLng(lat, lon));
    const group = L.layerGroup([
      L.polyline(line, { pane: 'course', color: '#ffffff', weight: 9, opacity: 0.9, interactive: false }),
      L.polyline(line, { pane: 'course', color: '#1e3a8a', weight: 4, opacity: 0.9, interactive: false, className: 'course-line' }),
    ]);
    for (const m of distanceMarkers(course, unit)) group.addLayer(mark(m.position as [number, number], String(m.label), 'km'));
    const loop = course.ruler.distance([course.start[1], course.start[0]], [course.finish[1], course.finish[0]]) < SAME_SPOT_M;
    group.addLayer(mark(course.start as [number, number], loop ? 'Start / Finish' : 'Start', 'start'));
    if (!loop) group.addLayer(mark(course.finish as [number, number], 'Finish', 'finish'));
    for (const cp of course.checkpoints) {
      if (cp.at >= course.length - 1) continue;
      group.addLayer(mark(positionAt(course, cp.at) as [number, number], cp.name, 'checkpoint'));
    }
    group.addTo(map);
    map.getContainer().dataset.course = String(course.points.length);
    const again = () => layout(map, marks);
    again();
    map.on('zoomend moveend resize', again);
    return () => {
      map.off('zoomend moveend resize', again);
      group.remove();
      delete map.getContainer().dataset.course;
    };
  }, [map, course, unit]);
  return null;
}

export function courseBounds(course: Course): L.LatLngBounds {
  const b = course.bounds;
  return L.latLngBounds([b.south, b.west], [b.north, b.east]);
}
