/**
 * The layer rules (.dependency-cruiser.cjs) hold for the tree, and they can fail: a planted import that
 * points up (the room importing the live layer, storage importing live, a component importing the server)
 * is caught by the rule that forbids it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';

const root = join(__dirname, '..');
const bin = join(root, 'node_modules', '.bin', 'depcruise');

function cruise(paths: string[]) {
  const out = spawnSync(bin, [...paths, '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: root, encoding: 'utf8' });
  return { code: out.status, text: `${out.stdout}${out.stderr}` };
}

/** Cruise one planted file, removed again whatever happens. */
function planted(path: string, source: string) {
  const file = join(root, path);
  writeFileSync(file, source);
  try {
    return cruise([path]);
  } finally {
    rmSync(file, { force: true });
  }
}

describe('layer rules', () => {
  test('the tree keeps them: every import points inward', { timeout: 120_000 }, () => {
    const out = cruise(['server', 'lib', 'client', 'components', 'app']);
    assert.equal(out.code, 0, out.text);
  });

  test('the room importing the live layer is refused', { timeout: 60_000 }, () => {
    const out = planted('server/room/layers-probe.ts', "import { Live } from '../live/live';\nexport const probe = Live;\n");
    assert.notEqual(out.code, 0);
    assert.match(out.text, /room-is-pure/);
  });

  test('storage importing the live layer is refused', { timeout: 60_000 }, () => {
    const out = planted('server/storage/layers-probe.ts', "import { Rooms } from '../live/rooms';\nexport const probe = Rooms;\n");
    assert.notEqual(out.code, 0);
    assert.match(out.text, /storage-never-imports-live/);
  });

  test('a component importing server code is refused', { timeout: 60_000 }, () => {
    const out = planted('components/LayersProbe.tsx', "import { log } from '../server/log';\nexport const probe = log;\n");
    assert.notEqual(out.code, 0);
    assert.match(out.text, /browser-never-imports-server/);
  });
});
