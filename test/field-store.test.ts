/**
 * Unit: the browser's field (client/field-store.ts) tells a page when the colour it would show for a runner
 * may have changed: when runners are placed and when it learns who they are, not on every move.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FieldStore } from '../client/field-store';
import { Flag, flagsOf, type FrameHeader, FrameKind, FrameWriter, quantise, SUMMARY_LEVEL, writeEntry, writeHeader } from '../lib/live-codec';
import { worldX, worldY } from '../lib/tiles';

const RED = 0xd7263d;

function frame(kind: FrameKind, entries: Array<[n: number, lon: number]>): Uint8Array {
  const h: FrameHeader = {
    kind,
    gen: 3,
    seq: 1,
    level: SUMMARY_LEVEL,
    tileX: 0,
    tileY: 0,
    shift: 0,
    originX: quantise(worldX(-73.97), 0),
    originY: quantise(worldY(40.77), 0),
  };
  const w = new FrameWriter(4);
  writeHeader(w, h, entries.length);
  let prev = -1;
  for (const [n, lon] of entries) {
    writeEntry(w, h, prev, n, quantise(worldX(lon), 0), quantise(worldY(40.77), 0), flagsOf('active') | Flag.Color, RED);
    prev = n;
  }
  return w.bytes();
}

test('runners who all picked one colour are told apart once placed and known, and the colour version says when', () => {
  const field = new FieldStore();
  const start = field.colorsVersion;
  field.applyBinary(frame(FrameKind.Field, [[0, -73.97], [1, -73.96], [2, -73.95]]));
  const placed = field.colorsVersion;
  assert.notEqual(placed, start, 'placing runners moves the version on');
  assert.equal(field.displayColorOf('a'), undefined, 'nobody is known by id yet');

  field.learn(3, ['a', 'b', 'c'].map((id, n) => ({ n, id, name: id, color: '#d7263d', status: 'active' as const })));
  assert.notEqual(field.colorsVersion, placed, 'learning who stands where moves the version on');
  const shown = ['a', 'b', 'c'].map((id) => field.displayColorOf(id));
  assert.equal(new Set(shown).size, 3, `three different colours, got ${shown.join()}`);

  const known = field.colorsVersion;
  field.applyBinary(frame(FrameKind.Positions, [[0, -73.971]]));
  assert.equal(field.colorsVersion, known, 'a move in the same colour leaves the version alone');
});
