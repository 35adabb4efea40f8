'use client';

import L from 'leaflet';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { MapContainer, ScaleControl, TileLayer, useMap } from 'react-leaflet';
import type { RunnerView } from '../client/event-view';
import { FieldStore } from '../client/field-store';
import type { Course } from '../lib/course/course';
import type { DistanceUnit } from '../lib/course/units';
import type { TrackPoint, View } from '../lib/protocol';
import { colorHex } from '../lib/live-codec';
import { latOf, lonOf } from '../lib/tiles';
import type { CourseScale } from '../client/race-words';
import type { WhereaboutsKind } from '../lib/course/estimate';
import { courseBounds, CourseLayers } from './CourseLayers';
import { GhostLayers, useGhostAt } from './GhostLayers';
import { MapLegend } from './MapLegend';
import { RunnerLabels } from './map/runner-labels';
import { RunnerLayer, type Shown } from './map/runner-layer';

export interface LiveMapProps {
  /**
   * Every runner of the field, kept up by the session (a subscription with interest); null when the page holds
   * every runner whole (a share link's runners, a replay): the map then draws `runners`.
   */
  field: FieldStore | null;
  /** Runners held whole: the followed runner (with interest), or everyone. Their trails are drawn. */
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
  /** The map moved: what is in view now (the session asks for those runners in detail). */
  onView?: (view: View) => void;
  /** Names wanted for these runners of the field. */
  onWho?: (ns: number[]) => void;
  /** The course as the estimator needs it: with it, runners not heard from are drawn where they probably are. */
  scale?: CourseScale | null;
}

const MAX_ZOOM = 18;
/** The map never zooms out past the field plus this much around it, metres. */
const FIELD_MARGIN_M = 1500;
/** Names are placed again at most this often while runners move (at once when the map moves). */
const LABEL_EVERY_MS = 250;

const latLng = (p: TrackPoint): L.LatLngTuple => [p[0], p[1]];

/** Where the field's runners are, as bounds (one pass over the typed arrays). */
function fieldBounds(field: FieldStore): L.LatLngBounds | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let n = 0; n < field.count; n++) {
    if (!field.placed[n]) continue;
    const x = field.x[n]!;
    const y = field.y[n]!;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  if (minX === Infinity) return null;
  return L.latLngBounds([latOf(maxY), lonOf(minX)], [latOf(minY), lonOf(maxX)]);
}

interface Trail {
  line: L.Polyline;
  drawn: number;
  last: TrackPoint | undefined;
}

