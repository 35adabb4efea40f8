'use client';

import { useEffect, useRef } from 'react';
import { formatDuration } from '../lib/course/units';

export const REPLAY_SPEEDS = [10, 60, 300] as const;
export type ReplaySpeed = (typeof REPLAY_SPEEDS)[number];

const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/**
 * The replay timeline: play or pause, speed, and a slider to scrub. Playing moves the time on every
 * animation frame (at ×speed); reaching the end pauses.
 */
export function ReplayBar({
  from,
  to,
  t,
  playing,
  speed,
  onTime,
  onPlaying,
  onSpeed,
  onClose,
}: {
  from: number;
  to: number;
  t: number;
  playing: boolean;
  speed: ReplaySpeed;
  onTime: (t: number) => void;
  onPlaying: (playing: boolean) => void;
  onSpeed: (speed: ReplaySpeed) => void;
  onClose: () => void;
}) {
  const latest = useRef({ t, to, speed, onTime, onPlaying });
  latest.current = { t, to, speed, onTime, onPlaying };
  useEffect(() => {
    if (!playing) return;
    let last = performance.now();
    let frame = requestAnimationFrame(function step(now) {
      const { t: at, to: end, speed: x, onTime: move, onPlaying: play } = latest.current;
      const next = Math.min(end, at + (now - last) * x);
      last = now;
      move(next);
      if (next >= end) play(false);
      else frame = requestAnimationFrame(step);
    });
    return () => cancelAnimationFrame(frame);
  }, [playing]);
  return (
    <section className="replay-bar" aria-label="Replay" data-testid="replay-bar">
      <button type="button" className="btn small" onClick={() => onPlaying(!playing)} aria-label={playing ? 'Pause' : 'Play'}>
        {playing ? '❚❚' : '▶'}
      </button>
      <label className="replay-speed">
        <span className="visually-hidden">Speed</span>
        <select value={speed} onChange={(e) => onSpeed(Number(e.target.value) as ReplaySpeed)}>
          {REPLAY_SPEEDS.map((s) => (
            <option key={s} value={s}>
              ×{s}
            </option>
          ))}
        </select>
      </label>
      <input
        type="range"
        className="replay-slider"
        aria-label="Replay time"
        aria-valuetext={clock(t)}
        min={from}
        max={to}
        step={1000}
        value={Math.round(t)}
        onChange={(e) => {
          onPlaying(false);
          onTime(Number(e.target.value));
        }}
      />
      <span className="replay-time" data-testid="replay-time">
        {clock(t)} <span className="muted">+{formatDuration((t - from) / 1000)}</span>
      </span>
      <button type="button" className="btn small" onClick={onClose}>
        Close replay
      </button>
    </section>
  );
}
