'use client';

import { useEffect, useState } from 'react';
import { call, type ReadAccess, type RunnerRaceDetail } from '../client/api';
import type { RunnerView } from '../client/event-view';
import { PassingToast } from './PassingToast';
import { describeBasis } from '../lib/course/forecast';
import { type DistanceUnit, formatDistance, formatDuration, formatGap, formatPace } from '../lib/course/units';

/** How often a followed runner's splits and predictions are read again. */
const REFRESH_MS = 15_000;

const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * The followed runner's race: position, distance along the course, time since their start, gap, pace,
 * splits at every kilometre or mile and checkpoint, and when they should reach the next checkpoints and
 * the finish (with what the prediction is based on).
 */
export function RaceCard({ runner, eventId, unit, access, now }: { runner: RunnerView; eventId: string; unit: DistanceUnit; access: ReadAccess; now: number }) {
  const race = runner.race;
  const [detail, setDetail] = useState<RunnerRaceDetail | null>(null);
  const passed = race?.cp?.t ?? null;
  useEffect(() => {
    setDetail(null);
    if (!race) return;
    const abort = new AbortController();
    const load = () =>
      call('runnerRace', { id: eventId, runner: runner.id }, { query: { ...access, unit }, signal: abort.signal })
        .then(setDetail)
        .catch(() => {});
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
    // A passing is news: read again at once.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [eventId, runner.id, unit, access, !race, passed]);
  if (!race) return null;
  const elapsed = race.start === null ? null : race.finish ?? (now - race.start) / 1000;
  // Kilometres (or miles) and checkpoints in one table, each split since the row before it.
  const rows = detail
    ? [...detail.splits.filter((s) => s.kind !== 'finish'), ...detail.checkpoints]
        .sort((a, b) => a.at - b.at)
        .map((s, i, all) => {
          const before = i > 0 ? all[i - 1]!.elapsed : 0;
          return { ...s, split: s.elapsed !== null && before !== null ? s.elapsed - before : null };
        })
    : [];
  return (
    <section className="panel race-card" aria-labelledby="race-heading" data-testid="race-card">
      <h2 id="race-heading">
        {runner.name}
        {runner.bib ? ` · ${runner.bib}` : ''}
      </h2>
      <dl className="race-facts">
        <div>
          <dt>Position</dt>
          <dd data-testid="race-position">{race.pos ?? '—'}</dd>
        </div>
        <div>
          <dt>On course</dt>
          <dd>{race.at === null ? '—' : formatDistance(race.at, unit)}</dd>
        </div>
        <div>
          <dt>{race.state === 'finished' ? 'Finish time' : 'Time'}</dt>
          <dd data-testid="race-elapsed">{elapsed === null ? '—' : formatDuration(elapsed)}</dd>
        </div>
        <div>
          <dt>Gap</dt>
          <dd>{race.pos === 1 ? 'leader' : formatGap(race.gap)}</dd>
        </div>
        <div>
          <dt>Pace now</dt>
          <dd>{formatPace(race.speed, unit)}</dd>
        </div>
        <div>
          <dt>Average</dt>
          <dd>{formatPace(race.avg, unit)}</dd>
        </div>
      </dl>
      <PassingToast runner={runner} />
      {race.off && <p className="alert">Off the course for a while: a detour, or their phone is somewhere else.</p>}
      {detail && detail.forecast.ahead.length > 0 && (
        <div className="race-eta" data-testid="race-eta">
          <h3>Expected</h3>
          <ul>
            {detail.forecast.ahead.map((eta) => (
              <li key={`${eta.kind}${eta.at}`}>
                <span>{eta.label}</span> <strong>{clock(eta.t)}</strong> <span className="muted">({formatDuration(eta.elapsed)})</span>
              </li>
            ))}
          </ul>
          <p className="small muted">From their {describeBasis(detail.forecast.basis, unit)}.</p>
        </div>
      )}
      {rows.length > 0 && (
        <div className="race-splits">
          <table className="splits-table" data-testid="splits">
            <caption>Splits</caption>
            <thead>
              <tr>
                <th scope="col">At</th>
                <th scope="col" className="num">
                  Split
                </th>
                <th scope="col" className="num">
                  Time
                </th>
                <th scope="col" className="num">
                  Clock
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => (
                <tr key={`${s.kind}${s.at}`} className={s.kind === 'checkpoint' || s.kind === 'finish' ? 'cp' : undefined}>
                  <th scope="row">{s.label}</th>
                  <td className="num">{s.split === null ? '—' : formatDuration(s.split)}</td>
                  <td className="num">{s.elapsed === null ? '—' : formatDuration(s.elapsed)}</td>
                  <td className="num">{s.t === null ? '—' : clock(s.t)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
