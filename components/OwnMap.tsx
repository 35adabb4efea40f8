'use client';

import L from 'leaflet';
import { useCallback, useEffect, useRef, useState } from 'react';
import { CircleMarker, MapContainer, Polyline, TileLayer, useMap } from 'react-leaflet';
import type { TrackPoint } from '../lib/protocol';

/** Keeps the whole trail in view until the runner pans or zooms the small map. */
function Fit({ points, follow, onUserMove }: { points: readonly TrackPoint[]; follow: boolean; onUserMove: () => void }) {
  const map = useMap();
  const programmatic = useRef(false);
  useEffect(() => {
    const moved = () => {
      if (!programmatic.current) onUserMove();
    };
    map.on('dragstart zoomstart', moved);
    return () => {
      map.off('dragstart zoomstart', moved);
    };
  }, [map, onUserMove]);
  useEffect(() => {
    if (!follow || points.length === 0) return;
    programmatic.current = true;
    try {
      map.fitBounds(L.latLngBounds(points.map((p) => [p[0], p[1]] as L.LatLngTuple)).pad(0.2), { maxZoom: 17, animate: false });
    } finally {
      programmatic.current = false;
    }
  }, [map, points, follow]);
  return null;
}

/** The runner's own trail on a small map. */
export default function OwnMap({
  points,
  color,
  tileUrl,
  tileAttribution,
}: {
  points: readonly TrackPoint[];
  color: string;
  tileUrl: string;
  tileAttribution: string;
}) {
  const [follow, setFollow] = useState(true);
  const stopFollowing = useCallback(() => setFollow(false), []);
  const last = points[points.length - 1];
  return (
    <div className="own-map" data-testid="own-map" data-points={points.length}>
      <MapContainer center={last ? [last[0], last[1]] : [20, 0]} zoom={last ? 16 : 2} minZoom={2} maxZoom={18} attributionControl>
        <TileLayer url={tileUrl} attribution={tileAttribution} maxZoom={18} />
        {points.length > 1 && <Polyline positions={points.map((p) => [p[0], p[1]] as L.LatLngTuple)} pathOptions={{ color, weight: 5, opacity: 0.85 }} />}
        {last && (
          <CircleMarker center={[last[0], last[1]]} radius={8} pathOptions={{ color: '#ffffff', weight: 3, fillColor: color, fillOpacity: 1 }} />
        )}
        <Fit points={points} follow={follow} onUserMove={stopFollowing} />
      </MapContainer>
      {!last && (
        <div className="map-empty">
          <p>Your trail appears here once GPS finds you.</p>
        </div>
      )}
      {!follow && last && (
        <div className="map-tools">
          <button type="button" className="btn small" onClick={() => setFollow(true)}>
            Show my whole run
          </button>
        </div>
      )}
    </div>
  );
}
