/**
 * Unit: the decoder line format (lib/timing/decoder-line.ts): passings with every field or only chip and
 * time, the heartbeat, the decoder's local time read in the timing point's zone (across daylight-saving
 * changes), and a clear message for every line that cannot be a passing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDecoderLine, zonedToEpoch } from '../lib/timing/decoder-line';

describe('decoder lines', () => {
  test('a full line: chip, local time with thousandths, loop, lap, battery and rewind', () => {
    const got = parseDecoderLine('01539;22-09-2011 02:41:30.620;0A;559;65;0', 'UTC');
    assert.deepEqual(got, {
      kind: 'passing',
      passing: { chip: '01539', t: Date.UTC(2011, 8, 22, 2, 41, 30, 620), loop: '0A', lap: 559, battery: 65, rewind: false },
    });
  });

  test('only chip and time; blank optional fields; a rewound passing; a carriage return at the end', () => {
    const short = parseDecoderLine('KX7;01-05-2026 09:00:00', 'UTC');
    assert.deepEqual(short, { kind: 'passing', passing: { chip: 'KX7', t: Date.UTC(2026, 4, 1, 9), loop: null, lap: null, battery: null, rewind: false } });
    const blanks = parseDecoderLine('KX7;01-05-2026 09:00:00.5;;;;1\r', 'UTC');
    assert.equal(blanks.kind, 'passing');
    if (blanks.kind === 'passing') {
      assert.equal(blanks.passing.t, Date.UTC(2026, 4, 1, 9, 0, 0, 500), 'one decimal is tenths');
      assert.equal(blanks.passing.rewind, true);
    }
  });

  test('the heartbeat and blank lines', () => {
    assert.deepEqual(parseDecoderLine('*', 'UTC'), { kind: 'heartbeat' });
    assert.deepEqual(parseDecoderLine('  \r', 'UTC'), { kind: 'blank' });
  });

  test('the local time is read in the point’s time zone', () => {
    const got = parseDecoderLine('1;15-07-2026 10:00:00.000', 'Europe/Berlin');
    assert.equal(got.kind === 'passing' && got.passing.t, Date.UTC(2026, 6, 15, 8), 'summer: UTC+2');
    const winter = parseDecoderLine('1;15-01-2026 10:00:00.000', 'Europe/Berlin');
    assert.equal(winter.kind === 'passing' && winter.passing.t, Date.UTC(2026, 0, 15, 9), 'winter: UTC+1');
    const ny = parseDecoderLine('1;02-11-2025 12:30:00', 'America/New_York');
    assert.equal(ny.kind === 'passing' && ny.passing.t, Date.UTC(2025, 10, 2, 17, 30));
  });

  test('daylight-saving changes: a repeated hour reads as its first time, a skipped hour with the offset before', () => {
    // Europe/Berlin: 2026-10-25 03:00 CEST goes back to 02:00 CET, so 02:30 happens twice.
    const repeated = zonedToEpoch({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0, ms: 0 }, 'Europe/Berlin');
    assert.equal(repeated, Date.UTC(2026, 9, 25, 0, 30));
    // 2026-03-29 02:00 CET jumps to 03:00 CEST: 02:30 never happens on the wall.
    const skipped = zonedToEpoch({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0, ms: 0 }, 'Europe/Berlin');
    assert.equal(skipped, Date.UTC(2026, 2, 29, 1, 30));
    // Australia/Lord_Howe goes back half an hour (02:00 +11 to 01:30 +10:30) on 2026-04-05: 01:45 happens
    // twice, 02:15 once. Offsets are remembered by quarter hour: the change falls between two of them.
    const zone = 'Australia/Lord_Howe';
    const at = (hour: number, minute: number) => zonedToEpoch({ year: 2026, month: 4, day: 5, hour, minute, second: 0, ms: 0 }, zone);
    assert.equal(at(2, 15), Date.UTC(2026, 3, 4, 15, 45));
    assert.equal(at(1, 45), Date.UTC(2026, 3, 4, 14, 45));
    assert.equal(at(1, 15), Date.UTC(2026, 3, 4, 14, 15));
  });

  test('every line that cannot be a passing says why', () => {
    const message = (line: string, zone = 'UTC') => {
      const got = parseDecoderLine(line, zone);
      assert.equal(got.kind, 'error', line);
      return got.kind === 'error' ? got.message : '';
    };
    assert.match(message('hello'), /expected chip;dd-mm-yyyy/);
    assert.match(message('bad chip!;01-05-2026 09:00:00'), /chip “bad chip!”/);
    assert.match(message('1;2026-05-01 09:00:00'), /must look like 22-09-2011 02:41:30.620/);
    assert.match(message('1;31-02-2026 09:00:00'), /does not exist|not a date and time that exists/);
    assert.match(message('1;01-05-2026 24:00:00'), /not a date and time that exists/);
    assert.match(message('1;01-05-2026 09:00:00;loop with spaces'), /loop/);
    assert.match(message('1;01-05-2026 09:00:00;A;x'), /lap “x”/);
    assert.match(message('1;01-05-2026 09:00:00;A;1;150'), /battery “150”/);
    assert.match(message('1;01-05-2026 09:00:00;A;1;50;2'), /rewind “2”/);
    assert.match(message('1;01-05-2026 09:00:00', 'Mars/Olympus'), /unknown time zone/);
    assert.match(message(`1;01-05-2026 09:00:00;${'x'.repeat(300)}`), /longer than 256/);
    assert.match(message('1;2;3;4;5;6;7'), /expected/);
  });
});
