/** Unit: the organiser's table of runners, from the live picture and the summary read, pure. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EventSummary, RunnerSummary } from '../client/api';
import { emptyEventView, type EventView, reduceEventView } from '../client/event-view';
import { emptyRoster, organiserRunners, reduceRoster, type Roster } from '../client/organiser-roster';
import { encodeTrail } from '../lib/polyline';
import type { EventInfo, RunnerSnapshot, ServerMessage, TrackPoint } from '../lib/protocol';

const T = 1_700_000_000_000;
const EVENT: EventInfo = { id: 'club-night', name: 'Club night', createdAt: T - 3600_000, status: 'live', protected: false };
const QUOTAS = { maxRunners: 20_000, fixesPerRunnerPerHour: 7200, cheersPerMinute: 600, addressMiBPerHour: 256 };

const pt = (i: number): TrackPoint => [51.5 + i * 0.0001, -0.12, T + i * 1000];

function live(id: string, points: number): RunnerSnapshot {
  const track = Array.from({ length: points }, (_, i) => pt(i));
  return { id, name: id, color: '#123456', status: 'active', lastSeen: T + (points - 1) * 1000, mood: null, trail: encodeTrail(track), last: track.at(-1)!, distance: 0, points };
}

function summarised(id: string, patch: Partial<RunnerSummary> = {}): RunnerSummary {
  return { id, name: id, color: '#654321', status: 'active', lastSeen: null, mood: null, points: 0, distance: 0, joinedAt: T, ...patch };
}

function summary(runners: RunnerSummary[], failedAttempts = 0): EventSummary {
  return { event: EVENT, runners, organiser: { failedAttempts, quotas: QUOTAS, runners: runners.length } };
}

function snapshot(runners: RunnerSnapshot[]): Extract<ServerMessage, { type: 'snapshot' }> {
  return { type: 'snapshot', event: EVENT, epoch: 'e1', seq: 10, runners, happiness: [], alerts: [], now: T };
}

function update(seq: number, extra: Partial<Extract<ServerMessage, { type: 'update' }>>): Extract<ServerMessage, { type: 'update' }> {
  return { type: 'update', event: EVENT.id, epoch: 'e1', seq, prev: seq - 1, now: T, runners: [], points: {}, distance: {}, ...extra };
}

/** The organiser's page after these live messages and summary answers, in order. */
function after(...inputs: Array<ServerMessage | EventSummary>): { view: EventView; roster: Roster; reads: number } {
  let view = emptyEventView;
  let roster = emptyRoster;
  let reads = 0;
  for (const input of inputs) {
    if ('type' in input) {
      view = reduceEventView(view, input, T);
      const next = reduceRoster(roster, { type: 'server', msg: input });
      roster = next.roster;
      if (next.read) reads++;
    } else roster = reduceRoster(roster, { type: 'summary', summary: input }).roster;
  }
  return { view, roster, reads };
}

describe('the organiser roster', () => {
  test('each snapshot, and nothing else live, asks for the summary to be read', () => {
    const { reads } = after(snapshot([live('ada', 2)]), update(11, { points: { ada: [pt(5)] } }), { type: 'happiness', event: EVENT.id, sample: { t: T, mean: 5, count: 1 } }, snapshot([]));
    assert.equal(reads, 2);
  });

  test('runners without a fix come from the summary, those with one from the live picture, in the order they joined', () => {
    const { view, roster } = after(snapshot([live('ada', 3)]), summary([summarised('ada', { points: 3, lastSeen: T }), summarised('bob')]));
    const rows = organiserRunners(view, roster);
    assert.deepEqual(
      rows.map((r) => [r.id, r.lastSeen, r.points]),
      [
        ['ada', T + 2000, 3],
        ['bob', null, 0],
      ],
    );
  });

  test('what the live stream says after the read wins: new fixes, statuses, bibs, and runners who got their first fix', () => {
    const { view, roster } = after(
      snapshot([live('ada', 3)]),
      summary([summarised('ada', { points: 3 }), summarised('bob')]),
      update(11, {
        runners: [{ id: 'ada', name: 'Ada', color: '#123456', status: 'idle', lastSeen: T + 2000, mood: 7, bib: '12' }, { ...summarised('cy'), lastSeen: T }],
        points: { ada: [pt(10), pt(11)], cy: [pt(0)] },
      }),
    );
    const rows = organiserRunners(view, roster);
    assert.deepEqual(rows.map((r) => r.id), ['ada', 'bob', 'cy']);
    const ada = rows[0]!;
    assert.equal(ada.points, 5, 'three counted by the snapshot, two brought since');
    assert.equal(ada.status, 'idle');
    assert.equal(ada.bib, '12');
    assert.equal(ada.name, 'Ada');
    assert.equal(rows[2]!.points, 1);
  });

  test('a runner removed live is gone, even when a summary read answered after the removal still lists them', () => {
    const { view, roster } = after(
      snapshot([live('ada', 1)]),
      update(11, { removed: ['ada'] }),
      summary([summarised('ada', { points: 1, lastSeen: T }), summarised('bob')]),
    );
    assert.deepEqual(organiserRunners(view, roster).map((r) => r.id), ['bob']);
  });

  test('a runner without a fix removed by the organiser goes with the summary read their removal triggers', () => {
    const before = after(snapshot([]), summary([summarised('bob')]));
    assert.deepEqual(organiserRunners(before.view, before.roster).map((r) => r.id), ['bob']);
    const read = reduceRoster(before.roster, { type: 'summary', summary: summary([]) }).roster;
    assert.deepEqual(organiserRunners(before.view, read), []);
  });

  test('wrong tries and limits are what the latest summary read says', () => {
    const { roster } = after(snapshot([]), summary([], 2), summary([], 3));
    assert.equal(roster.summary?.organiser?.failedAttempts, 3);
    assert.deepEqual(roster.summary?.organiser?.quotas, QUOTAS);
  });

  test('before any summary answer the table is the live picture alone', () => {
    const { view, roster } = after(snapshot([live('ada', 2)]));
    assert.deepEqual(organiserRunners(view, roster).map((r) => [r.id, r.points]), [['ada', 2]]);
  });
});
