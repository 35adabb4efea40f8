import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fanoutTable, markdownTable, raceTable, replaceBlocks, type RaceResult, tables } from '../bench/tables/render';

const race: RaceResult = {
  date: '2026-12-07T21:00:00.000Z',
  mode: 'single',
  runners: 30000,
  fixesPerRunner: 120,
  liveSeconds: 30,
  spectators: 20,
  restart: { ms: 1200, rssMb: 300 },
  snapshot: { bytes: 256_000, coldMs: 900, warmMs: 120, count: 30000, wholeBytes: 25_000_000, wholeMs: 4000 },
  browser: { drawMs: 1100, heapMb: 8, fps: 48.4, frameP95Ms: 33, jsKb: 326, htmlKb: 9.5 },
  live: {
    'live, 1 Hz': {
      sentPerSec: 30000,
      ackedShare: 1,
      ackP50: 20,
      ackP99: 300,
      followP99: 400,
      interestBytesPerSec: 12 * 1024,
      followBytesPerSec: 14 * 1024,
      liteBytesPerSec: 100,
      classicBytesPerSec: null,
      bytesPerFixInterest: 8.5,
      bytesPerFixClassic: 60,
      serverCpuPercent: 90,
      rssMb: 1100,
    },
  },
  peakRssMb: 1100,
};

describe('README performance tables', () => {
  it('a Markdown table pads every column to its widest cell', () => {
    assert.equal(markdownTable(['a', 'bb'], [['ccc', 'd']]), '| a   | bb |\n|-----|----|\n| ccc | d  |');
  });

  it('a race table says which targets were met and which missed', () => {
    const t = raceTable(race);
    assert.match(t, /late snapshot: first \(loads the room\), next \| 900 ms, 120 ms +\| ≤ 500 ms +\| missed/);
    assert.match(t, /page: every runner drawn \(CPU 4× slower\) +\| 1,100 ms +\| ≤ 2,000 ms +\| met/);
    assert.match(t, /live, 1 Hz: page spectator \(default view\) +\| 12\.0 KB\/s +\| ≤ 16 KB\/s +\| met/);
    assert.match(t, /live, 1 Hz: server CPU, RSS peak +\| 90 %, 1,100 MB +\| ≤ 1 GB +\| missed/);
    assert.match(t, /bytes per fix +\| 60 \(JSON, whole event\) → 8\.5 \(binary field frames\)/);
  });

  it('bytes a spectator received are not called a met target when the server fell behind the fixes', () => {
    const behind = { ...race.live['live, 1 Hz']!, ackedShare: 0.2 };
    const t = raceTable({ ...race, live: { 'live, 1 Hz': behind } });
    assert.match(t, /live, 1 Hz: fixes sent, acknowledged +\| 30,000\/s, 20\.0 % .*\| keeps up +\| missed/);
    assert.match(t, /live, 1 Hz: page spectator \(default view\) +\| 12\.0 KB\/s +\| ≤ 16 KB\/s +\| not shown: the server fell behind/);
  });

  it('a cluster race has no page rows (its instances serve no pages) and names its largest instance', () => {
    const t = raceTable({ ...race, mode: 'cluster', browser: undefined });
    assert.doesNotMatch(t, /page: every runner drawn/);
    assert.match(t, /three instances on PostgreSQL and Redis/);
    assert.match(t, /1,100 MB \(the largest instance\)/);
  });

  it('the fan-out table gives Trackside against the bare broadcaster at each S', () => {
    const point = { deliveredPerSec: 1000, share: 1, p50: 10, max: 300, serverCpuPercent: 50, serverPeakRssMb: 200, loadCpuPercent: 100, failed: 0 };
    const t = fanoutTable({
      date: '2026-12-07T21:00:00.000Z',
      tickMs: 100,
      points: [
        { ...point, server: 'trackside', spectators: 10000, p99: 360 },
        { ...point, server: 'batched', spectators: 10000, p99: 300 },
      ],
    });
    assert.match(t, /S = 10,000: Trackside's p99 ÷ the bare broadcaster's 1\.20×/);
  });

  it('only marked blocks change; a block without results stays as it was', () => {
    const readme = 'intro\n<!-- bench:race -->\nold race\n<!-- /bench:race -->\nmiddle\n<!-- bench:phone -->\nold phone\n<!-- /bench:phone -->\nend\n';
    const { text, replaced } = replaceBlocks(readme, tables({ race }));
    assert.deepEqual(replaced, ['race']);
    assert.ok(text.startsWith('intro\n<!-- bench:race -->\nRun of 2026-12-07'));
    assert.ok(text.endsWith('<!-- /bench:race -->\nmiddle\n<!-- bench:phone -->\nold phone\n<!-- /bench:phone -->\nend\n'));
    assert.equal(replaceBlocks(text, tables({ race })).text, text);
  });
});
