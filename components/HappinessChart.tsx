'use client';

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import type { HappinessSample } from '../lib/protocol';

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const clockWithSeconds = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** The event's mean happiness over time. The chart is created once and fed new data in place. */
export default function HappinessChart({ samples }: { samples: HappinessSample[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: el.clientWidth || 320,
      height: 180,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: [0, 10] } },
      axes: [
        {
          stroke: '#5b6b78',
          grid: { stroke: '#eef2f5' },
          ticks: { stroke: '#dfe5ea' },
          // Seconds only while the ticks are less than a minute apart.
          values: (_u, splits) => {
            const fine = splits.length > 1 && splits[1]! - splits[0]! < 60;
            return splits.map((s) => (fine ? clockWithSeconds : clock).format(new Date(s * 1000)));
          },
        },
        { stroke: '#5b6b78', grid: { stroke: '#eef2f5' }, ticks: { stroke: '#dfe5ea' }, size: 32, splits: () => [0, 2, 4, 6, 8, 10] },
      ],
      series: [
        {},
        {
          label: 'Mean happiness',
          stroke: '#ff6b35',
          width: 2,
          fill: 'rgba(255, 107, 53, 0.12)',
          spanGaps: false,
          points: { show: false },
        },
      ],
    };
    plot.current = new uPlot(opts, [[], []], el);
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: 180 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    const xs = samples.map((s) => s.t / 1000);
    const ys = samples.map((s) => s.mean);
    plot.current?.setData([xs, ys] as uPlot.AlignedData);
  }, [samples]);

  return <div ref={box} className="chart" data-testid="happiness-chart" data-samples={samples.length} />;
}
