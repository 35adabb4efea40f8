'use client';

import L from 'leaflet';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { MapContainer, ScaleControl, TileLayer, useMap } from 'react-leaflet';
import type { RunnerView } from '../client/event-view';
import { type LabelCandidate, layoutLabels } from '../client/label-layout';
import type { Course } from '../lib/course/course';
import type { DistanceUnit } from '../lib/course/units';
import type { TrackPoint } from '../lib/protocol';
import type { CourseScale } from '../client/race-words';
import type { WhereaboutsKind } from '../lib/course/estimate';
import { courseBounds, CourseLayers } from './CourseLayers';
import { GhostLayers, useGhostAt } from './GhostLayers';
import { MapLegend } from './MapLegend';

export interface LiveMapProps {
  runners: RunnerView[];
  /** Display colour per runner id (see client/colors.ts). */
  colors: ReadonlyMap<string, string>;
  /** Changes when the whole picture was replaced (a snapshot): redraw from scratch. */
  generation: number;
  followId: string | null;
  onSelect: (id: string | null) => void;
  tileUrl: string;
  tileAttribution: string;
  /** The event's course, drawn under the runners; the map fits to it and stays around it. */
  course?: Course | null;
  unit?: DistanceUnit;
  /** Drawn over the map (the replay timeline). */
  overlay?: ReactNode;
  /** The course as the estimator needs it: with it, runners not heard from are drawn where they probably are. */
  scale?: CourseScale | null;
}

const MAX_ZOOM = 18;
/** The map never zooms out past the field plus this much around it, metres. */
const FIELD_MARGIN_M = 1500;
/** Names are placed again at most this often while runners move (at once when the map moves). */
const LABEL_EVERY_MS = 200;
const LABEL_FONT = `700 12px system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif`;

interface Drawn {
  /** The runner object last drawn: the reducer replaces only runners that changed. */
  runner: RunnerView | null;
  color: string;
  marker: L.CircleMarker;
  trail: L.Polyline;
  lastDrawn: TrackPoint | undefined;
  drawn: number;
  onMap: boolean;
  followed: boolean;
}

const latLng = (p: TrackPoint): L.LatLngTuple => [p[0], p[1]];

let measureCtx: CanvasRenderingContext2D | null = null;
const widths = new Map<string, number>();
/** Label width for a name: text, padding and the colour bar, capped like the CSS max-width. */
function labelWidth(name: string): number {
  let w = widths.get(name);
  if (w === undefined) {
    measureCtx ??= document.createElement('canvas').getContext('2d');
    if (measureCtx) measureCtx.font = LABEL_FONT;
    w = Math.min(220, Math.ceil((measureCtx?.measureText(name).width ?? name.length * 7) + 18));
    if (widths.size > 5000) widths.clear();
    widths.set(name, w);
  }
  return w;
}

