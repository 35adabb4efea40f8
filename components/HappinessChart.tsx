'use client';

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import type { HappinessSample } from '../lib/protocol';

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const clockWithSeconds = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const HEIGHT = 180;
const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** The page's colours, read from its CSS variables so the canvas follows dark and outdoor modes. */
function themeColors(el: HTMLElement) {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return { text: v('--muted', '#4c5b67'), grid: v('--line', '#cfd8df'), line: v('--primary', '#b83a0b') };
}

let measure: CanvasRenderingContext2D | null = null;

/**
 * The tightest gap between time labels and the widest label, px, on the chart element: what the layout
 * spec checks to prove the labels never run into each other.
 */
function recordTicks(u: uPlot, el: HTMLElement, splits: number[], labels: string[]) {
  measure ??= document.createElement('canvas').getContext('2d');
  if (!measure) return;
  measure.font = AXIS_FONT;
  const widest = Math.max(0, ...labels.map((l) => measure!.measureText(l).width));
  let gap = Infinity;
  for (let i = 1; i < splits.length; i++) gap = Math.min(gap, u.valToPos(splits[i]!, 'x') - u.valToPos(splits[i - 1]!, 'x'));
  el.dataset.tickGap = String(Math.round(gap));
  el.dataset.tickWidth = String(Math.ceil(widest));
}

/**
 * The event's mean happiness over time, with a tooltip (value, runners, time) under the pointer.
 * The chart is created once and fed new data in place.
 */
export default function HappinessChart({ samples }: { samples: readonly HappinessSample[] }) {
  const box = useRef<HTMLDivElement>(null);
  const tip = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = useRef(samples);
  data.current = samples;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let colors = themeColors(el);
    const showTip = (u: uPlot) => {
      const t = tip.current;
      if (!t) return;
      const idx = u.cursor.idx;
      const sample = idx === null || idx === undefined ? undefined : data.current[idx];
      if (!sample || u.cursor.left === undefined || u.cursor.left < 0) {
        t.hidden = true;
        return;
      }
      const when = clockWithSeconds.format(new Date(sample.t));
      t.replaceChildren();
      const value = document.createElement('strong');
      value.textContent = sample.mean === null ? 'no report' : `${sample.mean.toFixed(1)} / 10`;
      t.append(value, ` · ${sample.count} runner${sample.count === 1 ? '' : 's'} · ${when}`);
      t.hidden = false;
      const over = u.over.getBoundingClientRect();
      const outer = el.getBoundingClientRect();
      const x = over.left - outer.left + u.cursor.left;
      const left = Math.max(0, Math.min(x - t.offsetWidth / 2, outer.width - t.offsetWidth));
      t.style.left = `${left}px`;
      t.style.top = '0px';
    };
    const opts: uPlot.Options = {
      width: el.clientWidth || 320,
      height: HEIGHT,
      legend: { show: false },
      // Room on the right for half of the last time label, which is centred on its tick.
      padding: [10, 40, 0, 0],
      cursor: { drag: { x: false, y: false }, points: { size: 8 } },
      scales: { x: { time: true }, y: { range: [0, 10] } },
      hooks: { setCursor: [showTip] },
      axes: [
        {
          stroke: () => colors.text,
          font: AXIS_FONT,
          grid: { stroke: () => colors.grid, width: 1 },
          ticks: { stroke: () => colors.grid },
          // Room for "12:34:56" between ticks at any width, so labels never run into each other.
          space: 84,
          values: (u, splits) => {
            const fine = splits.length > 1 && splits[1]! - splits[0]! < 60;
            const labels = splits.map((s) => (fine ? clockWithSeconds : clock).format(new Date(s * 1000)));
            recordTicks(u, el, splits, labels);
            return labels;
          },
        },
        {
          stroke: () => colors.text,
          grid: { stroke: () => colors.grid, width: 1 },
          ticks: { stroke: () => colors.grid },
          size: 32,
          font: AXIS_FONT,
          splits: () => [0, 2, 4, 6, 8, 10],
        },
      ],
      series: [
        {},
        {
          label: 'Mean happiness',
          stroke: () => colors.line,
          width: 2,
          fill: 'rgba(255, 107, 53, 0.14)',
          spanGaps: false,
          points: { show: false },
        },
      ],
    };
    const u = new uPlot(opts, [[], []], el);
    plot.current = u;
    u.over.addEventListener('mouseleave', () => {
      if (tip.current) tip.current.hidden = true;
    });
    const resize = new ResizeObserver(() => {
      if (el.clientWidth > 0) u.setSize({ width: el.clientWidth, height: HEIGHT });
    });
    resize.observe(el);
    const retheme = () => {
      colors = themeColors(el);
      u.redraw(false);
    };
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', retheme);
    const contrast = new MutationObserver(retheme);
    contrast.observe(document.documentElement, { attributes: true, attributeFilter: ['data-contrast'] });
    return () => {
      resize.disconnect();
      scheme.removeEventListener('change', retheme);
      contrast.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    const xs = samples.map((s) => s.t / 1000);
    const ys = samples.map((s) => s.mean);
    plot.current?.setData([xs, ys] as uPlot.AlignedData);
  }, [samples]);

  return (
    <div className="chart-wrap" style={{ position: 'relative' }}>
      <div
        ref={box}
        className="chart"
        data-testid="happiness-chart"
        data-samples={samples.length}
        role="img"
        aria-label={`Mean happiness over time, ${samples.length} sample${samples.length === 1 ? '' : 's'}`}
      />
      <div ref={tip} className="chart-tip" data-testid="chart-tip" hidden />
    </div>
  );
}
