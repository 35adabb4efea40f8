'use client';

import { type FormEvent, useState } from 'react';
import { apiUrl } from '../client/api';
import type { OrganiserSession, RaceSettings } from '../client/organiser-session';
import { type DistanceUnit, formatDistance, inUnit, UNIT_M } from '../lib/course/units';
import type { Checkpoint } from '../lib/course/checkpoints';
import type { EventInfo } from '../lib/protocol';
import CoursePreview from './CoursePreview';


interface Draft {
  name: string;
  /** Distance as typed, in the event's unit. */
  at: string;
  /** Cut-off as typed (a local date and time); empty for none. */
  cutoff: string;
}

const toLocalInput = (t: number | null) => {
  if (t === null) return '';
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/**
 * The organiser's race set-up: the course (a GPX, KML or GeoJSON file, or a runner's recorded track),
 * its checkpoints, the start time (or *Start now*) and the event's unit.
 */
export function CourseSetup({
  event,
  runners,
  session,
}: {
  event: EventInfo;
  runners: Array<{ id: string; name: string; lastSeen: number | null }>;
  session: OrganiserSession;
}) {
  const race = event.race ?? { startsAt: null, unit: 'km' as DistanceUnit, course: null };
  const unit = race.unit;
  const course = race.course;
  const [drafts, setDrafts] = useState<Draft[] | null>(null);
  const [start, setStart] = useState<string | null>(null);
  const [fromRunner, setFromRunner] = useState('');
  // Each form's answer shows beside it (course, checkpoints, start), not at the top of a long page.
  const [said, setSaid] = useState<{ where: 'course' | 'checkpoints' | 'start'; ok: boolean; text: string } | null>(null);
  const confirm = (where: 'course' | 'checkpoints' | 'start') =>
    said?.where === where ? (
      <p className={`inline-said${said.ok ? '' : ' bad'}`} role="status" data-testid={`said-${where}`}>
        {said.text}
      </p>
    ) : null;
  const run = (where: 'course' | 'checkpoints' | 'start', what: () => Promise<unknown>, done: string) =>
    what().then(
      () => setSaid({ where, ok: true, text: done }),
      (err: unknown) => setSaid({ where, ok: false, text: err instanceof Error ? err.message : 'That did not work: try again.' }),
    );
  const now = Date.now();
  const started = race.startsAt !== null && race.startsAt <= now;
  const finished = event.status === 'finished';
  const checkpoints: Draft[] =
    drafts ??
    (course?.checkpoints ?? []).map((cp) => ({ name: cp.name, at: String(Math.round(inUnit(cp.at, unit) * 100) / 100), cutoff: toLocalInput(cp.cutoff ?? null) }));

  const upload = (file: File) =>
    run('course', async () => {
      const warnings = await session.setCourse(await file.arrayBuffer());
      if (warnings.length) window.alert(warnings.join('\n'));
      setDrafts(null);
    }, `The course from ${file.name} is set.`);

  const saveCheckpoints = (e: FormEvent) => {
    e.preventDefault();
    const list: Checkpoint[] = checkpoints
      .filter((d) => d.name.trim() || d.at.trim())
      .map((d) => ({ name: d.name, at: Number(d.at.replace(',', '.')) * UNIT_M[unit], cutoff: d.cutoff ? new Date(d.cutoff).getTime() : null }));
    void run('checkpoints', async () => {
      await session.setCheckpoints(list);
      setDrafts(null);
    }, 'The checkpoints are saved.');
  };

  const setRace = (settings: RaceSettings, done: string) => run('start', () => session.setRace(settings), done);

  return (
    <section className="panel course-setup" aria-labelledby="course-heading" data-testid="course-setup">
      <h2 id="course-heading">Course and start</h2>
      {course ? (
        <p data-testid="course-summary">
          <strong>{course.name ?? 'Course'}</strong>: {formatDistance(course.length, unit)}, {course.checkpoints.length} checkpoint
          {course.checkpoints.length === 1 ? '' : 's'}.{' '}
          <a href={apiUrl('course', { id: event.id }, { format: 'gpx' })} download>
            Download GPX
          </a>
        </p>
      ) : (
        <p className="muted">No course yet: runners are shown by where they are, not by race order.</p>
      )}
      {!finished && (
        <div className="course-upload">
          <label className="field">
            <span>{course ? 'Replace the course' : 'Upload the course'} (GPX, KML or GeoJSON)</span>
            <input
              type="file"
              accept=".gpx,.kml,.geojson,.json,application/gpx+xml,application/vnd.google-earth.kml+xml,application/geo+json"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) void upload(file);
                e.target.value = '';
              }}
            />
          </label>
          {runners.some((r) => r.lastSeen !== null) && (
            <div className="inline-form">
              <label className="field">
                <span>Or use a runner&apos;s recorded track</span>
                <select value={fromRunner} onChange={(e) => setFromRunner(e.target.value)}>
                  <option value="">Choose a runner…</option>
                  {runners
                    .filter((r) => r.lastSeen !== null)
                    .map((r) => (
                      <option key={r.id} value={r.id}>
                        {r.name}
                      </option>
                    ))}
                </select>
              </label>
              <button
                className="btn"
                type="button"
                disabled={!fromRunner}
                onClick={() => void run('course', () => session.courseFromTrack(fromRunner), 'That track is now the course.')}
              >
                Use as course
              </button>
            </div>
          )}
        </div>
      )}
      {confirm('course')}
      {course && <CoursePreview eventId={event.id} info={course} />}
      {course && (
        <form className="checkpoints" onSubmit={saveCheckpoints} aria-labelledby="checkpoints-heading">
          <h3 id="checkpoints-heading">Checkpoints</h3>
          {checkpoints.length === 0 && <p className="small muted">None yet: add the places spectators wait at (“Water 3”, “Half way”).</p>}
          {checkpoints.map((d, i) => (
            // Rows are drafts without ids, and every input in them is controlled: a row's place is its identity.
            // eslint-disable-next-line react/no-array-index-key
            <div className="checkpoint-row" key={i}>
              <label className="field">
                <span>Name</span>
                <input
                  value={d.name}
                  maxLength={40}
                  disabled={finished}
                  onChange={(e) => setDrafts(checkpoints.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)))}
                />
              </label>
              <label className="field">
                <span>Cut-off</span>
                <input
                  type="datetime-local"
                  value={d.cutoff}
                  disabled={finished}
                  aria-label={`Cut-off at ${d.name || `checkpoint ${i + 1}`}`}
                  onChange={(e) => setDrafts(checkpoints.map((x, j) => (j === i ? { ...x, cutoff: e.target.value } : x)))}
                />
              </label>
              <label className="field">
                <span>At ({unit})</span>
                <input
                  value={d.at}
                  inputMode="decimal"
                  disabled={finished}
                  onChange={(e) => setDrafts(checkpoints.map((x, j) => (j === i ? { ...x, at: e.target.value } : x)))}
                />
              </label>
              {!finished && (
                <button className="btn small" type="button" aria-label={`Remove checkpoint ${d.name || i + 1}`} onClick={() => setDrafts(checkpoints.filter((_, j) => j !== i))}>
                  Remove
                </button>
              )}
            </div>
          ))}
          {!finished && (
            <div className="row-actions">
              <button className="btn" type="button" onClick={() => setDrafts([...checkpoints, { name: '', at: '', cutoff: '' }])}>
                Add a checkpoint
              </button>
              <button className="btn primary" type="submit" disabled={drafts === null}>
                Save checkpoints
              </button>
            </div>
          )}
          {confirm('checkpoints')}
        </form>
      )}
      <div className="race-settings">
        <h3>Start</h3>
        <p className="small muted">
          {race.startsAt === null
            ? 'No start time: each runner is timed from when they cross the start line (or their first fix on the course).'
            : started
              ? `Started ${new Date(race.startsAt).toLocaleString()}: fixes before it are not the race.`
              : `Starts at ${new Date(race.startsAt).toLocaleString()}.`}
        </p>
        {!finished && (
          <div className="inline-form">
            <label className="field">
              <span>Start time</span>
              <input type="datetime-local" value={start ?? toLocalInput(race.startsAt)} onChange={(e) => setStart(e.target.value)} />
            </label>
            <button
              className="btn"
              type="button"
              disabled={!start}
              onClick={() => void setRace({ startsAt: start ? new Date(start).getTime() : null }, 'The start time is set.').then(() => setStart(null))}
            >
              Set start time
            </button>
            {!started && (
              <button
                className="btn"
                type="button"
                data-testid="start-now"
                onClick={() => {
                  if (window.confirm('Start the race now? Every runner is timed from this moment.')) void setRace({ startNow: true }, 'The race has started.');
                }}
              >
                Start now
              </button>
            )}
          </div>
        )}
        <label className="field unit-field">
          <span>Distances in</span>
          <select value={unit} onChange={(e) => void setRace({ unit: e.target.value as DistanceUnit }, 'The unit is saved.')}>
            <option value="km">kilometres (min/km)</option>
            <option value="mi">miles (min/mi)</option>
          </select>
        </label>
        {confirm('start')}
      </div>
    </section>
  );
}