function RunnerLayers({
  field,
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
  onView,
  onWho,
  own,
  followAt,
  onFieldKinds,
}: Omit<LiveMapProps, 'tileUrl' | 'tileAttribution' | 'overlay' | 'scale'> & {
  /** Where to keep the followed runner in view when that is not their last fix (a ghost: where they probably are). */
  followAt: readonly [number, number] | null;
  autoFit: boolean;
  peekId: string | null;
  onPeek: (id: string | null) => void;
  onUserMove: () => void;
  /** The field of a page that holds every runner whole. */
  own: FieldStore;
  /** The estimator's kinds of marker on the map now (the legend shows them). */
  onFieldKinds: (kinds: ReadonlySet<WhereaboutsKind>) => void;
}) {
  const map = useMap();
  const store = field ?? own;
  const layer = useRef<RunnerLayer | null>(null);
  const labels = useRef<RunnerLabels | null>(null);
  const trails = useRef(new Map<string, Trail>());
  const programmatic = useRef(false);
  const fitted = useRef(false);
  const limit = useRef<L.LatLngBounds | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const lastPlaced = useRef(0);
  const pendingPick = useRef<{ n: number; touch: boolean } | null>(null);
  const latest = useRef({ runners, colors, followId, peekId, autoFit, course, onSelect, onPeek, onWho, onView, followAt });
  latest.current = { runners, colors, followId, peekId, autoFit, course, onSelect, onPeek, onWho, onView, followAt };

  useEffect(() => {
    if (!field) own.setRunners(runners.map((r) => ({ ...r, last: r.track[r.track.length - 1] ?? null })));
  }, [field, own, runners]);

  /** Names for the markers on screen; unknown names are asked for. */
  const placeLabels = useCallback(
    (shown: readonly Shown[]) => {
      lastPlaced.current = performance.now();
      const l = labels.current;
      if (!l) return;
      const { runners: held, colors: palette, followId: followed, peekId: peeked, onWho: who } = latest.current;
      const exact: Array<{ id: string; name: string; color: string; x: number; y: number; priority?: number }> = held.flatMap((r) => {
        const last = r.track[r.track.length - 1];
        if (r.id !== followed || !last) return [];
        const p = map.latLngToContainerPoint(latLng(last));
        return [{ id: r.id, name: r.name, color: r.color, x: p.x, y: p.y }];
      });
      // The runner pointed at is named even in a crowd, where the markers on screen are not listed.
      const pn = peeked ? store.indexOf(peeked) : undefined;
      const peekAt = pn === undefined ? null : (layer.current?.at(pn) ?? null);
      const peekInfo = pn === undefined ? undefined : store.known.get(pn);
      if (peekAt && peekInfo) exact.push({ id: peekInfo.id, name: peekInfo.name, color: colorHex(store.displayColor(pn!)), ...peekAt, priority: 1 });
      const wanted = l.place(shown, store, { followId: followed, peekId: peeked, colors: palette, followed: exact });
      if (wanted.length) who?.(wanted);
    },
    [map, store],
  );

  const placeSoon = useCallback(() => {
    if (timer.current !== null) return;
    const wait = Math.max(0, lastPlaced.current + LABEL_EVERY_MS - performance.now());
    timer.current = setTimeout(() => {
      timer.current = null;
      placeLabels(layer.current?.onScreen ?? []);
    }, wait);
  }, [placeLabels]);

  /** What is in view, for the session. */
  const tellView = useCallback(() => {
    const b = map.getBounds();
    latest.current.onView?.({
      west: Math.max(-180, b.getWest()),
      south: Math.max(-90, b.getSouth()),
      east: Math.min(180, b.getEast()),
      north: Math.min(90, b.getNorth()),
      zoom: map.getZoom(),
    });
  }, [map]);

  // Zoom and pan stay around the field; until the spectator moves the map, it fits the field.
  const fit = useCallback(() => {
    const { course: c, autoFit: fitting, followId: followed, runners: held, followAt: ghostAt } = latest.current;
    const courseBox = c ? courseBounds(c) : null;
    const extent = fieldBounds(store);
    const f = extent && courseBox ? L.latLngBounds(extent.getSouthWest(), extent.getNorthEast()).extend(courseBox) : (extent ?? courseBox);
    programmatic.current = true;
    try {
      if (f && (!limit.current || !limit.current.contains(f))) {
        const sw = f.getSouthWest().toBounds(FIELD_MARGIN_M * 2);
        const ne = f.getNorthEast().toBounds(FIELD_MARGIN_M * 2);
        const next = L.latLngBounds(sw.getSouthWest(), ne.getNorthEast()).extend(f.getCenter().toBounds(FIELD_MARGIN_M * 2));
        limit.current = next;
        map.setMaxBounds(next.pad(0.25));
        map.setMinZoom(Math.max(2, map.getBoundsZoom(next, false)));
      }
      // A chip-only runner has no fix: where the estimator puts them is all there is to follow.
      const last = ghostAt ?? (followed ? held.find((r) => r.id === followed)?.track.at(-1) : undefined);
      if (last) {
        const target = L.latLng(last[0], last[1]);
        if (!map.getCenter().equals(target) || map.getZoom() < 15) map.setView(target, Math.max(map.getZoom(), 15), { animate: false });
      } else if (fitting && f && (!fitted.current || !map.getBounds().pad(-0.05).contains(f))) {
        map.fitBounds(f.pad(0.15), { maxZoom: 16, animate: false });
        fitted.current = true;
      }
    } finally {
      programmatic.current = false;
    }
  }, [map, store]);

  useEffect(() => {
    const labelPane = map.getPane('runnerLabels') ?? map.createPane('runnerLabels');
    labelPane.classList.add('runner-labels', 'leaflet-zoom-hide');
    labelPane.style.zIndex = '650';
    const select = (id: string) => latest.current.onSelect(id);
    labels.current = new RunnerLabels(map, labelPane, select);
    const l = new RunnerLayer(store, (shown, kinds) => {
      // The layer's 'gps' is the estimator's 'seen': only the other two have a line in the legend.
      onFieldKinds(new Set([...kinds].filter((k): k is 'predicted' | 'ghost' => k !== 'gps')));
      const since = performance.now() - lastPlaced.current;
      if (since >= LABEL_EVERY_MS) placeLabels(shown);
      else placeSoon();
    });
    layer.current = l;
    l.addTo(map);
    const unsubscribe = store.subscribe(() => {
      if (latest.current.autoFit || !limit.current) fit();
      const pending = pendingPick.current;
      const known = pending && store.known.get(pending.n);
      if (pending && known) {
        pendingPick.current = null;
        if (pending.touch) latest.current.onPeek(known.id);
        else latest.current.onSelect(known.id);
      }
    });
    const pickAt = (e: L.LeafletMouseEvent) => l.pick(e.containerPoint);
    const click = (e: L.LeafletMouseEvent) => {
      const n = pickAt(e);
      if (n === undefined) return latest.current.onPeek(null);
      // On a touch screen the first tap on a runner whose name is hidden shows the name; the next one follows.
      const touch = (e.originalEvent as PointerEvent).pointerType === 'touch';
      const id = store.known.get(n)?.id;
      if (!id) {
        pendingPick.current = { n, touch };
        latest.current.onWho?.([n]);
        return;
      }
      if (touch && !labels.current?.placed.has(id)) latest.current.onPeek(id);
      else latest.current.onSelect(id);
    };
    let hoverFrame: number | null = null;
    let hovered: number | undefined;
    const hover = (e: L.LeafletMouseEvent) => {
      if (hoverFrame !== null) return;
      hoverFrame = requestAnimationFrame(() => {
        hoverFrame = null;
        const n = pickAt(e);
        if (n === hovered) return;
        hovered = n;
        map.getContainer().style.cursor = n === undefined ? '' : 'pointer';
        const id = n === undefined ? null : (store.known.get(n)?.id ?? null);
        if (n !== undefined && !id) latest.current.onWho?.([n]);
        latest.current.onPeek(id);
      });
    };
    const moved = () => {
      if (!programmatic.current) onUserMove();
    };
    const settled = () => {
      tellView();
      placeLabels(l.onScreen);
    };
    map.on('click', click);
    map.on('mousemove', hover);
    map.on('dragstart zoomstart', moved);
    map.on('moveend zoomend resize', settled);
    return () => {
      unsubscribe();
      map.off('click', click);
      map.off('mousemove', hover);
      map.off('dragstart zoomstart', moved);
      map.off('moveend zoomend resize', settled);
      if (hoverFrame !== null) cancelAnimationFrame(hoverFrame);
      if (timer.current !== null) clearTimeout(timer.current);
      timer.current = null;
      l.remove();
      labels.current?.clear();
      layer.current = null;
    };
  }, [map, store, placeLabels, placeSoon, fit, tellView, onUserMove, onFieldKinds]);

  // Trails: the runners held whole (the followed runner; everyone on a share link's page), appended point by point.
  useEffect(() => {
    const drawn = trails.current;
    const present = new Set<string>();
    for (const r of runners) {
      if (r.track.length < 2) continue;
      present.add(r.id);
      const color = colors.get(r.id) ?? r.color;
      const followed = r.id === followId;
      let t = drawn.get(r.id);
      if (!t) {
        const line = L.polyline([], { interactive: false, className: 'trail' });
        line.addTo(map);
        line.getElement()?.setAttribute('data-runner', r.id);
        t = { line, drawn: 0, last: undefined };
        drawn.set(r.id, t);
      }
      const appended = t.drawn > 0 && r.track.length >= t.drawn && r.track[t.drawn - 1] === t.last;
      if (appended && r.track.length > t.drawn) {
        const ll = t.line.getLatLngs() as L.LatLng[];
        for (let i = t.drawn; i < r.track.length; i++) ll.push(L.latLng(latLng(r.track[i]!)));
        t.line.setLatLngs(ll);
      } else if (!appended) t.line.setLatLngs(r.track.map(latLng));
      t.drawn = r.track.length;
      t.last = r.track[r.track.length - 1];
      t.line.getElement()?.setAttribute('data-points', String(t.drawn));
      // Thin, so the course stays readable; the followed runner's a little stronger.
      t.line.setStyle({ color, weight: followed ? 4 : 2, opacity: followed ? 0.85 : r.status === 'active' ? 0.6 : 0.4 });
    }
    for (const [id, t] of drawn) {
      if (present.has(id)) continue;
      t.line.remove();
      drawn.delete(id);
    }
  }, [map, runners, colors, followId, generation]);

  // The followed runner: drawn above everyone at their exact latest fix, and kept in view.
  useEffect(() => {
    const r = followId ? runners.find((x) => x.id === followId) : undefined;
    const last = r?.track[r.track.length - 1];
    const n = r ? store.indexOf(r.id) : undefined;
    layer.current?.setHighlights(
      r && last
        ? [{ id: r.id, lat: last[0], lon: last[1], color: colors.get(r.id) ?? r.color, n, dim: r.status !== 'active' || followAt !== null }]
        : // No fix (a chip-only runner): the estimator's layer draws where they probably are.
          r && followAt
          ? [{ id: r.id, lat: followAt[0], lon: followAt[1], color: r.color, n, dim: true, hidden: true }]
          : [],
    );
    fit();
    placeLabels(layer.current?.onScreen ?? []);
  }, [runners, followId, colors, store, fit, placeLabels, peekId, followAt]);

  useEffect(() => {
    fit();
    tellView();
  }, [fit, tellView, autoFit, course]);

  useEffect(() => {
    for (const t of trails.current.values()) t.line.remove();
    trails.current.clear();
    fitted.current = false;
  }, [generation]);

  return null;
}

