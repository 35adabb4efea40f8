/** The deployment guide quotes the proxy configuration the cluster tests run, word for word. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

test('docs/deploy.md shows deploy/nginx/trackside.conf exactly as the tests use it', () => {
  const root = join(__dirname, '..');
  const conf = readFileSync(join(root, 'deploy', 'nginx', 'trackside.conf'), 'utf8').trimEnd();
  const guide = readFileSync(join(root, 'docs', 'deploy.md'), 'utf8');
  assert.ok(guide.includes('```nginx\n' + conf + '\n```'), 'the nginx block in docs/deploy.md differs from deploy/nginx/trackside.conf');
});
