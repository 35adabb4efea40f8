'use client';

import { useState } from 'react';
import type { TimingView } from '../client/api';
import { type DistanceUnit, formatDistance, inUnit, UNIT_M } from '../lib/course/units';
import type { CourseInfo } from '../lib/protocol';
import { CopyField } from './CopyField';
import { ago } from './useNow';

/** A key just issued: shown once, with how to set the decoder up. */
interface Issued {
  pointId: string;
  name: string;
  key: string;
}

const browserZone = () => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
};

/**
 * Timing points for the organiser: add one at the start, a checkpoint, the finish or any distance; its key
 * is shown once with the decoder's set-up (HTTP and, when the listener is on, TCP); each point shows what its
 * decoder sent and when it was last heard; chips no entry carries are listed.
 */
export function TimingPoints({
  eventId,
  origin,
  tcp,
  view,
  course,
  unit,
  now,
  finished,
  onAdd,
  onNewKey,
  onRemove,
}: {
  eventId: string;
  origin: string;
  /** host:port of the TCP listener, null when it is off. */
  tcp: string | null;
  view: TimingView | null;
  course: CourseInfo | null;
  unit: DistanceUnit;
  now: number;
  finished: boolean;
  onAdd: (point: { name: string; at: number; timeZone: string }) => Promise<{ point: { id: string }; key: string }>;
  onNewKey: (pointId: string) => Promise<string>;
  onRemove: (pointId: string) => Promise<void>;
}) {
  const [name, setName] = useState('');
  const [at, setAt] = useState('');
  const [zone, setZone] = useState(browserZone);
  const [issued, setIssued] = useState<Issued | null>(null);
  const [error, setError] = useState<string | null>(null);
  const presets: Array<{ name: string; at: number }> = course
    ? [{ name: 'Start', at: 0 }, ...course.checkpoints.map((c) => ({ name: c.name, at: c.at })), { name: 'Finish', at: course.length }]
    : [];
  const points = view?.points ?? [];

  const add = async (point: { name: string; at: number }) => {
    setError(null);
    try {
      const made = await onAdd({ ...point, timeZone: zone });
      setIssued({ pointId: made.point.id, name: point.name, key: made.key });
      setName('');
      setAt('');
    } catch (err) {
      setError(err instanceof Error ? err.message : 'The timing point could not be added: try again.');
    }
  };

  return (
    <section className="panel timing-points" aria-labelledby="timing-heading" data-testid="timing-points">
      <h2 id="timing-heading">Timing points</h2>
      <p className="small muted">
        A timing point is a mat on the course whose decoder reports chips passing. Its passings time the runners of the start list whose entry carries the
        chip, and move runners without a phone along the map.
      </p>
      {points.length > 0 && (
        <ul className="point-list">
          {points.map((p) => (
            <li key={p.id} data-point={p.id}>
              <strong>{p.name}</strong> at {formatDistance(p.at, unit)} · {p.passings} {p.passings === 1 ? 'passing' : 'passings'} · decoder{' '}
              {p.heardAt === null ? 'not heard yet' : `heard ${ago(p.heardAt, now)}`} · clock in {p.timeZone}
              {!finished && (
                <span className="row-actions">
                  <button
                    className="btn small"
                    type="button"
                    onClick={() =>
                      void onNewKey(p.id)
                        .then((key) => setIssued({ pointId: p.id, name: p.name, key }))
                        .catch((err: unknown) => setError(err instanceof Error ? err.message : 'No new key: try again.'))
                    }
                  >
                    New key for {p.name}
                  </button>
                  <button className="btn small danger" type="button" onClick={() => window.confirm(`Remove the timing point ${p.name}? Its decoder's key stops working.`) && void onRemove(p.id)}>
                    Remove {p.name}
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {issued && <DecoderSetup issued={issued} eventId={eventId} origin={origin} tcp={tcp} onDone={() => setIssued(null)} />}
      {!finished && (
        <>
          {presets.length > 0 && (
            <div className="row-actions" role="group" aria-label="Add a timing point at">
              {presets
                .filter((p) => !points.some((q) => Math.abs(q.at - p.at) < 1))
                .map((p) => (
                  <button key={`${p.name}-${p.at}`} className="btn small" type="button" onClick={() => void add(p)}>
                    Add a mat at {p.name}
                  </button>
                ))}
            </div>
          )}
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              const metres = Number(at.replace(',', '.')) * UNIT_M[unit];
              if (!name.trim() || !Number.isFinite(metres)) return setError(`Give the point a name and its distance in ${unit}.`);
              void add({ name: name.trim(), at: metres });
            }}
          >
            <label className="field">
              <span>Name</span>
              <input value={name} maxLength={40} onChange={(e) => setName(e.target.value)} placeholder="Bridge" />
            </label>
            <label className="field">
              <span>At ({unit})</span>
              <input value={at} inputMode="decimal" onChange={(e) => setAt(e.target.value)} placeholder={course ? String(Math.round(inUnit(course.length, unit) / 2)) : '5'} />
            </label>
            <label className="field">
              <span>Decoder clock’s time zone</span>
              <input value={zone} onChange={(e) => setZone(e.target.value)} />
            </label>
            <button className="btn" type="submit">
              Add timing point
            </button>
          </form>
        </>
      )}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {view && view.unknownCount > 0 && (
        <div className="unknown-chips" data-testid="unknown-chips">
          <h3>Chips on no entry ({view.unknownCount})</h3>
          <p className="small muted">The mats saw these chips, but no entry carries them. Give an entry the chip and its passings count for that runner.</p>
          <ul>
            {view.unknownChips.slice(0, 30).map((c) => (
              <li key={c.chip}>
                <code>{c.chip}</code>: {c.passings} {c.passings === 1 ? 'passing' : 'passings'}, last {ago(c.lastT, now)}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/** The key, once, with what to type into the decoder or the software beside it. */
function DecoderSetup({ issued, eventId, origin, tcp, onDone }: { issued: Issued; eventId: string; origin: string; tcp: string | null; onDone: () => void }) {
  const url = `${origin}/api/events/${eventId}/timing/${issued.pointId}/passings`;
  return (
    <div className="alert info decoder-setup" role="status" data-testid="decoder-setup">
      <strong>Key for {issued.name}: copy it now, it is shown only once.</strong>
      <CopyField label={`Key for ${issued.name}`} value={issued.key} />
      <p>
        Over HTTP, post passings with the key as <code>Authorization: Bearer …</code> to:
      </p>
      <CopyField label="Passings address" value={url} />
      <p className="small">
        As JSON <code>{'{"passings": [{"chip": "KX101", "t": 1767254400000}]}'}</code>, or as decoder lines (Content-Type: text/plain), one passing a line:{' '}
        <code>chip;dd-mm-yyyy hh:mm:ss.ccc;loop;lap;battery;rewind</code>.
      </p>
      {tcp ? (
        <p>
          A decoder that pushes connects to <code>{tcp}</code> over TCP, sends the key on the first line, then its passings in that line format and{' '}
          <code>*</code> to say it is alive. Each <code>ACK n</code> it gets back says the first n lines are kept.
        </p>
      ) : (
        <p className="small">The TCP listener for decoders that push is off on this server (TIMING_TCP_PORT).</p>
      )}
      <button className="btn small" type="button" onClick={onDone}>
        I have kept the key
      </button>
    </div>
  );
}