const sameSet = <T,>(a: ReadonlySet<T>, b: ReadonlySet<T>) => a.size === b.size && [...a].every((x) => b.has(x));

export default function LiveMap(props: LiveMapProps) {
  const [autoFit, setAutoFit] = useState(true);
  const [peekId, setPeekId] = useState<string | null>(null);
  const [estimated, setEstimated] = useState<ReadonlySet<WhereaboutsKind>>(new Set());
  const onKinds = useCallback((kinds: ReadonlySet<WhereaboutsKind>) => setEstimated((was) => (sameSet(was, kinds) ? was : kinds)), []);
  const [inField, setInField] = useState<ReadonlySet<WhereaboutsKind>>(new Set());
  const onFieldKinds = useCallback((kinds: ReadonlySet<WhereaboutsKind>) => setInField((was) => (sameSet(was, kinds) ? was : kinds)), []);
  const legend = useMemo(() => new Set([...estimated, ...inField]), [estimated, inField]);
  const onUserMove = useCallback(() => setAutoFit(false), []);
  // A page that holds every runner whole draws them through a field of its own.
  const own = useMemo(() => new FieldStore(), []);
  const store = props.field ?? own;
  const subscribe = useMemo(() => store.subscribe.bind(store), [store]);
  const placed = useSyncExternalStore(subscribe, () => store.placedTotal, () => 0);
  const { onSelect } = props;
  const hasPoints = placed > 0 || props.runners.some((r) => r.track.length > 0);
  const { course, unit = 'km', scale } = props;
  const followAt = useGhostAt(props.runners, props.followId, course ?? null, props.overlay ? null : (scale ?? null));
  return (
    <div className="map-wrap" data-testid="map">
      {/* Quarter steps: the map fits the course snugly (whole steps left a half marathon on half a phone's map). */}
      <MapContainer center={[20, 0]} zoom={2} minZoom={2} maxZoom={MAX_ZOOM} zoomSnap={0.25} maxBoundsViscosity={1} worldCopyJump>
        <TileLayer url={props.tileUrl} attribution={props.tileAttribution} maxZoom={MAX_ZOOM} />
        <ScaleControl position="bottomleft" />
        {course && <CourseLayers course={course} unit={unit} />}
        {course && scale && !props.overlay && (
          <GhostLayers runners={props.runners} colors={props.colors} course={course} scale={scale} followId={props.followId} onSelect={onSelect} onKinds={onKinds} />
        )}
        <RunnerLayers {...props} own={own} followAt={followAt} onFieldKinds={onFieldKinds} autoFit={autoFit} peekId={peekId} onPeek={setPeekId} onUserMove={onUserMove} />
      </MapContainer>
      {!props.overlay && <MapLegend kinds={legend} />}
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
