'use client';

import { useEffect, useState } from 'react';
import { type DistanceUnit, isDistanceUnit } from '../lib/course/units';

const KEY = 'trackside:unit';

/** The event's unit until the spectator picks one; their pick is kept for every event on this device. */
export function useUnit(eventDefault: DistanceUnit): [DistanceUnit, (unit: DistanceUnit) => void] {
  const [picked, setPicked] = useState<DistanceUnit | null>(null);
  useEffect(() => {
    const stored = localStorage.getItem(KEY);
    if (isDistanceUnit(stored)) setPicked(stored);
  }, []);
  const choose = (unit: DistanceUnit) => {
    localStorage.setItem(KEY, unit);
    setPicked(unit);
  };
  return [picked ?? eventDefault, choose];
}

export function UnitSwitch({ unit, onChange }: { unit: DistanceUnit; onChange: (unit: DistanceUnit) => void }) {
  return (
    <div className="unit-switch" role="group" aria-label="Distance unit">
      {(['km', 'mi'] as const).map((u) => (
        <button key={u} type="button" aria-pressed={unit === u} onClick={() => onChange(u)}>
          {u === 'km' ? 'km' : 'miles'}
        </button>
      ))}
    </div>
  );
}
