/** Unit: runner colours stay apart, stay readable and stay put. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assignColors, colorName, contrastRatio, DEFAULT_COLOR, deltaE, PALETTE, PICKABLE } from '../client/colors';

describe('palette', () => {
  test('has no near-duplicates', () => {
    for (let i = 0; i < PALETTE.length; i++) {
      for (let j = i + 1; j < PALETTE.length; j++) {
        const d = deltaE(PALETTE[i]!.hex, PALETTE[j]!.hex);
        assert.ok(d >= 23, `${PALETTE[i]!.name} and ${PALETTE[j]!.name} are only ΔE ${d.toFixed(1)} apart`);
      }
    }
  });

  test('every colour stands out from white at 3:1 or more (non-text contrast)', () => {
    for (const c of PALETTE) assert.ok(contrastRatio(c.hex, '#ffffff') >= 3, `${c.name} ${contrastRatio(c.hex, '#ffffff').toFixed(2)}`);
  });

  test('colours are named for people, not by hex', () => {
    assert.equal(colorName(DEFAULT_COLOR), 'Red');
    assert.equal(colorName('#1f5fd6'), 'Blue');
    // Old or foreign colours get the nearest name.
    assert.equal(colorName('#e6194b'), 'Red');
    assert.equal(new Set(PALETTE.map((c) => c.name)).size, PALETTE.length);
    assert.equal(PICKABLE.length, 8);
  });
});

describe('assignColors', () => {
  test('runners who all picked the default colour get different colours', () => {
    const runners = Array.from({ length: 5 }, (_, i) => ({ id: `r${i}`, color: DEFAULT_COLOR }));
    const colors = assignColors(runners);
    assert.equal(colors.get('r0'), DEFAULT_COLOR, 'the first keeps their pick');
    assert.equal(new Set(colors.values()).size, 5);
  });

  test('a free pick is kept', () => {
    const colors = assignColors([
      { id: 'a', color: '#d7263d' },
      { id: 'b', color: '#1f5fd6' },
      { id: 'c', color: '#2b8a3e' },
    ]);
    assert.deepEqual([...colors.values()], ['#d7263d', '#1f5fd6', '#2b8a3e']);
  });

  test('all colours differ while the palette lasts, then repeat evenly', () => {
    const runners = Array.from({ length: 210 }, (_, i) => ({ id: `r${i}`, color: i % 3 ? DEFAULT_COLOR : '#1f5fd6' }));
    const colors = assignColors(runners);
    const first = runners.slice(0, PALETTE.length).map((r) => colors.get(r.id));
    assert.equal(new Set(first).size, PALETTE.length);
    const counts = new Map<string, number>();
    for (const c of colors.values()) counts.set(c, (counts.get(c) ?? 0) + 1);
    assert.equal(counts.size, PALETTE.length);
    assert.ok(Math.max(...counts.values()) - Math.min(...counts.values()) <= 1);
  });

  test('a runner joining later changes nobody else', () => {
    const runners = Array.from({ length: 20 }, (_, i) => ({ id: `r${i}`, color: PALETTE[i % 4]!.hex }));
    const before = assignColors(runners);
    const after = assignColors([...runners, { id: 'new', color: DEFAULT_COLOR }]);
    for (const r of runners) assert.equal(after.get(r.id), before.get(r.id));
  });
});
