/** What the runner's page says about sharing, decided in one place from everything that bears on it. */
import type { ConnectionState } from './socket-like';

export type GpsState = 'ok' | 'waiting' | 'blocked' | 'unavailable' | 'insecure' | 'unsupported';

export interface RunnerStatusInput {
  /** The runner tapped Start sharing and has not stopped. */
  wantsToShare: boolean;
  /** This device has shared in this event before (it holds the runner's identity). */
  hasShared: boolean;
  gps: GpsState;
  /** The live connection, or null before there is one. */
  connection: ConnectionState | null;
  joined: boolean;
  /** Fixes waiting for the server's confirmation. */
  waiting: number;
  finished: boolean;
  removed: boolean;
}

export type RunnerStatusKey = 'sharing' | 'waiting-gps' | 'connecting' | 'offline' | 'paused' | 'not-sharing' | 'blocked' | 'finished' | 'removed';

export interface RunnerStatus {
  key: RunnerStatusKey;
  label: string;
  tone: 'ok' | 'warn' | 'bad' | 'neutral';
}

export function runnerStatus(s: RunnerStatusInput): RunnerStatus {
  if (s.removed) return { key: 'removed', label: 'Removed by the organiser', tone: 'bad' };
  if (s.finished) return { key: 'finished', label: 'Event finished', tone: 'neutral' };
  if (s.gps === 'blocked' || s.gps === 'insecure' || s.gps === 'unsupported') {
    return { key: 'blocked', label: 'Location blocked', tone: 'bad' };
  }
  if (!s.wantsToShare) {
    return s.hasShared ? { key: 'paused', label: 'Paused', tone: 'neutral' } : { key: 'not-sharing', label: 'Not sharing', tone: 'neutral' };
  }
  if (s.connection === 'connecting' && s.waiting === 0) return { key: 'connecting', label: 'Connecting…', tone: 'warn' };
  if (s.connection !== 'open' || !s.joined) {
    return { key: 'offline', label: s.waiting > 0 ? `Offline, ${s.waiting} waiting` : 'Offline', tone: 'bad' };
  }
  if (s.gps !== 'ok') return { key: 'waiting-gps', label: 'Waiting for GPS', tone: 'warn' };
  return { key: 'sharing', label: 'Sharing', tone: 'ok' };
}
