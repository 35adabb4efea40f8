'use client';

import L from 'leaflet';
import { useEffect, useMemo, useRef } from 'react';
import { useMap } from 'react-leaflet';
import type { RunnerView } from '../client/event-view';
import { type CourseScale, estimateNow } from '../client/race-words';
import { type Course, positionAt, sliceAlong } from '../lib/course/course';
import type { WhereaboutsKind } from '../lib/course/estimate';
import { useNow } from './useNow';

/** Ghosts move on this often: a few metres a second is nothing at a map's scale. */
const MOVE_EVERY_MS = 5000;

/** Where the followed runner probably is when the estimator, not a fresh fix, places them; null otherwise. */
export function useGhostAt(runners: RunnerView[], followId: string | null, course: Course | null, scale: CourseScale | null): readonly [number, number] | null {
  const now = useNow(MOVE_EVERY_MS);
  const race = followId ? runners.find((r) => r.id === followId)?.race : undefined;
  const w = course ? estimateNow(race, scale, now) : null;
  const at = w && w.kind !== 'seen' ? Math.round(w.at / 25) * 25 : null;
  // Moved on in steps of 25 m, so the map is not panned for every metre.
  return useMemo(() => (course && at !== null ? (positionAt(course, at) as [number, number]) : null), [course, at]);
}

interface Drawn {
  band: L.Polyline;
  marker: L.CircleMarker;
  key: string;
}

/**
 * Runners the estimator places where no fresh fix does: a hollow marker where they probably are now (a
 * ghost, dashed: not heard from for longer than their source's normal interval; predicted, solid ring: a
 * chip-only runner between mats) on a band along the course from the slowest to the fastest plausible
 * progress. Their last fix keeps its own (faded) marker in RunnerLayers. Own panes, over the trails.
 */
export function GhostLayers({
  runners,
  colors,
  course,
  scale,
  followId,
  onSelect,
  onKinds,
}: {
  runners: RunnerView[];
  colors: ReadonlyMap<string, string>;
  course: Course;
  scale: CourseScale;
  followId: string | null;
  onSelect: (id: string) => void;
  /** Which kinds are on the map now (the legend shows those). */
  onKinds: (kinds: ReadonlySet<WhereaboutsKind>) => void;
}) {
  const map = useMap();
  const now = useNow(MOVE_EVERY_MS);
  const drawn = useRef(new Map<string, Drawn>());
  const select = useRef(onSelect);
  select.current = onSelect;
  const canvas = useMemo(() => L.canvas({ padding: 0.5, pane: 'ghosts' }), []);

  useEffect(() => {
    // Above the trails and the runners' canvas (overlay pane, 400), below the runners' names (650).
    const bands = map.getPane('ghostBands') ?? map.createPane('ghostBands');
    bands.style.zIndex = '420';
    const ghosts = map.getPane('ghosts') ?? map.createPane('ghosts');
    ghosts.style.zIndex = '610';
    const layers = drawn.current;
    return () => {
      for (const d of layers.values()) {
        d.band.remove();
        d.marker.remove();
      }
      layers.clear();
    };
  }, [map]);

  useEffect(() => {
    const kinds = new Set<WhereaboutsKind>();
    const present = new Set<string>();
    for (const r of runners) {
      const w = estimateNow(r.race, scale, now);
      if (!w || w.kind === 'seen') continue;
      kinds.add(w.kind);
      present.add(r.id);
      const color = colors.get(r.id) ?? r.color;
      const followed = r.id === followId;
      const line = sliceAlong(course, w.lo, Math.max(w.hi, w.lo + 1)).map(([lat, lon]) => L.latLng(lat, lon));
      const at = positionAt(course, w.at);
      const key = `${w.kind} ${color} ${followed}`;
      let d = drawn.current.get(r.id);
      if (!d) {
        const band = L.polyline(line, { pane: 'ghostBands', interactive: false, lineCap: 'round', className: 'ghost-band' }).addTo(map);
        band.getElement()?.setAttribute('data-runner', r.id);
        const marker = L.circleMarker(at as [number, number], { renderer: canvas, pane: 'ghosts', fillColor: '#ffffff' }).addTo(map);
        const id = r.id;
        marker.on('click', (e: L.LeafletMouseEvent) => {
          L.DomEvent.stopPropagation(e);
          select.current(id);
        });
        d = { band, marker, key: '' };
        drawn.current.set(r.id, d);
      } else {
        d.band.setLatLngs(line);
        d.marker.setLatLng(at as [number, number]);
      }
      d.band.getElement()?.setAttribute('data-kind', w.kind);
      if (d.key !== key) {
        d.key = key;
        d.band.setStyle({ color, weight: followed ? 14 : 9, opacity: followed ? 0.45 : 0.3 });
        d.marker.setStyle({ color, weight: 3, radius: followed ? 11 : 7, fillOpacity: 0.85, dashArray: w.kind === 'ghost' ? '3 3' : undefined });
      }
    }
    for (const [id, d] of drawn.current) {
      if (present.has(id)) continue;
      d.band.remove();
      d.marker.remove();
      drawn.current.delete(id);
    }
    map.getContainer().dataset.ghosts = String(present.size);
    onKinds(kinds);
  }, [map, canvas, runners, colors, course, scale, followId, now, onKinds]);

  return null;
}
