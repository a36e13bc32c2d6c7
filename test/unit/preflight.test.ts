/**
 * `npm run test:all` names what it needs before running anything (issue 22): scripts/preflight.mjs checks a list
 * of Debian packages, and `.ci/run` installs every one of them (the two lists cannot drift apart).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const preflight = (...args: string[]) => spawnSync(process.execPath, ['scripts/preflight.mjs', ...args], { encoding: 'utf8' });

test('.ci/run installs every package the preflight checks, and test:all runs the preflight first', () => {
  const needed = preflight('--apt').stdout.trim().split(/\s+/);
  assert.ok(needed.length >= 10, `the preflight lists packages: ${needed.join(' ')}`);
  const ci = /packages=\(([^)]*)\)/.exec(readFileSync('.ci/run', 'utf8'))?.[1]?.split(/\s+/).filter(Boolean) ?? [];
  assert.deepEqual(
    needed.filter((p) => !ci.includes(p)),
    [],
  );
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts['test:all']!, /^node scripts\/preflight\.mjs && /);
});

test('a missing package is named with the command that installs it, before anything runs', () => {
  const r = spawnSync(process.execPath, ['scripts/preflight.mjs'], { encoding: 'utf8', env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /chromium\s+the UI tests’ browser/);
  assert.match(r.stderr, /sudo apt-get install -y --no-install-recommends .*\bchromium\b/);
});
