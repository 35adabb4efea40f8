'use client';

import dynamic from 'next/dynamic';
import { useMemo, useRef } from 'react';
import { mergeHappiness } from '../client/happiness-history';
import type { HappinessSample } from '../lib/protocol';

const HappinessChart = dynamic(() => import('./HappinessChart'), { ssr: false });

export function HappinessPanel({ samples }: { samples: HappinessSample[] }) {
  const kept = useRef<readonly HappinessSample[]>([]);
  const history = useMemo(() => (kept.current = mergeHappiness(kept.current, samples)), [samples]);
  const latest = history[history.length - 1];
  const hasData = history.some((s) => s.mean !== null);
  return (
    <section className="panel" aria-labelledby="happiness-heading">
      <h2 id="happiness-heading">Happiness</h2>
      <div className="chart-now" data-testid="happiness-now">
        {latest && latest.mean !== null ? (
          <>
            <strong>{latest.mean.toFixed(1)}</strong>
            <span className="muted">
              / 10 · mean of {latest.count} runner{latest.count === 1 ? '' : 's'}
            </span>
          </>
        ) : (
          <span className="muted">No one has said how they feel yet.</span>
        )}
      </div>
      <div className="chart-box">
        <HappinessChart samples={history} />
        {!hasData && <div className="chart-empty">No data yet: the chart fills as runners report.</div>}
      </div>
    </section>
  );
}
