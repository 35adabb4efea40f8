/**
 * Simulated runners that join an event over the public protocol, like phones do: the demo event and
 * `npm run simulate` both use it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { offsetM } from '../lib/geo';
import type { SocketLike } from '../client/live-socket';
import { type KeyValueStorage, MemoryStorage } from '../client/outbox';
import { RunnerSession } from '../client/runner-session';
import route from './routes/central-park.json';
import { type LatLon, RouteWalker } from './route-walker';

const NAMES = ['Ada', 'Bashir', 'Chen', 'Dara', 'Elif', 'Femi', 'Greta', 'Hiro', 'Ines', 'Jonas', 'Kofi', 'Lena'];
const COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#008080', '#f032e6', '#9a6324', '#800000', '#000075'];

export interface SimulationOptions {
  /** WebSocket URL of the server, e.g. ws://127.0.0.1:3000/ws */
  url: string;
  event: string;
  runners: number;
  /** Time between fixes, ms. */
  intervalMs?: number;
  /** Keep runner identities and outboxes in this JSON file, so a restart continues the same runners. */
  stateFile?: string;
  /** Accept self-signed certificates (the server's own, on loopback). */
  insecure?: boolean;
  random?: () => number;
}

/** Storage backed by one JSON file, written at most twice a second. */
class FileStorage implements KeyValueStorage {
  private readonly data: Record<string, string>;
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly file: string) {
    try {
      this.data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      this.data = {};
    }
  }
  getItem(key: string) {
    return this.data[key] ?? null;
  }
  setItem(key: string, value: string) {
    this.data[key] = value;
    this.schedule();
  }
  removeItem(key: string) {
    delete this.data[key];
    this.schedule();
  }
  flush() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    writeFileSync(this.file, JSON.stringify(this.data));
  }
  private schedule() {
    this.timer ??= setTimeout(() => this.flush(), 500);
  }
}

/** Prefixes every key, so many runners can share one storage. */
class PrefixedStorage implements KeyValueStorage {
  constructor(
    private readonly inner: KeyValueStorage,
    private readonly prefix: string,
  ) {}
  getItem(key: string) {
    return this.inner.getItem(this.prefix + key);
  }
  setItem(key: string, value: string) {
    this.inner.setItem(this.prefix + key, value);
  }
  removeItem(key: string) {
    this.inner.removeItem(this.prefix + key);
  }
}

export interface Simulation {
  readonly sessions: RunnerSession[];
  stop(): void;
}

export function startSimulation(opts: SimulationOptions): Simulation {
  const random = opts.random ?? Math.random;
  const intervalS = (opts.intervalMs ?? 1000) / 1000;
  const walker = new RouteWalker(route.points as LatLon[]);
  const file = opts.stateFile ? new FileStorage(opts.stateFile) : null;
  const shared: KeyValueStorage = file ?? new MemoryStorage();
  const createSocket = (url: string) =>
    new WebSocket(url, { rejectUnauthorized: !opts.insecure }) as unknown as SocketLike;

  const runners = Array.from({ length: opts.runners }, (_, i) => {
    const name = opts.runners > NAMES.length ? `${NAMES[i % NAMES.length]} ${Math.floor(i / NAMES.length) + 1}` : NAMES[i]!;
    const session = new RunnerSession({
      url: opts.url,
      event: opts.event,
      name,
      color: COLORS[i % COLORS.length]!,
      storage: new PrefixedStorage(shared, `sim${i}:`),
      createSocket,
    });
    return {
      session,
      // Paces between 4:30 and 7:00 per km, spread along the first part of the loop.
      basePace: 270 + random() * 150,
      distance: (i / Math.max(1, opts.runners)) * walker.lengthM * 0.3,
      mood: 5 + Math.round(random() * 4),
      drift: 0,
    };
  });

  const timer = setInterval(() => {
    const now = Date.now();
    for (const r of runners) {
      // Pace wanders slowly around the runner's own, as on a real run.
      r.drift = Math.max(-0.08, Math.min(0.08, r.drift + (random() - 0.5) * 0.01));
      const speed = 1000 / (r.basePace * (1 + r.drift));
      r.distance += speed * intervalS;
      const { point, heading } = walker.at(r.distance);
      // A metre or two of GPS scatter, as a phone in open sky shows.
      const [lat, lon] = offsetM(point[0], point[1], (random() - 0.5) * 2, (random() - 0.5) * 2);
      r.session.record({
        lat,
        lon,
        t: now,
        acc: Math.round(4 + random() * 8),
        alt: 30 + Math.round(random() * 5),
        spd: Math.round(speed * 100) / 100,
        hdg: Math.round(heading),
      });
      if (random() < intervalS / 20) {
        r.mood = Math.max(0, Math.min(10, r.mood + (random() < 0.5 ? -1 : 1)));
        r.session.setMood(r.mood);
      }
    }
  }, intervalS * 1000);

  for (const r of runners) r.session.setMood(r.mood);

  return {
    sessions: runners.map((r) => r.session),
    stop() {
      clearInterval(timer);
      for (const r of runners) r.session.close();
      file?.flush();
    },
  };
}
