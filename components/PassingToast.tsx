'use client';

import { useEffect, useRef, useState } from 'react';
import type { RunnerView } from '../client/event-view';

const SHOW_MS = 15_000;
const KEY = 'trackside:notify-passings';

const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * Tells the spectator when the runner they follow passes a checkpoint or the finish: a toast on the page,
 * and a system notification when they asked for one (permission is asked only then).
 */
export function PassingToast({ runner }: { runner: RunnerView }) {
  const cp = runner.race?.cp ?? null;
  const seen = useRef<{ id: string; key: string | null } | null>(null);
  const [toast, setToast] = useState<{ text: string; n: number } | null>(null);
  const [notify, setNotify] = useState(false);
  const [supported, setSupported] = useState(false);
  useEffect(() => {
    setSupported(typeof Notification !== 'undefined');
    setNotify(typeof Notification !== 'undefined' && Notification.permission === 'granted' && localStorage.getItem(KEY) === '1');
  }, []);
  useEffect(() => {
    const key = cp ? `${cp.name}@${cp.t}` : null;
    const before = seen.current;
    seen.current = { id: runner.id, key };
    // What was passed before the runner was followed is not news.
    if (!before || before.id !== runner.id || !cp || before.key === key) return;
    const text = cp.name === 'Finish' ? `${runner.name} finished at ${clock(cp.t)}` : `${runner.name} passed ${cp.name} at ${clock(cp.t)}`;
    setToast((t) => ({ text, n: (t?.n ?? 0) + 1 }));
    // The notification shows itself; nothing else is done with it.
    // eslint-disable-next-line no-new
    if (notify && document.hidden) new Notification('Trackside', { body: text, tag: `passing-${runner.id}` });
  }, [cp, runner.id, runner.name, notify]);
  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(() => setToast(null), SHOW_MS);
    return () => clearTimeout(timer);
  }, [toast]);
  return (
    <>
      {supported && (
        <label className="notify-toggle small">
          <input
            type="checkbox"
            checked={notify}
            onChange={async (e) => {
              const on = e.target.checked;
              if (on && Notification.permission !== 'granted' && (await Notification.requestPermission()) !== 'granted') {
                setNotify(false);
                return;
              }
              localStorage.setItem(KEY, on ? '1' : '0');
              setNotify(on);
            }}
          />{' '}
          Notify me when {runner.name} passes a checkpoint, also while this page is in the background
        </label>
      )}
      <div className="toast-region" role="status" aria-live="polite">
        {toast && (
          <div className="toast passing" data-testid="passing-toast" key={toast.n}>
            <span className="toast-text">{toast.text}</span>
            <button type="button" className="btn ghost small" onClick={() => setToast(null)} aria-label="Close">
              ✕
            </button>
          </div>
        )}
      </div>
    </>
  );
}
