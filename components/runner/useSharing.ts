'use client';

import { useEffect, useState } from 'react';
import type { Fix, KeyValueStorage } from '../../client/outbox';
import { type DetailsForm, detailsFromForm } from '../../client/join-details';
import type { RunnerMemory } from '../../client/runner-memory';
import { loadIdentity, type RunnerSession, type RunnerSessionState } from '../../client/runner-session';
import { BibSchema, type EventInfo } from '../../lib/protocol';
import { type Gps, useGps } from './useGps';
import { useOwnTrack } from './useOwnTrack';
import { useRunnerSession } from './useRunnerSession';
import { useWakeLock } from './useWakeLock';

export interface Sharing {
  /** The runner tapped Start sharing and has not stopped (the GPS watch runs). */
  sharing: boolean;
  session: RunnerSession | null;
  state: RunnerSessionState | null;
  gps: Gps;
  own: ReturnType<typeof useOwnTrack>;
  /** What the runner must fix before sharing, or why deleting failed. */
  error: string | null;
  /** The runner deleted their track from here. */
  deleted: boolean;
  removed: boolean;
  finished: boolean;
  start: (profile: { name: string; color: string; bib: string; claim: string; details: DetailsForm }) => void;
  stop: () => void;
  deleteTrack: () => Promise<void>;
}

/**
 * Whether this phone shares, and everything that goes with it: the session, the GPS watch, the runner's own
 * trail, the screen kept on. It carries on after a reload where the runner left off, stops when the server
 * ends sharing (event finished, runner removed), and deletes the runner's track on request.
 */
export function useSharing(event: EventInfo, storage: KeyValueStorage | null, memory: RunnerMemory | null): Sharing {
  const [sharing, setSharing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [deleted, setDeleted] = useState(false);
  const [removedHere, setRemovedHere] = useState(false);
  const runner = useRunnerSession(event.id, storage);
  const own = useOwnTrack(event.id, storage);
  const gps = useGps(
    (fix: Fix) => {
      runner.session?.record(fix);
      own.add(fix);
    },
    () => stopSharing(),
  );
  useWakeLock(sharing);

  function stopSharing() {
    gps.stop();
    setSharing(false);
    if (memory) memory.sharing = false;
    own.save();
  }

  // A device that shared in this event before carries on: the session at once, the watch if it was sharing.
  useEffect(() => {
    if (!storage || !memory) return;
    if (memory.removed) setRemovedHere(true);
    if (!loadIdentity(storage, event.id)) return;
    const profile = memory.profile();
    runner.open(profile.name ?? 'Runner', profile.color);
    if (memory.sharing && gps.start()) setSharing(true);
    // Once per page: the session and the watch then follow the runner's taps.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [storage, memory]);

  const state = runner.state;
  const removed = removedHere || !!state?.removed;
  const finished = event.status === 'finished' || !!state?.finished;

  // The server ended this runner's sharing (event finished, runner removed): stop using GPS too.
  useEffect(() => {
    if (state?.problem && sharing) stopSharing();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state?.problem]);

  // A removed runner's device must not join again as someone new.
  useEffect(() => {
    if (!state?.removed) return;
    memory?.markRemoved();
    own.clear();
    setRemovedHere(true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state?.removed]);

  function start({ name, color, bib, claim, details }: { name: string; color: string; bib: string; claim: string; details: DetailsForm }) {
    if (removed || finished) return;
    const clean = name.trim();
    if (!clean) {
      setError('Type your name so spectators know who you are.');
      return;
    }
    const cleanBib = bib.trim();
    if (cleanBib && !BibSchema.safeParse(cleanBib).success) {
      setError('A bib is up to 8 letters, digits or dashes, as printed on it (“1234”, “F12”); or leave it empty.');
      return;
    }
    const about = detailsFromForm(details, new Date().getFullYear());
    if ('problem' in about) {
      setError(about.problem);
      return;
    }
    setError(null);
    setDeleted(false);
    memory?.saveProfile(clean, color);
    runner.open(clean, color).setProfile(clean, color, cleanBib || null, claim.trim() || null, about.details);
    if (!gps.start()) return;
    setSharing(true);
    if (memory) memory.sharing = true;
  }

  function stop() {
    stopSharing();
    runner.session?.stop();
  }

  async function deleteTrack() {
    const session = runner.session;
    if (!session || !window.confirm('Delete your track from this event? Spectators will no longer see you.')) return;
    try {
      await session.deleteTrack();
    } catch {
      setError('Could not delete your track: check your connection and try again.');
      return;
    }
    stopSharing();
    runner.drop();
    own.clear();
    gps.forget();
    setDeleted(true);
  }

  return { sharing, session: runner.session, state, gps, own, error, deleted, removed, finished, start, stop, deleteTrack };
}
