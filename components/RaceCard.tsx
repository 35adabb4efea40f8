'use client';

import { useEffect, useState } from 'react';
import { call, type ReadAccess, type RunnerRaceDetail } from '../client/api';
import type { RunnerView } from '../client/event-view';
import { basisWords, clockText, type CourseScale, estimateNow, etaText, paceNowText, splitTables, type SplitRow } from '../client/race-words';
import { PassingToast } from './PassingToast';
import { raceStatus } from '../lib/control/status';
import { PushFollow } from './PushFollow';
import { type DistanceUnit, formatDistance, formatDuration, formatGap, formatPace } from '../lib/course/units';

/** How often a followed runner's splits and predictions are read again … */
const REFRESH_MS = 15_000;
/** … and how soon after a failed read (a server just restarted, a dropped connection), doubling to REFRESH_MS. */
const RETRY_MS = 1000;

const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * The followed runner's race: position, distance along the course, time since their start, gap, pace,
 * splits at every kilometre or mile and checkpoint, and when they should reach the next checkpoints and
 * the finish (with what the prediction is based on).
 */
export function RaceCard({
  runner,
  eventId,
  unit,
  access,
  now,
  scale,
  brief = false,
}: {
  runner: RunnerView;
  eventId: string;
  unit: DistanceUnit;
  access: ReadAccess;
  now: number;
  /** The course as the estimator needs it (null until it is loaded). */
  scale: CourseScale | null;
  /** The few facts a phone's bottom sheet shows at once: position, distance, last checkpoint, what comes next. */
  brief?: boolean;
}) {
  const race = runner.race;
  const [detail, setDetail] = useState<RunnerRaceDetail | null>(null);
  const passed = race?.cp?.t ?? null;
  useEffect(() => {
    setDetail(null);
    if (!race) return;
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const load = (retry: number) =>
      call('runnerRace', { id: eventId, runner: runner.id }, { query: { ...access, unit }, signal: abort.signal })
        .then((d) => {
          setDetail(d);
          timer = setTimeout(() => void load(RETRY_MS), REFRESH_MS);
        })
        .catch(() => {
          if (!abort.signal.aborted) timer = setTimeout(() => void load(Math.min(REFRESH_MS, retry * 2)), retry);
        });
    void load(RETRY_MS);
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
    // A passing is news: read again at once.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [eventId, runner.id, unit, access, !race, passed]);
  if (!race) return null;
  const elapsed = race.start === null ? null : race.finish ?? (now - race.start) / 1000;
  const tables = detail ? splitTables(detail) : null;
  const status = raceStatus(runner, { now, unit });
  // No forecast for a runner who is out, home, or not moving.
  const where = status.noForecast ? null : estimateNow(race, scale, now);
  const firstSeen = tables?.distance.find((s) => !s.estimated && s.kind !== 'finish') ?? null;
  const next = race.state === 'running' ? (race.eta[0] ?? null) : null;
  return (
    <div className={`race-card${brief ? ' brief' : ''}`} data-testid="race-card">
      <h3 className="visually-hidden">
        {runner.name}
        {runner.bib ? ` (bib ${runner.bib})` : ''}: race
      </h3>
      <p className={`race-status big ${status.tone}`} data-testid="race-card-status" data-status={status.key}>
        {status.words}
      </p>
      <dl className="race-facts">
        <div>
          <dt>Position</dt>
          <dd data-testid="race-position">{race.pos ?? '—'}</dd>
        </div>
        {runner.entry?.category && (
          <div>
            <dt>In {runner.entry.category}</dt>
            <dd data-testid="race-category-position">{race.cat ?? '—'}</dd>
          </div>
        )}
        <div>
          <dt>{where && where.kind !== 'seen' ? 'Last seen at' : 'On course'}</dt>
          <dd>{race.at === null ? '—' : formatDistance(race.at, unit)}</dd>
        </div>
        <div>
          <dt>{race.state === 'finished' ? 'Chip time' : 'Time'}</dt>
          <dd data-testid="race-elapsed">{elapsed === null ? '—' : formatDuration(elapsed)}</dd>
        </div>
        {race.state === 'finished' && race.gun != null && race.gun !== race.finish && (
          <div>
            <dt>Gun time</dt>
            <dd data-testid="race-gun">{formatDuration(race.gun)}</dd>
          </div>
        )}
        <div className="wide-fact">
          <dt>Last checkpoint</dt>
          <dd className="words" data-testid="race-last-checkpoint">
            {race.cp ? (
              <>
                <span className="cp-name">{race.cp.name}</span> <span className="cp-clock">{clock(race.cp.t)}</span>
              </>
            ) : (
              'none yet'
            )}
          </dd>
        </div>
        {next && (
          <div className="wide-fact">
            <dt>Next</dt>
            <dd className="words" data-testid="race-next">
              <span className="cp-name">{next.name}</span> <span className="eta-interval">{etaText(next)}</span>
            </dd>
          </div>
        )}
        {!brief && (
          <>
            <div>
              <dt>Gap</dt>
              <dd>{race.pos === 1 ? 'leader' : formatGap(race.gap)}</dd>
            </div>
            <div>
              <dt>Pace now</dt>
              <dd data-testid="race-pace">{paceNowText(race, unit)}</dd>
            </div>
            <div>
              <dt>Average</dt>
              <dd>{formatPace(race.avg, unit)}</dd>
            </div>
          </>
        )}
      </dl>
      <PassingToast runner={runner} />
      <PushFollow eventId={eventId} runner={runner} access={access} />
      {race.off && <p className="alert">Off the course for a while: a detour, or their phone is somewhere else.</p>}
      {where && where.kind !== 'seen' && (
        <p className="race-ghost" data-testid="race-whereabouts">
          {where.kind === 'ghost' ? `Not heard from for ${silenceWords(where.silentMs)}: ` : 'Between timing mats: '}
          probably at {formatDistance(where.at, unit, bandDecimals(where))}, somewhere between {formatDistance(where.lo, unit, bandDecimals(where))} and{' '}
          {formatDistance(where.hi, unit, bandDecimals(where))}.
        </p>
      )}
      {!brief && !status.noForecast && detail && detail.forecast.ahead.length > 0 && (
        <div className="race-eta" data-testid="race-eta">
          <h3>Expected</h3>
          <ul>
            {detail.forecast.ahead.map((eta) => (
              <li key={`${eta.kind}${eta.at}`}>
                <span>{eta.label}</span> <strong className="eta-interval">{etaText(eta)}</strong>{' '}
                <span className="muted">(likely {clockText(eta.t)})</span>
              </li>
            ))}
          </ul>
          <p className="small muted" data-testid="race-basis">
            {basisWords(detail.forecast.estimate, unit, !!scale?.effort)}
          </p>
        </div>
      )}
      {!brief && tables && tables.distance.length > 0 && (
        <SplitTable caption={`Every ${unit === 'km' ? 'kilometre' : 'mile'}`} rows={tables.distance} testId="splits" />
      )}
      {!brief && tables && tables.checkpoints.length > 0 && <SplitTable caption="Checkpoints" rows={tables.checkpoints} testId="checkpoint-splits" />}
      {!brief && tables && firstSeen && tables.distance.some((s) => s.estimated) && (
        <p className="small muted" data-testid="splits-estimated">
          ≈ estimated: they were first seen between {firstSeenBefore(tables.distance, unit)} and {firstSeen.label}, so earlier times come from the
          start, not from them.
        </p>
      )}
    </div>
  );
}

/** Two decimals for a band narrower than a kilometre, so its ends read apart. */
const bandDecimals = (w: { lo: number; hi: number }) => (w.hi - w.lo < 1000 ? 2 : 1);

function silenceWords(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m < 1 ? 'under a minute' : m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function firstSeenBefore(rows: readonly SplitRow[], unit: DistanceUnit): string {
  const last = [...rows].reverse().find((s) => s.estimated);
  return last ? last.label : `0 ${unit}`;
}

/** One series of splits: each since the row before it in the same series (or the start). */
function SplitTable({ caption, rows, testId }: { caption: string; rows: readonly SplitRow[]; testId: string }) {
  return (
    <div className="race-splits">
      <table className="splits-table" data-testid={testId}>
        <caption>{caption}</caption>
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
          {rows.map((s) => {
            const approx = s.estimated ? '≈ ' : '';
            return (
              <tr key={`${s.kind}${s.label}`} className={[s.kind === 'finish' ? 'cp' : '', s.estimated ? 'estimated' : ''].join(' ').trim() || undefined}>
                <th scope="row">{s.label}</th>
                <td className="num">{s.split === null ? '—' : formatDuration(s.split)}</td>
                <td className="num">{s.elapsed === null ? '—' : approx + formatDuration(s.elapsed)}</td>
                <td className="num">{s.t === null ? '—' : approx + clock(s.t)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
