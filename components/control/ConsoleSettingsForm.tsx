'use client';

import { useState } from 'react';
import type { OrganiserSession } from '../../client/organiser-session';
import type { ConsoleSettings } from '../../lib/control/schemas';

/** The organiser's thresholds for the watchlist; the confirmation shows beside the form. */
export function ConsoleSettingsForm({ settings, session }: { settings: ConsoleSettings; session: OrganiserSession }) {
  const [draft, setDraft] = useState(settings);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const field = (key: keyof ConsoleSettings, label: string, min: number, max: number) => (
    <label>
      {label}
      <input type="number" min={min} max={max} value={draft[key]} onChange={(e) => setDraft({ ...draft, [key]: Number(e.target.value) })} />
    </label>
  );
  return (
    <section className="panel" aria-labelledby="thresholds-heading">
      <h2 id="thresholds-heading">Thresholds</h2>
      <form
        className="control-settings"
        onSubmit={(e) => {
          e.preventDefault();
          session.setConsoleSettings(draft).then(
            () => setSaid({ ok: true, text: 'Saved: every console uses these now.' }),
            (err: Error) => setSaid({ ok: false, text: err.message }),
          );
        }}
      >
        {field('stoppedMin', 'Stopped for (min)', 1, 240)}
        {field('silentMin', 'Silent for (min)', 1, 240)}
        {field('batteryPct', 'Battery at or below (%, 0 off)', 0, 100)}
        {field('moodMax', 'Mood at or below (−1 off)', -1, 10)}
        <button type="submit" className="btn">
          Save thresholds
        </button>
        {said && (
          <span className={`inline-said${said.ok ? '' : ' bad'}`} role="status">
            {said.text}
          </span>
        )}
      </form>
    </section>
  );
}
