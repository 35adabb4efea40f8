'use client';

import L from 'leaflet';
import { useEffect } from 'react';
import { useMap } from 'react-leaflet';
import { type Course, distanceMarkers, positionAt } from '../lib/course/course';
import type { DistanceUnit } from '../lib/course/units';

/** Start and finish closer than this are one "Start / Finish" marker (a loop). */
const SAME_SPOT_M = 50;

function label(text: string, className: string): L.DivIcon {
  const el = document.createElement('span');
  el.textContent = text;
  return L.divIcon({ className: `course-mark ${className}`, html: el, iconSize: undefined, iconAnchor: [0, 0] });
}

/**
 * The course as the map's backdrop: the line (with a casing, so it reads on a blank map), a marker every
 * kilometre or mile, the start, the finish and the checkpoints. Drawn below the runners.
 */
export function CourseLayers({ course, unit }: { course: Course; unit: DistanceUnit }) {
  const map = useMap();
  useEffect(() => {
    const pane = map.getPane('course') ?? map.createPane('course');
    pane.style.zIndex = '350';
    const marks = map.getPane('courseMarks') ?? map.createPane('courseMarks');
    marks.style.zIndex = '640';
    const line = course.points.map(([lat, lon]) => L.latLng(lat, lon));
    const group = L.layerGroup([
      L.polyline(line, { pane: 'course', color: '#ffffff', weight: 9, opacity: 0.9, interactive: false }),
      L.polyline(line, { pane: 'course', color: '#1e3a8a', weight: 4, opacity: 0.9, interactive: false, className: 'course-line' }),
    ]);
    for (const m of distanceMarkers(course, unit)) {
      group.addLayer(L.marker(m.position as [number, number], { pane: 'courseMarks', icon: label(String(m.label), 'km'), interactive: false, keyboard: false }));
    }
    const loop = course.ruler.distance([course.start[1], course.start[0]], [course.finish[1], course.finish[0]]) < SAME_SPOT_M;
    group.addLayer(L.marker(course.start as [number, number], { pane: 'courseMarks', icon: label(loop ? 'Start / Finish' : 'Start', 'start'), interactive: false, keyboard: false }));
    if (!loop) group.addLayer(L.marker(course.finish as [number, number], { pane: 'courseMarks', icon: label('Finish', 'finish'), interactive: false, keyboard: false }));
    for (const cp of course.checkpoints) {
      if (cp.at >= course.length - 1) continue;
      group.addLayer(
        L.marker(positionAt(course, cp.at) as [number, number], { pane: 'courseMarks', icon: label(cp.name, 'checkpoint'), interactive: false, keyboard: false }),
      );
    }
    group.addTo(map);
    map.getContainer().dataset.course = String(course.points.length);
    return () => {
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
