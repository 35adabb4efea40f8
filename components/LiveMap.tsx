'use client';

import L from 'leaflet';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { MapContainer, ScaleControl, TileLayer, useMap } from 'react-leaflet';
import type { RunnerView } from '../client/event-view';
import type { TrackPoint } from '../lib/protocol';

export interface LiveMapProps {
  runners: RunnerView[];
  /** Changes when the whole picture was replaced (a snapshot): redraw from scratch. */
  generation: number;
  followId: string | null;
  onSelect: (id: string | null) => void;
  tileUrl: string;
  tileAttribution: string;
}

/** Above this many runners names show on hover only: hundreds of labels would hide the map. */
const LABELS_UP_TO = 60;

interface Drawn {
  /** The runner object last drawn: the reducer replaces only runners that changed. */
  runner: RunnerView | null;
  labelled: boolean | null;
  followed: boolean;
  marker: L.CircleMarker;
  trail: L.Polyline;
  label: HTMLSpanElement;
  lastDrawn: TrackPoint | undefined;
  drawn: number;
  onMap: boolean;
}

const latLng = (p: TrackPoint): L.LatLngTuple => [p[0], p[1]];

/** Markers on a canvas (cheap for many runners), trails as paths appended point by point. */
function RunnerLayers({
  runners,
  generation,
  followId,
  autoFit,
  onSelect,
  onUserMove,
}: Omit<LiveMapProps, 'tileUrl' | 'tileAttribution'> & { autoFit: boolean; onUserMove: () => void }) {
  const map = useMap();
  const canvas = useMemo(() => L.canvas({ padding: 0.5 }), []);
  const layers = useRef(new Map<string, Drawn>());
  const drawnGeneration = useRef(generation);
  const programmatic = useRef(false);
  const fitted = useRef(false);
  const select = useRef(onSelect);
  select.current = onSelect;

  useEffect(() => {
    const moved = () => {
      if (!programmatic.current) onUserMove();
    };
    map.on('dragstart', moved);
    map.on('zoomstart', moved);
    return () => {
      map.off('dragstart', moved);
      map.off('zoomstart', moved);
    };
  }, [map, onUserMove]);

  useEffect(() => {
    const drawn = layers.current;
    if (drawnGeneration.current !== generation) {
      for (const d of drawn.values()) {
        d.marker.remove();
        d.trail.remove();
      }
      drawn.clear();
      drawnGeneration.current = generation;
    }

    const present = new Set<string>();
    const permanentLabels = runners.length <= LABELS_UP_TO;
    for (const r of runners) {
      present.add(r.id);
      let d = drawn.get(r.id);
      const followed = r.id === followId;
      if (d && d.runner === r && d.labelled === permanentLabels && d.followed === followed) continue;
      if (!d) {
        const label = document.createElement('span');
        const trail = L.polyline([], { color: r.color, weight: 4, opacity: 0.7, interactive: false, className: 'trail' });
        trail.addTo(map);
        trail.getElement()?.setAttribute('data-runner', r.id);
        const marker = L.circleMarker([0, 0], {
          renderer: canvas,
          radius: 8,
          color: '#ffffff',
          weight: 2,
          fillColor: r.color,
          fillOpacity: 1,
        });
        marker.on('click', () => select.current(r.id));
        d = { runner: null, labelled: null, followed, marker, trail, label, lastDrawn: undefined, drawn: 0, onMap: false };
        drawn.set(r.id, d);
      }
      if (d.labelled !== permanentLabels) {
        d.marker.unbindTooltip();
        d.marker.bindTooltip(d.label, { permanent: permanentLabels, direction: 'right', offset: [10, 0], className: 'runner-label' });
        d.labelled = permanentLabels;
      }
      d.runner = r;
      d.followed = followed;
      // Names are text, never HTML.
      if (d.label.textContent !== r.name) d.label.textContent = r.name;

      const appended = d.drawn > 0 && r.track.length >= d.drawn && r.track[d.drawn - 1] === d.lastDrawn;
      if (appended && r.track.length > d.drawn) {
        // One redraw for all the new points, not one each.
        const ll = d.trail.getLatLngs() as L.LatLng[];
        for (let i = d.drawn; i < r.track.length; i++) ll.push(L.latLng(latLng(r.track[i]!)));
        d.trail.setLatLngs(ll);
      } else if (!appended && (r.track.length !== d.drawn || r.track[d.drawn - 1] !== d.lastDrawn)) {
        d.trail.setLatLngs(r.track.map(latLng));
      }
      d.drawn = r.track.length;
      d.lastDrawn = r.track[r.track.length - 1];
      d.trail.getElement()?.setAttribute('data-points', String(d.drawn));

      const last = d.lastDrawn;
      if (last) {
        d.marker.setLatLng(latLng(last));
        if (!d.onMap) {
          d.marker.addTo(map);
          d.onMap = true;
        }
      }
      const tooltip = d.marker.getTooltip()?.getElement();
      tooltip?.style.setProperty('--c', r.color);
      tooltip?.classList.toggle('followed', followed);
      tooltip?.setAttribute('data-runner', r.id);
      d.marker.setStyle({ fillColor: r.color, fillOpacity: r.status === 'active' ? 1 : 0.45 });
      d.trail.setStyle({ color: r.color, opacity: r.status === 'active' ? 0.75 : 0.4 });
    }
    for (const [id, d] of drawn) {
      if (present.has(id)) continue;
      d.marker.remove();
      d.trail.remove();
      drawn.delete(id);
    }

    programmatic.current = true;
    try {
      const followed = followId ? drawn.get(followId)?.lastDrawn : undefined;
      if (followed) {
        map.setView(latLng(followed), Math.max(map.getZoom(), 15), { animate: false });
      } else if (autoFit) {
        const points = runners.flatMap((r) => (r.track.length ? [latLng(r.track[r.track.length - 1]!)] : []));
        if (points.length) {
          const bounds = L.latLngBounds(points);
          if (!fitted.current || !map.getBounds().pad(-0.05).contains(bounds)) {
            map.fitBounds(bounds.pad(0.15), { maxZoom: 16, animate: false });
            fitted.current = true;
          }
        }
      }
    } finally {
      programmatic.current = false;
    }
  }, [map, canvas, runners, generation, followId, autoFit]);

  return null;
}

export default function LiveMap(props: LiveMapProps) {
  const [autoFit, setAutoFit] = useState(true);
  const onUserMove = useCallback(() => setAutoFit(false), []);
  const { onSelect } = props;
  const hasPoints = props.runners.some((r) => r.track.length > 0);
  return (
    <div className="map-wrap" data-testid="map">
      <MapContainer center={[20, 0]} zoom={2} minZoom={2} worldCopyJump>
        <TileLayer url={props.tileUrl} attribution={props.tileAttribution} maxZoom={19} />
        <ScaleControl position="bottomleft" />
        <RunnerLayers {...props} autoFit={autoFit} onUserMove={onUserMove} />
      </MapContainer>
      {!hasPoints && (
        <div className="map-empty">
          <p>Waiting for the first runner&apos;s position…</p>
        </div>
      )}
      {(!autoFit || props.followId) && (
        <div className="map-tools">
          <button
            className="btn"
            type="button"
            onClick={() => {
              setAutoFit(true);
              onSelect(null);
            }}
          >
            Show all runners
          </button>
        </div>
      )}
    </div>
  );
}
