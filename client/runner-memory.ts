/**
 * What the runner page remembers on this device, beside the session's identity and outbox: the profile
 * (for every event), and per event whether the runner was sharing (a reload carries on), their happiness,
 * and that the organiser removed them (the page must not join again as someone new). Storage may be
 * blocked (private mode): the page then works without memory across reloads.
 */
import { DEFAULT_COLOR, PICKABLE } from './colors';
import { type KeyValueStorage, MemoryStorage } from './outbox';

const PROFILE_KEY = 'trackside:profile';

/** This browser's local storage, or storage for this page only where it is blocked. */
export function deviceStorage(): KeyValueStorage {
  try {
    const storage = window.localStorage;
    storage.getItem(PROFILE_KEY);
    return storage;
  } catch {
    return new MemoryStorage();
  }
}

export interface Profile {
  name: string | null;
  /** One of the pickable colours. */
  color: string;
}

export class RunnerMemory {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly event: string,
  ) {}

  profile(): Profile {
    const saved = this.read<{ name?: string; color?: string }>(PROFILE_KEY);
    return { name: saved?.name || null, color: PICKABLE.find((c) => c.hex === saved?.color)?.hex ?? DEFAULT_COLOR };
  }

  saveProfile(name: string, color: string): void {
    this.write(PROFILE_KEY, JSON.stringify({ name, color }));
  }

  get sharing(): boolean {
    return this.get(this.key('sharing')) === '1';
  }

  set sharing(on: boolean) {
    if (on) this.write(this.key('sharing'), '1');
    else this.remove(this.key('sharing'));
  }

  /** The happiness the runner last picked here, 0–10; null before. */
  get mood(): number | null {
    const raw = this.get(this.key('mood'));
    const value = raw === null ? NaN : Number(raw);
    return Number.isInteger(value) ? value : null;
  }

  set mood(value: number | null) {
    if (value === null) this.remove(this.key('mood'));
    else this.write(this.key('mood'), String(value));
  }

  get removed(): boolean {
    return this.get(this.key('removed')) !== null;
  }

  markRemoved(): void {
    this.write(this.key('removed'), '1');
  }

  private key(what: string): string {
    return `trackside:${this.event}:${what}`;
  }

  private get(key: string): string | null {
    try {
      return this.storage.getItem(key);
    } catch {
      return null;
    }
  }

  private read<T>(key: string): T | null {
    try {
      return JSON.parse(this.get(key) ?? 'null') as T | null;
    } catch {
      return null;
    }
  }

  private write(key: string, value: string): void {
    try {
      this.storage.setItem(key, value);
    } catch {
      // Blocked or full: remembered for this page only.
    }
  }

  private remove(key: string): void {
    try {
      this.storage.removeItem(key);
    } catch {
      // Blocked: nothing was kept anyway.
    }
  }
}
