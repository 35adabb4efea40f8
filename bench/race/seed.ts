/**
 * A race written straight into a store, as a running server would have left it, for the benchmarks and the
 * end-to-end spec that need tens of thousands of runners in seconds: the event with its marathon course
 * (bench/race/field.ts), the runners (some with a tracking-app key, the rest with a phone's token), each
 * runner's last `fixes` fixes, and the checkpoints the rooms write (made by the rooms' own per-runner code),
 * so that a room loads from its checkpoints as it would after a restart.
 */
import { RaceCourse } from '../../server/room/race-course';
import { INGEST_SEQ_BASE, RunnerTrack } from '../../server/room/runner-track';
import { cryptoCredentials } from '../../server/credentials';
import type { EventRecord, RunnerRecord, StoredPosition, Store, WriteOp } from '../../server/storage/store';
import { marathon, positionOf } from './field';

export interface SeedOptions {
  store: Store;
  eventId: string;
  name: string;
  runners: number;
  /** Fixes of history per runner, `intervalMs` apart, the last at `until`. */
  fixes: number;
  intervalMs: number;
  until: number;
  /** The gun: runners started in waves after it. */
  gun: number;
  /** Share of runners who send from a tracking app (a device key) rather than the runner page (a token). */
  appShare: number;
  organiserToken: string;
  onProgress?: (runnersDone: number) => void;
}

export interface SeededRunner {
  i: number;
  id: string;
  name: string;
  bib: string;
  /** The runner page's token (resume). */
  token: string;
  /** The tracking app's device key; null for a runner on the runner page. */
  key: string | null;
  /** Highest sequence number of the history (runner page runners continue after it). */
  seq: number;
}

const FIRST = ['Ada', 'Bashir', 'Chen', 'Dara', 'Elif', 'Femi', 'Grace', 'Hiro', 'Ines', 'José', 'Kwame', 'Léa', 'Mei', 'Nikolai', 'Olu', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tomás', 'Uma', 'Vikram', 'Wen', 'Yara', 'Zoë'];
const LAST = ['Okafor', 'Schmidt', 'Tanaka', 'García', 'Kowalski', 'Nguyen', 'Haddad', 'Johansson', 'Rossi', 'Dubois', 'Ivanova', 'Mensah', 'Kim', 'Fernández', "O'Brien", 'Bartholomew-Okonkwo', '佐藤', 'Müller-Lüdenscheidt'];
const COLORS = ['#d7263d', '#d9480f', '#2b8a3e', '#0b7a75', '#1f5fd6', '#8e2ab5', '#c2255c', '#8a4b16'];

export const runnerName = (i: number) => `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]} ${i + 1}`;
export const runnerId = (i: number) => `r${i.toString(36).padStart(6, '0')}`;

export async function seedRace(o: SeedOptions): Promise<{ runners: SeededRunner[]; rows: number; seconds: number }> {
  const started = performance.now();
  const shape = marathon();
  const raceCourse = new RaceCourse(shape, o.gun - 3600_000, o.gun);
  const event: EventRecord = {
    info: { id: o.eventId, name: o.name, createdAt: o.gun - 3 * 3600_000, status: 'live', protected: false, race: { startsAt: o.gun, unit: 'km', course: raceCourse.info() } },
    organiserHash: cryptoCredentials.hash(o.organiserToken),
    viewCodeHash: null,
    // A big city race: room for everyone, and fixes every second for hours.
    quotas: { maxRunners: 100_000, fixesPerRunnerPerHour: 36_000, addressMiBPerHour: 1024 },
  };
  let rows = 0;
  let lastArrival = 0;
  let ops: WriteOp[] = [{ op: 'event', record: event }, { op: 'course', event: o.eventId, course: raceCourse.compact(), updatedAt: o.gun - 3600_000 }];
  const flush = async () => {
    if (ops.length === 0) return;
    const { arrivals } = await o.store.append(ops);
    for (const a of arrivals) if (a !== null && a > lastArrival) lastArrival = a;
    rows += ops.length;
    ops = [];
  };
  await flush();
  const runners: SeededRunner[] = [];
  const checkpoints: Array<Extract<WriteOp, { op: 'checkpoint' }>> = [];
  const first = o.until - (o.fixes - 1) * o.intervalMs;
  for (let i = 0; i < o.runners; i++) {
    const app = i < Math.round(o.runners * o.appShare);
    const token = cryptoCredentials.newToken();
    const key = app ? cryptoCredentials.newToken() : null;
    const record: RunnerRecord = {
      id: runnerId(i),
      event: o.eventId,
      name: runnerName(i),
      color: COLORS[i % COLORS.length]!,
      tokenHash: cryptoCredentials.hash(token),
      deviceKeyHash: key ? cryptoCredentials.hash(key) : null,
      joinedAt: o.gun - 1800_000,
      stopped: false,
      bib: String(i + 1),
      entry: null,
    };
    ops.push({ op: 'runner', runner: record });
    const track = new RunnerTrack(record, 16);
    let seq = 0;
    for (let k = 0; k < o.fixes; k++) {
      const t = first + k * o.intervalMs;
      const p = positionOf(shape, i, (t - o.gun) / 1000);
      seq = app ? INGEST_SEQ_BASE + t : k + 1;
      const pos: StoredPosition = { seq, lat: p.lat, lon: p.lon, t, acc: 5, alt: null, spd: null, hdg: null, bat: app ? 80 : null };
      track.settle(seq);
      track.applyFix(pos, t, raceCourse);
      ops.push({ op: 'position', event: o.eventId, runnerId: record.id, pos });
    }
    checkpoints.push({ op: 'checkpoint', event: o.eventId, runnerId: record.id, through: 0, state: track.checkpoint() });
    runners.push({ i, id: record.id, name: record.name, bib: record.bib!, token, key, seq: app ? 0 : seq });
    if (ops.length >= 20_000) await flush();
    if ((i + 1) % 1000 === 0) o.onProgress?.(i + 1);
  }
  await flush();
  // The checkpoints hold everything written so far.
  for (const c of checkpoints) c.through = lastArrival;
  for (let k = 0; k < checkpoints.length; k += 5000) {
    ops = checkpoints.slice(k, k + 5000);
    await flush();
  }
  return { runners, rows, seconds: (performance.now() - started) / 1000 };
}
