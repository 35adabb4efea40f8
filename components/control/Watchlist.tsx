'use client';

import { useState } from 'react';
import type { OrganiserSession } from '../../client/organiser-session';
import { spanWords } from '../../lib/control/status';
import { pastCutoff, type WatchItem } from '../../lib/control/watchlist';
import type { WatchKind } from '../../lib/control/schemas';

export const KIND_WORDS: Record<WatchKind, string> = {
  sos: 'SOS',
  stopped: 'Stopped',
  off: 'Off course',
  silent: 'Silent',
  cutoff: 'Cut-off',
  battery: 'Battery',
  mood: 'Mood',
};

const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** The ranked watchlist: open items first, then those acknowledged (folded away). */
export function Watchlist({
  items,
  now,
  session,
  helper,
  focus,
  onFocus,
}: {
  items: readonly WatchItem[];
  now: number;
  session: OrganiserSession;
  helper: string;
  focus: string | null;
  onFocus: (runnerId: string | null) => void;
}) {
  const open = items.filter((i) => !i.acknowledged);
  const acked = items.filter((i) => i.acknowledged);
  const past = pastCutoff(open);
  const [bulk, setBulk] = useState<string | null>(null);
  return (
    <section className="panel watchlist" aria-labelledby="watch-heading">
      <h2 id="watch-heading">Watchlist</h2>
      {/* The confirmation stays once the runners it marked have left the list, and the button with them. */}
      {(past.length > 1 || bulk) && (
        <div className="watch-bulk">
          {past.length > 1 && (
            <button
              type="button"
              className="btn danger"
              data-testid="dnf-all"
              onClick={() => {
                if (!window.confirm(`Mark all ${past.length} runners past a cut-off as DNF?`)) return;
                session.setVerdicts(past, { kind: 'dnf', reason: 'Past the cut-off' }).then(
                  () => setBulk(`${past.length} runners are marked DNF.`),
                  (err: Error) => setBulk(err.message),
                );
              }}
            >
              Mark all {past.length} past the cut-off DNF
            </button>
          )}
          {bulk && <span role="status">{bulk}</span>}
        </div>
      )}
      {open.length === 0 && <p className="muted">Nobody needs looking at now. Runners appear here when they send an SOS, stop, leave the course, go silent, fall behind a cut-off, run low on battery or feel low.</p>}
      <ol className="watch-items" data-testid="watch-open">
        {open.map((i) => (
          <Item key={i.key} item={i} now={now} session={session} helper={helper} focused={focus === i.runnerId} onFocus={onFocus} />
        ))}
      </ol>
      {acked.length > 0 && (
        <details className="watch-acked">
          <summary>Acknowledged ({acked.length})</summary>
          <ol className="watch-items" data-testid="watch-acked">
            {acked.map((i) => (
              <Item key={i.key} item={i} now={now} session={session} helper={helper} focused={focus === i.runnerId} onFocus={onFocus} />
            ))}
          </ol>
        </details>
      )}
    </section>
  );
}

function Item({
  item: i,
  now,
  session,
  helper,
  focused,
  onFocus,
}: {
  item: WatchItem;
  now: number;
  session: OrganiserSession;
  helper: string;
  focused: boolean;
  onFocus: (runnerId: string | null) => void;
}) {
  const [assignee, setAssignee] = useState(i.mark?.assignee ?? '');
  const [note, setNote] = useState(i.mark?.note ?? '');
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const run = (what: Promise<unknown>, done: string) =>
    what.then(
      () => setSaid({ ok: true, text: done }),
      (err: Error) => setSaid({ ok: false, text: err.message }),
    );
  const who = `${i.name}${i.bib ? ` (${i.bib})` : ''}`;
  return (
    <li className={`watch-item kind-${i.kind}${focused ? ' focused' : ''}`} data-testid="watch-item" data-key={i.key}>
      <div className="watch-head">
        <span className={`watch-kind kind-${i.kind}`}>{KIND_WORDS[i.kind]}</span>
        <strong className="watch-name">{who}</strong>
        {i.since !== null && (
          <span className="watch-since">
            since {clock(i.since)} · {spanWords(now - i.since)}
          </span>
        )}
      </div>
      <p className="watch-detail">{i.detail}</p>
      {i.mark && (i.mark.assignee || i.mark.note || i.acknowledged) && (
        <p className="watch-mark" data-testid="watch-mark">
          {i.acknowledged && <span>Acknowledged{i.mark.ackedBy ? ` by ${i.mark.ackedBy}` : ''}. </span>}
          {i.mark.assignee && <span>With {i.mark.assignee}. </span>}
          {i.mark.note && <span>Note: {i.mark.note}</span>}
        </p>
      )}
      <div className="watch-actions">
        <button type="button" className="btn small" disabled={!i.where} onClick={() => onFocus(focused ? null : i.runnerId)} aria-pressed={focused}>
          {i.where ? 'Show on map' : 'No position'}
        </button>
        {i.acknowledged ? (
          <button type="button" className="btn small" onClick={() => void run(session.mark(i.key, { ackedSince: null }), 'Back on the list.')}>
            Reopen
          </button>
        ) : (
          <button
            type="button"
            className="btn small primary"
            onClick={() => void run(session.mark(i.key, { ackedSince: i.identity, by: helper || null }), 'Acknowledged.')}
          >
            Acknowledge
          </button>
        )}
        {i.proposeDnf && (
          <button
            type="button"
            className="btn small danger"
            onClick={() => void run(session.setVerdict(i.runnerId, { kind: 'dnf', reason: 'Past the cut-off' }), `${i.name} is marked DNF.`)}
          >
            Mark DNF
          </button>
        )}
      </div>
      <form
        className="watch-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run(session.mark(i.key, { assignee: assignee || null, note: note || null }), 'Saved.');
        }}
      >
        <label>
          Helper
          <input value={assignee} maxLength={40} onChange={(e) => setAssignee(e.target.value)} />
        </label>
        <label>
          Note
          <input value={note} maxLength={200} onChange={(e) => setNote(e.target.value)} />
        </label>
        <button type="submit" className="btn small">
          Save
        </button>
        {said && (
          <span className={`inline-said${said.ok ? '' : ' bad'}`} role="status">
            {said.text}
          </span>
        )}
      </form>
    </li>
  );
}