/** Markers on a canvas (cheap for many runners), trails as paths appended point by point. */
function RunnerLayers({
  runners,
  colors,
  generation,
  followId,
  autoFit,
  peekId,
  onSelect,
  onPeek,
  onUserMove,
  course,
  followAt,
}: Omit<LiveMapProps, 'tileUrl' | 'tileAttribution' | 'overlay' | 'scale'> & {
  /** Where to keep the followed runner in view when that is not their last fix (a ghost: where they probably are). */
  followAt: readonly [number, number] | null;
  autoFit: boolean;
  peekId: string | null;
  onPeek: (id: string | null) => void;
  onUserMove: () => void;
}) {
  const map = useMap();
  const canvas = useMemo(() => L.canvas({ padding: 0.5 }), []);
  const layers = useRef(new Map<string, Drawn>());
  const drawnGeneration = useRef(generation);
  const programmatic = useRef(false);
  const fitted = useRef(false);
  const field = useRef<L.LatLngBounds | null>(null);
  const limit = useRef<L.LatLngBounds | null>(null);
  const placedIds = useRef(new Set<string>());
  const labelEls = useRef(new Map<string, HTMLDivElement>());
  const pane = useRef<HTMLElement | null>(null);
  const frame = useRef<number | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastPlaced = useRef(0);
  const latest = useRef({ runners, colors, followId, peekId });
  latest.current = { runners, colors, followId, peekId };
  const select = useRef(onSelect);
  select.current = onSelect;
  const peek = useRef(onPeek);
  peek.current = onPeek;

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

  /** Put the names where they fit (see label-layout.ts); the pane moves with the map while dragging. */
  const placeLabels = useCallback(() => {
    frame.current = null;
    lastPlaced.current = performance.now();
    const el = pane.current;
    if (!el) return;
    const { runners: all, colors: palette, followId: followed, peekId: peeked } = latest.current;
    const size = map.getSize();
    const candidates: LabelCandidate[] = [];
    const byId = new Map<string, RunnerView>();
    for (const r of all) {
      const last = r.track[r.track.length - 1];
      if (!last) continue;
      const p = map.latLngToContainerPoint(latLng(last));
      if (p.x < -20 || p.y < -20 || p.x > size.x + 20 || p.y > size.y + 20) continue;
      byId.set(r.id, r);
      const priority = r.id === followed ? 0 : r.id === peeked ? 1 : r.status === 'active' ? 2 : r.status === 'idle' ? 3 : 4;
      candidates.push({ id: r.id, x: p.x, y: p.y, width: labelWidth(r.name), priority });
    }
    // The zoom and scale controls, the attribution and "Show all runners" stay uncovered.
    const origin = map.getContainer().getBoundingClientRect();
    const wrap = map.getContainer().parentElement ?? map.getContainer();
    const obstacles = Array.from(wrap.querySelectorAll('.leaflet-control, .map-tools, .map-legend')).map((c) => {
      const r = c.getBoundingClientRect();
      return { x: r.left - origin.left - 4, y: r.top - origin.top - 4, width: r.width + 8, height: r.height + 8 };
    });
    const placed = layoutLabels(candidates, { width: size.x, height: size.y, obstacles });
    const keep = new Set<string>();
    for (const spot of placed) {
      const r = byId.get(spot.id)!;
      keep.add(spot.id);
      let label = labelEls.current.get(spot.id);
      if (!label) {
        label = document.createElement('div');
        label.className = 'runner-label';
        label.dataset.runner = spot.id;
        L.DomEvent.disableClickPropagation(label);
        label.addEventListener('click', () => select.current(spot.id));
        el.appendChild(label);
        labelEls.current.set(spot.id, label);
      }
      // Names are text, never HTML.
      if (label.textContent !== r.name) label.textContent = r.name;
      // Only what changed is written: most labels stay put between two placements.
      const look = `${palette.get(r.id) ?? r.color} ${spot.width} ${r.id === followed} ${r.id === peeked}`;
      if (label.dataset.look !== look) {
        label.dataset.look = look;
        label.style.setProperty('--c', palette.get(r.id) ?? r.color);
        label.style.width = `${spot.width}px`;
        label.classList.toggle('followed', r.id === followed);
        label.classList.toggle('peek', r.id === peeked);
      }
      const at = map.containerPointToLayerPoint([spot.x, spot.y]).round();
      const pos = `${at.x},${at.y}`;
      if (label.dataset.pos !== pos) {
        label.dataset.pos = pos;
        L.DomUtil.setPosition(label, at);
      }
    }
    for (const [id, label] of labelEls.current) {
      if (keep.has(id)) continue;
      label.remove();
      labelEls.current.delete(id);
    }
    placedIds.current = keep;
  }, [map]);

  /** After the map moved: place names in the next frame. */
  const placeSoon = useCallback(() => {
    if (timer.current !== null) clearTimeout(timer.current);
    timer.current = null;
    if (frame.current === null) frame.current = requestAnimationFrame(placeLabels);
  }, [placeLabels]);

  /** After runners moved: place names again, no more often than LABEL_EVERY_MS. */
  const schedule = useCallback(() => {
    if (frame.current !== null || timer.current !== null) return;
    const wait = lastPlaced.current + LABEL_EVERY_MS - performance.now();
    if (wait <= 0) frame.current = requestAnimationFrame(placeLabels);
    else
      timer.current = setTimeout(() => {
        timer.current = null;
        frame.current = requestAnimationFrame(placeLabels);
      }, wait);
  }, [placeLabels]);

  useEffect(() => {
    const el = map.getPane('runnerLabels') ?? map.createPane('runnerLabels');
    el.classList.add('runner-labels', 'leaflet-zoom-hide');
    el.style.zIndex = '650';
    pane.current = el;
    map.on('moveend zoomend resize viewreset', placeSoon);
    const clear = () => peek.current(null);
    map.on('click', clear);
    const labels = labelEls.current;
    return () => {
      map.off('moveend zoomend resize viewreset', placeSoon);
      map.off('click', clear);
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      if (timer.current !== null) clearTimeout(timer.current);
      for (const label of labels.values()) label.remove();
      labels.clear();
    };
  }, [map, placeSoon]);

  useEffect(() => {
    const drawn = layers.current;
    if (drawnGeneration.current !== generation) {
      for (const d of drawn.values()) {
        d.marker.remove();
        d.trail.remove();
      }
      drawn.clear();
      field.current = null;
      drawnGeneration.current = generation;
    }

    const present = new Set<string>();
    for (const r of runners) {
      present.add(r.id);
      let d = drawn.get(r.id);
      const color = colors.get(r.id) ?? r.color;
      const followed = r.id === followId;
      if (d && d.runner === r && d.color === color && d.followed === followed) continue;
      if (!d) {
        const trail = L.polyline([], { color, weight: 4, opacity: 0.7, interactive: false, className: 'trail' });
        trail.addTo(map);
        trail.getElement()?.setAttribute('data-runner', r.id);
        const marker = L.circleMarker([0, 0], { renderer: canvas, radius: 8, color: '#ffffff', weight: 2, fillColor: color, fillOpacity: 1 });
        const id = r.id;
        marker.on('click', (e: L.LeafletMouseEvent) => {
          // The map's own click (which hides a peeked name) is not for this tap.
          L.DomEvent.stopPropagation(e);
          // On a touch screen the first tap on a runner whose name is hidden shows the name; the next one follows.
          const touch = (e.originalEvent as PointerEvent).pointerType === 'touch';
          if (touch && !placedIds.current.has(id)) peek.current(id);
          else select.current(id);
        });
        marker.on('mouseover', () => peek.current(id));
        marker.on('mouseout', () => peek.current(null));
        d = { runner: null, color, marker, trail, lastDrawn: undefined, drawn: 0, onMap: false, followed: false };
        drawn.set(r.id, d);
      }
      d.runner = r;
      d.color = color;
      d.followed = followed;

      const appended = d.drawn > 0 && r.track.length >= d.drawn && r.track[d.drawn - 1] === d.lastDrawn;
      const from = appended ? d.drawn : 0;
      if (appended && r.track.length > d.drawn) {
        // One redraw for all the new points, not one each.
        const ll = d.trail.getLatLngs() as L.LatLng[];
        for (let i = d.drawn; i < r.track.length; i++) ll.push(L.latLng(latLng(r.track[i]!)));
        d.trail.setLatLngs(ll);
      } else if (!appended && (r.track.length !== d.drawn || r.track[d.drawn - 1] !== d.lastDrawn)) {
        d.trail.setLatLngs(r.track.map(latLng));
      }
      for (let i = from; i < r.track.length; i++) {
        const p = r.track[i]!;
        if (field.current) field.current.extend([p[0], p[1]]);
        else field.current = L.latLngBounds([p[0], p[1]], [p[0], p[1]]);
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
      // The followed runner stands out: a larger marker with a dark ring, drawn above everyone else.
      d.marker.setStyle({ fillColor: color, fillOpacity: r.status === 'active' || followed ? 1 : 0.5, color: followed ? '#111827' : '#ffffff', weight: followed ? 4 : 2 });
      d.marker.setRadius(followed ? 12 : 8);
      if (followed && d.onMap) d.marker.bringToFront();
      d.trail.setStyle({ color, opacity: r.status === 'active' ? 0.75 : 0.45 });
    }
    for (const [id, d] of drawn) {
      if (present.has(id)) continue;
      d.marker.remove();
      d.trail.remove();
      drawn.delete(id);
    }

    programmatic.current = true;
    try {
      // Zoom and pan stay around the field: nobody gets lost at 20 m scale over an empty park.
      const courseBox = course ? courseBounds(course) : null;
      const f = field.current && courseBox ? L.latLngBounds(field.current.getSouthWest(), field.current.getNorthEast()).extend(courseBox) : (field.current ?? courseBox);
      if (f && (!limit.current || !limit.current.contains(f))) {
        const c = f.getCenter();
        const around = c.toBounds(FIELD_MARGIN_M * 2);
        const sw = f.getSouthWest().toBounds(FIELD_MARGIN_M * 2);
        const ne = f.getNorthEast().toBounds(FIELD_MARGIN_M * 2);
        const next = L.latLngBounds(sw.getSouthWest(), ne.getNorthEast()).extend(around);
        limit.current = next;
        map.setMaxBounds(next.pad(0.25));
        map.setMinZoom(Math.max(2, map.getBoundsZoom(next, false)));
      }
      // A chip-only runner has no fix: where the estimator puts them is all there is to follow.
      const followed = followAt ?? (followId ? drawn.get(followId)?.lastDrawn : undefined);
      if (followed) {
        map.setView([followed[0], followed[1]], Math.max(map.getZoom(), 15), { animate: false });
      } else if (autoFit) {
        const points: L.LatLngExpression[] = runners.flatMap((r) => (r.track.length ? [latLng(r.track[r.track.length - 1]!)] : []));
        if (courseBox) points.push(courseBox.getSouthWest(), courseBox.getNorthEast());
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
    schedule();
  }, [map, canvas, runners, colors, generation, followId, autoFit, schedule, course, followAt]);

  useEffect(() => placeSoon(), [peekId, followId, placeSoon]);

  return null;
}

const sameSet = <T,>(a: ReadonlySet<T>, b: ReadonlySet<T>) => a.size === b.size && [...a].every((x) => b.has(x));

export default function LiveMap(props: LiveMapProps) {
  const [autoFit, setAutoFit] = useState(true);
  const [peekId, setPeekId] = useState<string | null>(null);
  const [estimated, setEstimated] = useState<ReadonlySet<WhereaboutsKind>>(new Set());
  const onKinds = useCallback((kinds: ReadonlySet<WhereaboutsKind>) => setEstimated((was) => (sameSet(was, kinds) ? was : kinds)), []);
  const onUserMove = useCallback(() => setAutoFit(false), []);
  const { onSelect } = props;
  const hasPoints = props.runners.some((r) => r.track.length > 0);
  const { course, unit = 'km', scale } = props;
  const followAt = useGhostAt(props.runners, props.followId, course ?? null, props.overlay ? null : (scale ?? null));
  return (
    <div className="map-wrap" data-testid="map">
      <MapContainer center={[20, 0]} zoom={2} minZoom={2} maxZoom={MAX_ZOOM} maxBoundsViscosity={1} worldCopyJump>
        <TileLayer url={props.tileUrl} attribution={props.tileAttribution} maxZoom={MAX_ZOOM} />
        <ScaleControl position="bottomleft" />
        {course && <CourseLayers course={course} unit={unit} />}
        {course && scale && !props.overlay && (
          <GhostLayers runners={props.runners} colors={props.colors} course={course} scale={scale} followId={props.followId} onSelect={onSelect} onKinds={onKinds} />
        )}
        <RunnerLayers {...props} followAt={followAt} autoFit={autoFit} peekId={peekId} onPeek={setPeekId} onUserMove={onUserMove} />
      </MapContainer>
      {!props.overlay && <MapLegend kinds={estimated} />}
      {!hasPoints && !course && (
        <div className="map-empty">
          <p>Waiting for the first runner&apos;s position…</p>
        </div>
      )}
      {props.overlay}
      {(!autoFit || props.followId) && !props.overlay && (
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
