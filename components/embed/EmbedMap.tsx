'use client';

import { useEffect, useMemo } from 'react';
import { CircleMarker, MapContainer, Polyline, TileLayer, Tooltip, useMap } from 'react-leaflet';
import { apiUrl } from '../../client/api';
import type { Course } from '../../lib/course/course';
import { usePoll } from '../usePoll';

interface Feature {
  geometry: { coordinates: [number, number] };
  properties: { id: string; name: string; bib: string | null; color: string; basis: 'gps' | 'predicted' | 'ghost' };
}

function FitCourse({ course }: { course: Course | null }) {
  const map = useMap();
  useEffect(() => {
    if (course && course.points.length > 1) map.fitBounds(course.points.map(([lat, lon]) => [lat, lon] as [number, number]), { padding: [16, 16] });
  }, [course, map]);
  return null;
}

/**
 * The embed's map: the course and every runner where the open feed places them (a fix, or predicted from
 * the mats), read every 5 s. A plain map for a race website: no trails, no follow, no cheers.
 */
export default function EmbedMap({ event, course, tileUrl, tileAttribution }: { event: string; course: Course | null; tileUrl: string; tileAttribution: string }) {
  const positions = usePoll(
    async (signal) => {
      const res = await fetch(apiUrl('feedPositions', { id: event }), { signal });
      if (!res.ok) throw new Error(`The positions could not be read (${res.status}).`);
      return ((await res.json()) as { features: Feature[] }).features;
    },
    5000,
    event,
  );
  const line = useMemo(() => course?.points.map(([lat, lon]) => [lat, lon] as [number, number]) ?? [], [course]);
  return (
    <div className="embed-map" data-testid="embed-map" data-runners={positions.data?.length ?? 0}>
      <MapContainer center={[20, 0]} zoom={2} minZoom={2} maxZoom={18} preferCanvas>
        <TileLayer url={tileUrl} attribution={tileAttribution} maxZoom={18} />
        <FitCourse course={course} />
        {line.length > 1 && <Polyline positions={line} pathOptions={{ color: '#ff6b35', weight: 4, opacity: 0.85 }} />}
        {positions.data?.map((f) => (
          <CircleMarker
            key={f.properties.id}
            center={[f.geometry.coordinates[1], f.geometry.coordinates[0]]}
            radius={6}
            pathOptions={{ color: '#fff', weight: 1.5, fillColor: f.properties.color, fillOpacity: f.properties.basis === 'gps' ? 1 : 0.5, dashArray: f.properties.basis === 'gps' ? undefined : '3 3' }}
          >
            <Tooltip>{`${f.properties.bib ? `${f.properties.bib} · ` : ''}${f.properties.name}`}</Tooltip>
          </CircleMarker>
        ))}
      </MapContainer>
    </div>
  );
}
