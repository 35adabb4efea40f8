'use client';

import { useEffect, useState } from 'react';
import { DEFAULT_COLOR } from '../../client/colors';
import { type DetailsForm, EMPTY_DETAILS } from '../../client/join-details';
import type { RunnerMemory } from '../../client/runner-memory';

export interface RunnerProfile {
  name: string;
  color: string;
  /** As typed; checked when sharing starts. */
  bib: string;
  /** The claim code of the bib's start-list entry, as typed. */
  claim: string;
  /** Sex, year of birth, category and club, as typed (for a runner not on the start list). */
  details: DetailsForm;
  setName: (name: string) => void;
  setColor: (color: string) => void;
  setBib: (bib: string) => void;
  setClaim: (claim: string) => void;
  setDetails: (details: DetailsForm) => void;
}

/** The name, colour, bib and details on the form, starting from what this device used last. */
export function useRunnerProfile(memory: RunnerMemory | null): RunnerProfile {
  const [name, setName] = useState('');
  const [color, setColor] = useState(DEFAULT_COLOR);
  const [bib, setBib] = useState('');
  const [claim, setClaim] = useState('');
  const [details, setDetails] = useState<DetailsForm>(EMPTY_DETAILS);
  useEffect(() => {
    if (!memory) return;
    const saved = memory.profile();
    if (saved.name) setName(saved.name);
    setColor(saved.color);
  }, [memory]);
  return { name, color, bib, claim, details, setName, setColor, setBib, setClaim, setDetails };
}
