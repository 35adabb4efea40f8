'use client';

import { LIMITS } from '../../lib/protocol';

const MOOD_WORDS = ['Awful', 'Terrible', 'Bad', 'Rough', 'Meh', 'OK', 'Fine', 'Good', 'Great', 'Brilliant', 'Flying!'];

/** "How do you feel?": a 0–10 slider that claims no value until the runner picks one. */
export function MoodPanel({ mood, onChange }: { mood: number | null; onChange: (value: number) => void }) {
  return (
    <section className="panel mood">
      <div className="mood-head">
        <label htmlFor="mood">How do you feel?</label>
        <span className="mood-value" data-testid="mood-value">
          {mood ?? '–'}
        </span>
      </div>
      <input
        id="mood"
        type="range"
        className={`mood-range${mood === null ? ' unset' : ''}`}
        min={LIMITS.moodMin}
        max={LIMITS.moodMax}
        step={1}
        value={mood ?? 5}
        onChange={(e) => onChange(Number(e.target.value))}
        aria-valuetext={mood === null ? 'not set' : `${mood}: ${MOOD_WORDS[mood]}`}
      />
      <div className="mood-scale">
        <span>0 · awful</span>
        <span>{mood === null ? 'Tap the scale to tell spectators' : MOOD_WORDS[mood]}</span>
        <span>10 · flying</span>
      </div>
    </section>
  );
}
