'use client';

import { useEffect, useState } from 'react';
import { DEFAULT_COLOR } from '../../client/colors';
import type { RunnerMemory } from '../../client/runner-memory';

export interface RunnerProfile {
  name: string;
  color: string;
  /** As typed; checked when sharing starts. */
  bib: string;
  setName: (name: string) => void;
  setColor: (color: string) => void;
  setBib: (bib: string) => void;
}

/** The name, colour and bib on the form, starting from what this device used last. */
export function useRunnerProfile(memory: RunnerMemory | null): RunnerProfile {
  const [name, setName] = useState('');
  const [color, setColor] = useState(DEFAULT_COLOR);
  const [bib, setBib] = useState('');
  useEffect(() => {
    if (!memory) return;
    const saved = memory.profile();
    if (saved.name) setName(saved.name);
    setColor(saved.color);
  }, [memory]);
  return { name, color, bib, setName, setColor, setBib };
}
