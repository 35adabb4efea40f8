'use client';

import { useEffect, useState } from 'react';
import type { KeyValueStorage } from '../../client/outbox';
import { deviceStorage, RunnerMemory } from '../../client/runner-memory';

/** This device's storage and what the runner page remembers in it; null while rendering on the server. */
export function useDeviceMemory(eventId: string): { storage: KeyValueStorage | null; memory: RunnerMemory | null } {
  const [kept, setKept] = useState<{ storage: KeyValueStorage; memory: RunnerMemory } | null>(null);
  useEffect(() => {
    const storage = deviceStorage();
    setKept({ storage, memory: new RunnerMemory(storage, eventId) });
  }, [eventId]);
  return { storage: kept?.storage ?? null, memory: kept?.memory ?? null };
}
