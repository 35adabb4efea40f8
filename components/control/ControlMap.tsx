'use client';

import L from 'leaflet';
import { useEffect, useMemo } from 'react';
import { CircleMarker, MapContainer, Polyline, TileLayer, Tooltip, useMap } from 'react-leaflet';
import type { Course } from '../../lib/course/course';
import type { WatchItem } from '../../lib/control/watchlist';
import { KIND_WORDS } from './Watchlist';

/** Marker colours per kind: each with white text nowhere on it, and a white ring so it reads on any tile. */
const KIND_COLOR: Record<WatchItem['kind'], string> = {
  sos: '#b3261e',
  stopped: '#7f5200',
  off: '#6a3d9a',
  silent: '#4c5b67',
  cutoff: '#8a2c0d',
  battery: '#0b5c99',
  mood: '#13703a',
};

/** Fits the course (or the runners) once, then flies to the runner the director asked to see. */
function Frame({ course, points, focus }: { course: Course | null; points: Array<[number, number]>; focus: [number, number] | null }) {
  const map = useMap();
  const hasCourse = course !== null;
  useEffect(() => {
    const b = course?.bounds;
    if (b) map.fitBounds([[b.south, b.west], [b.north, b.east]], { padding: [16, 16], animate: false });
    else if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.3), { maxZoom: 15, animate: false });
    // Only when the course comes, or the first runners: a map that keeps jumping cannot be read.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [map, hasCourse, points.length === 0]);
  useEffect(() => {
    if (focus) map.setView(focus, Math.max(map.getZoom(), 15), { animate: false });
  }, [map, focus]);
  return null;
}

export default function ControlMap({
  items,
  course,
  focus,
  focusId,
  onFocus,
  tileUrl,
  tileAttribution,
}: {
  items: readonly WatchItem[];
  course: Course | null;
  focus: [number, number] | null;
  focusId: string | null;
  onFocus: (runnerId: string | null) => void;
  tileUrl: string;
  tileAttribution: string;
}) {
  // One marker per runner: their most urgent item (items come ranked).
  const markers = useMemo(() => {
    const seen = new Set<string>();
    return items.filter((i) => i.where && !i.acknowledged && !seen.has(i.runnerId) && seen.add(i.runnerId));
  }, [items]);
  const points = markers.map((i) => i.where!);
  return (
    <div className="control-map" data-testid="control-map" data-markers={markers.length} data-focus={focusId ?? ''}>
      <MapContainer center={[20, 0]} zoom={2} minZoom={2} maxZoom={18} attributionControl>
        <TileLayer url={tileUrl} attribution={tileAttribution} maxZoom={18} />
        {course && <Polyline positions={course.points.map((p) => [p[0], p[1]] as L.LatLngTuple)} pathOptions={{ color: '#0f2a3d', weight: 4, opacity: 0.8 }} />}
        {markers.map((i) => (
          <CircleMarker
            key={i.key}
            center={i.where!}
            radius={i.runnerId === focusId ? 12 : 9}
            pathOptions={{ color: '#ffffff', weight: 3, fillColor: KIND_COLOR[i.kind], fillOpacity: 1 }}
            eventHandlers={{ click: () => onFocus(i.runnerId) }}
          >
            <Tooltip direction="top" permanent={i.runnerId === focusId}>
              {KIND_WORDS[i.kind]}: {i.name}
            </Tooltip>
          </CircleMarker>
        ))}
        <Frame course={course} points={points} focus={focus} />
      </MapContainer>
    </div>
  );
}
