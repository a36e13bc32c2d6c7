/**
 * `npm run test:e2e` (after `npm run package`): runs test/e2e/*.e2e.ts with node's test runner, one file
 * at a time (each starts its own code-server and Chromium; two cores). Pass substrings to pick files:
 * `node --import tsx test/e2e/run-e2e.ts harness`. Screenshots land in .artifacts/e2e/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { provisionCodeServer, REPO_ROOT, requireChromium } from '../../scripts/lib/provision.js';
import { vsixPath } from '../../scripts/package.js';
import { ARTIFACTS } from './browser.js';

async function main(): Promise<number> {
  requireChromium();
  await provisionCodeServer();
  const vsix = process.env.SENSITIVITY_VSIX ?? vsixPath();
  if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\` first (npm run test:e2e does)`);
  const dir = join(REPO_ROOT, 'test/e2e');
  const filter = process.argv.slice(2);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.e2e.ts') && (filter.length === 0 || filter.some((s) => f.includes(s))))
    .sort()
    .map((f) => join(dir, f));
  if (files.length === 0) throw new Error(`no test/e2e/*.e2e.ts file matches ${filter.join(' ')}`);
  rmSync(join(ARTIFACTS, 'e2e'), { recursive: true, force: true });
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files], {
    stdio: 'inherit',
    env: { ...process.env, SENSITIVITY_VSIX: vsix },
  });
  console.log(`e2e: ${files.length} file(s) in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${join(ARTIFACTS, 'e2e')}`);
  return r.status ?? 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`test:e2e: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
