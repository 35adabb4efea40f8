'use client';

import { useCallback, useEffect, useState } from 'react';
import { shareableOrigin } from '../client/addresses';
import { ApiError } from '../client/api';
import type { RunnerSession } from '../client/runner-session';
import {
  gpsloggerUrl,
  osmandTemplate,
  overlandSetupLink,
  overlandUrl,
  owntracksConfigLink,
  owntracksUrl,
  traccarServerUrl,
  traccarSetupLink,
} from '../lib/ingest-urls';
import { type AppRefusal, APP_REFUSAL_TEXT } from '../lib/protocol';
import { CopyField as Copy } from './CopyField';
import { QrCode } from './QrCode';

/** Apps are told "taken" even for fixes the server cannot keep: how often the runner page asks what was refused. */
const REFUSED_EVERY_MS = 15_000;

/** What the server refused from the apps, per reason: "3 fixes refused: older than 7 days". */
function Refused({ counts }: { counts: Partial<Record<AppRefusal, number>> }) {
  const rows = (Object.entries(counts) as Array<[AppRefusal, number]>).filter(([, n]) => n > 0);
  if (rows.length === 0) return null;
  return (
    <div className="alert info small" data-testid="app-refusals" style={{ margin: '8px 0' }}>
      <strong>Not kept from your app</strong>
      <ul style={{ margin: '4px 0 0', paddingLeft: 18 }}>
        {rows.map(([reason, n]) => (
          <li key={reason} data-reason={reason}>
            {n} {n === 1 ? 'fix' : 'fixes'} refused: {APP_REFUSAL_TEXT[reason]}
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * "Track with a phone app": the runner's device key for Traccar Client, OsmAnd, OwnTracks, Overland or
 * GPSLogger, and the exact settings for each. `runnerId` is the runner's id once they have joined (null
 * before); the key is made and kept by their session. `name` names the runner in OwnTracks.
 */
export function TrackerApps({
  session,
  runnerId,
  name,
  reachable,
}: {
  session: RunnerSession | null;
  runnerId: string | null;
  name: string;
  reachable: readonly string[];
}) {
  const [origin, setOrigin] = useState('');
  const [key, setKey] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [refused, setRefused] = useState<Partial<Record<AppRefusal, number>>>({});

  // Apps run on the phone: a loopback page gives them the server's network address instead.
  useEffect(() => setOrigin(shareableOrigin(window.location.origin, reachable).origin), [reachable]);
  useEffect(() => setKey(runnerId && session ? session.deviceKey() : null), [session, runnerId]);

  // Apps are told "taken" even for fixes the server cannot keep (so their queue moves on): the counts say so here.
  const loadRefused = useCallback(async () => {
    const counts = await session?.refusedAppFixes().catch(() => null);
    if (counts) setRefused(counts);
  }, [session]);
  useEffect(() => {
    if (!key) return;
    void loadRefused();
    const timer = setInterval(() => void loadRefused(), REFUSED_EVERY_MS);
    return () => clearInterval(timer);
  }, [key, loadRefused]);

  async function change(issue: boolean) {
    if (!session) return setProblem('Join the event on this page first.');
    if (!issue && !window.confirm('Revoke the key? Apps using it stop being able to send your position.')) return;
    setBusy(true);
    setProblem(null);
    try {
      if (issue) setKey(await session.issueDeviceKey());
      else {
        await session.revokeDeviceKey();
        setKey(null);
      }
    } catch (err) {
      setProblem(err instanceof ApiError && err.code === 'not_joined' ? err.message : 'That did not work: check your connection and try again.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel tracker-apps" aria-labelledby="tracker-apps-heading">
      <h2 id="tracker-apps-heading">Track with a phone app</h2>
      {!runnerId ? (
        <p className="muted small">
          Start sharing once on this page; then you can let Traccar Client, OsmAnd, OwnTracks, Overland or GPSLogger send your position instead
          of (or as well as) this page.
        </p>
      ) : (
        <>
          <p className="small">
            Apps keep sending with the screen off. They use a <strong>device key</strong>: whoever has it can post positions as you, so keep it
            to yourself, and revoke it when you are done.
          </p>
          {problem && (
            <p className="form-error" role="alert">
              {problem}
            </p>
          )}
          <div className="actions" style={{ display: 'flex', gap: 8, flexWrap: 'wrap', margin: '8px 0' }}>
            <button className="btn primary" type="button" disabled={busy} onClick={() => void change(true)}>
              {key ? 'Replace key' : 'Create device key'}
            </button>
            {key && (
              <button className="btn danger" type="button" disabled={busy} onClick={() => void change(false)}>
                Revoke key
              </button>
            )}
          </div>
          {key && origin && (
            <>
              <Copy label="Device key" value={key} />
              <Refused counts={refused} />

              <details style={{ marginTop: 10 }}>
                <summary style={{ cursor: 'pointer', fontWeight: 600 }}>Traccar Client (Android, iPhone)</summary>
                <ol className="small">
                  <li>Install Traccar Client and open Settings.</li>
                  <li>Tap the QR-code button and scan this code; or type the two fields below.</li>
                  <li>Set location accuracy to Highest, then switch tracking on.</li>
                  <li>Its SOS button alerts the organiser at once, with your position.</li>
                </ol>
                <QrCode path={traccarSetupLink(origin, key)} label="Traccar Client settings" />
                <Copy label="Server URL" value={traccarServerUrl(origin)} />
                <Copy label="Device identifier" value={key} />
              </details>

              <details style={{ marginTop: 10 }}>
                <summary style={{ cursor: 'pointer', fontWeight: 600 }}>OsmAnd</summary>
                <ol className="small">
                  <li>Plugins: turn on Trip recording.</li>
                  <li>Trip recording settings → Online tracking: paste this as the web address (scan the code to get it onto the phone) and set the interval to 5–10 s.</li>
                  <li>Turn Online tracking on and start recording a trip: OsmAnd sends only while it records.</li>
                </ol>
                <Copy label="Web address" value={osmandTemplate(origin, key)} />
                <QrCode path={osmandTemplate(origin, key)} label="OsmAnd web address" />
              </details>

              <details style={{ marginTop: 10 }}>
                <summary style={{ cursor: 'pointer', fontWeight: 600 }}>OwnTracks (Android, iPhone)</summary>
                <ol className="small">
                  <li>Install OwnTracks, then scan this code with the phone&apos;s camera and import the configuration it opens.</li>
                  <li>
                    Or by hand, in Settings → Connection: mode HTTP, the URL below, Authentication on, any username (not empty: without one
                    Android sends no password), the device key as password.
                  </li>
                  <li>Choose Move monitoring while you run.</li>
                </ol>
                <QrCode path={owntracksConfigLink(origin, key, name)} label="OwnTracks configuration" />
                <Copy label="URL" value={owntracksUrl(origin)} />
                <Copy label="Password" value={key} />
              </details>

              <details style={{ marginTop: 10 }}>
                <summary style={{ cursor: 'pointer', fontWeight: 600 }}>Overland (iPhone)</summary>
                <ol className="small">
                  <li>Install Overland, then scan this code with the phone&apos;s camera and open the link: it sets the server and the token.</li>
                  <li>Or by hand, in Settings → Server URL: the receiver endpoint below, the device key as Access Token.</li>
                  <li>Keep Logging Mode on All Data, and set the Send Interval on the tracker screen to 5–10 s.</li>
                </ol>
                <QrCode path={overlandSetupLink(origin, key)} label="Overland settings" />
                <Copy label="Receiver endpoint" value={overlandUrl(origin)} />
                <Copy label="Access token" value={key} />
              </details>

              <details style={{ marginTop: 10 }}>
                <summary style={{ cursor: 'pointer', fontWeight: 600 }}>GPSLogger (Android)</summary>
                <ol className="small">
                  <li>Logging details → Log to custom URL: turn it on and paste this URL (HTTP method GET, body and headers empty).</li>
                  <li>Set the logging interval to 5–10 s in Performance, then start logging.</li>
                </ol>
                <Copy label="URL" value={gpsloggerUrl(origin, key)} />
                <QrCode path={gpsloggerUrl(origin, key)} label="GPSLogger URL" />
              </details>
            </>
          )}
        </>
      )}
    </section>
  );
}
