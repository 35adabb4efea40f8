'use client';

import Link from 'next/link';
import { runnerStatus } from '../client/runner-status';
import type { ClientConfig } from '../lib/page-data';
import type { EventInfo } from '../lib/protocol';
import { BrandHeader } from './BrandHeader';
import { CheerToast } from './CheerToast';
import { CheerList } from './runner/CheerList';
import { FamilyLink } from './runner/FamilyLink';
import { MoodPanel } from './runner/MoodPanel';
import { OrganiserMessages } from './runner/OrganiserMessages';
import { OutOfRace } from './runner/OutOfRace';
import { OwnRunPanel } from './runner/OwnRunPanel';
import { ProfileForm } from './runner/ProfileForm';
import { RunnerNotices } from './runner/RunnerNotices';
import { SharingPanel } from './runner/SharingPanel';
import { useCheerToast } from './runner/useCheerToast';
import { useDeviceMemory } from './runner/useDeviceMemory';
import { useEventCategories } from './runner/useEventCategories';
import { useMood } from './runner/useMood';
import { useRunnerProfile } from './runner/useRunnerProfile';
import { useSharing } from './runner/useSharing';
import { TrackerApps } from './TrackerApps';

/** The runner's page: a phone shares its position while the runner wants it to, and shows that it arrives. */
export function RunnerView({ event, config }: { event: EventInfo; config: ClientConfig }) {
  const { storage, memory } = useDeviceMemory(event.id);
  const profile = useRunnerProfile(memory);
  const share = useSharing(event, storage, memory);
  const [mood, changeMood] = useMood(memory, share.session);
  const { toast, close: closeToast } = useCheerToast(share.state);
  const { state, gps, own, sharing } = share;
  const categories = useEventCategories(event.id);

  const status = runnerStatus({
    wantsToShare: sharing,
    hasShared: !!state?.runnerId,
    gps: gps.state,
    connection: state?.connection ?? null,
    joined: !!state?.joined,
    waiting: state?.pending ?? 0,
    finished: share.finished,
    removed: share.removed,
  });
  return (
    <>
      <BrandHeader heading={event.name}>
        <span className={`pill ${status.tone}`} role="status" data-testid="runner-status" data-status={status.key}>
          {status.label}
        </span>
      </BrandHeader>
      <CheerToast toast={toast} onClose={closeToast} />
      <main className="runner-page">
        <OrganiserMessages inbox={share.session?.inbox ?? null} />
        <RunnerNotices gpsProblem={gps.problem} serverProblem={state?.problem ?? null} removed={share.removed} deleted={share.deleted} />
        <ProfileForm
          name={profile.name}
          bib={profile.bib}
          color={profile.color}
          locked={sharing}
          askBib={!state?.runnerId}
          claim={profile.claim}
          askClaim={!!state?.claimNeeded}
          details={profile.details}
          categories={categories}
          error={share.error}
          onName={profile.setName}
          onBib={profile.setBib}
          onClaim={profile.setClaim}
          onDetails={profile.setDetails}
          onColor={profile.setColor}
        />

        {sharing ? (
          <button className="btn big stop" type="button" onClick={share.stop}>
            Stop sharing
          </button>
        ) : (
          <button className="btn big primary" type="button" onClick={() => share.start(profile)} disabled={share.finished || share.removed}>
            Start sharing
          </button>
        )}

        <OwnRunPanel
          track={own.track}
          points={own.points}
          sharing={sharing}
          color={profile.color}
          tileUrl={config.tileUrl}
          tileAttribution={config.tileAttribution}
        />
        <SharingPanel session={state} accuracy={gps.accuracy} lastFix={gps.lastFix} />
        <MoodPanel mood={mood} onChange={changeMood} />
        <CheerList cheers={state?.cheers ?? []} />

        {state?.runnerId && (
          <FamilyLink eventId={event.id} eventName={event.name} runnerId={state.runnerId} name={profile.name} racing={!!event.race?.course} />
        )}

        {state?.runnerId && event.race?.course && <OutOfRace session={share.session} />}

        <TrackerApps session={share.session} runnerId={state?.runnerId ?? null} name={profile.name} reachable={config.reachableUrls} />

        {state?.runnerId && !sharing && (
          <button className="btn danger" type="button" onClick={() => void share.deleteTrack()}>
            Delete my track
          </button>
        )}

        <p className="small muted">
          Keep this page open while you run; the screen stays on where the phone allows it.{' '}
          <Link href={`/e/${event.id}`}>Watch the event</Link>
        </p>
      </main>
    </>
  );
}
