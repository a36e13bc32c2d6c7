/**
 * `npm run test:integration`: runs test/integration (bundled to dist/test/index.js) inside the extension
 * host of a real VS Code (code-server), the way @vscode/test-electron would with desktop VS Code:
 * the workbench is opened with an extensionDevelopmentPath / extensionTestsPath payload and reports the
 * tests' outcome through `window.codeAutomationExit` (smoke-test driver). Exits non-zero on failure,
 * naming each failed test. Env: SENSITIVITY_ITEST_GREP filters tests, SENSITIVITY_ITEST_VERBOSE=1
 * prints all browser console output, SENSITIVITY_ITEST_BENCH=1 adds the bench suite (bench.itest.ts, run by `npm run bench`), SENSITIVITY_ITEST_RESTRICTED=1 opens the workspace in Restricted Mode and runs only the restricted-mode suite, SENSITIVITY_ITEST_TIMEOUT (s) bounds the run (default 900: a loaded machine takes several times as long).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { SourceMap } from 'node:module';
import type { ConsoleMessage } from 'playwright-core';
import { runDirs, startCodeServer, workbenchUrl, type RunningServer } from '../../scripts/lib/code-server.js';
import { installCleanupHandlers, logTail, stopAllGroups } from '../../scripts/lib/processes.js';
import { provisionCodeServer, REPO_ROOT } from '../../scripts/lib/provision.js';
import { MARK } from '../integration/harness.js';
import { artifactsDir, launchChromium } from './browser.js';

const TESTS_BUNDLE = join(REPO_ROOT, 'dist/test/index.js');
const FIXTURE = join(REPO_ROOT, 'test/integration/fixture');

/**
 * Rewrites `dist/test/index.js:L:C` in stack traces to the TypeScript source (the extension host
 * ignores source maps). Returns the identity when the bundle has no map (production build).
 */
function sourceMapper(): (text: string) => string {
  const mapFile = `${TESTS_BUNDLE}.map`;
  if (!existsSync(mapFile)) return (text) => text;
  const map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  return (text) =>
    text.replaceAll(/\/?[^\s()]*dist\/test\/index\.js:(\d+):(\d+)/g, (whole, line: string, column: string) => {
      const entry = map.findEntry(Number(line) - 1, Number(column) - 1);
      if (!('originalSource' in entry)) return whole;
      return `${relative(REPO_ROOT, resolve(dirname(mapFile), entry.originalSource))}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    });
}

/** Workspace Trust on, with no prompt: the workspace stays in Restricted Mode (the restricted-mode suite). */
const RESTRICTED_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.emptyWindow': false,
};

/** Console errors worth showing: not the offline gallery, missing resources or the absent vsda module (E2E.md: harmless). */
const isRelevantError = (line: string) =>
  line.startsWith('[error]') && !/ENOTFOUND open-vsx\.org|Failed to load resource|vsda|Canceled|authentication provider/.test(line);

async function main(): Promise<number> {
  installCleanupHandlers();
  for (const f of [TESTS_BUNDLE, join(REPO_ROOT, 'dist/extension.js')]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run \`node esbuild.mjs\` first (npm run test:integration does)`);
  }
  const verbose = process.env.SENSITIVITY_ITEST_VERBOSE === '1';
  const timeoutMs = Number(process.env.SENSITIVITY_ITEST_TIMEOUT ?? 900) * 1000;
  const install = await provisionCodeServer();
  const root = mkdtempSync(join(tmpdir(), 'sensitivity-itest-'));
  rmSync(artifactsDir('integration'), { recursive: true, force: true });
  const out = artifactsDir('integration');
  const consoleLog: string[] = [];
  const mapStack = sourceMapper();
  const failures: string[] = [];
  let server: RunningServer | undefined;
  const started = Date.now();
  try {
    // SENSITIVITY_ITEST_RESTRICTED=1: Workspace Trust on and the folder never trusted, so it opens in Restricted Mode.
    const restricted = process.env.SENSITIVITY_ITEST_RESTRICTED === '1';
    const dirs = runDirs(root, restricted ? RESTRICTED_SETTINGS : {});
    const folder = join(root, 'workspace');
    cpSync(FIXTURE, folder, { recursive: true });
    const home = join(root, 'sensitivity-home');
    mkdirSync(home, { recursive: true, mode: 0o700 });
    server = await startCodeServer(install, dirs, {
      folder,
      smokeTestDriver: true,
      workspaceTrust: restricted,
      env: {
        SENSITIVITY_ITEST_RESTRICTED: restricted ? '1' : '',
        SENSITIVITY_HOME: home,
        SENSITIVITY_ITEST_GREP: process.env.SENSITIVITY_ITEST_GREP || (restricted ? 'restricted mode' : ''),
        SENSITIVITY_ITEST_BENCH: process.env.SENSITIVITY_ITEST_BENCH ?? '',
        // The Node this launcher runs on, which native test servers (the key service's pkcs11js) were built for.
        SENSITIVITY_ITEST_NODE: process.execPath,
      },
    });
    const context = await launchChromium(join(root, 'chromium'));
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const exitCode = new Promise<number>((resolve) => {
        void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
      });
      const onConsole = (msg: ConsoleMessage) => {
        // The workbench prefixes forwarded log lines with a CSS-styled level ("%c INFO color: #33f").
        const text = mapStack(msg.text()).replace(/^%c\s*(\w+)\s+color:\s*#[0-9a-f]+\s?/i, '$1 ');
        consoleLog.push(`[${msg.type()}] ${text}`);
        const at = text.indexOf(MARK);
        if (at >= 0) {
          const line = text.slice(at + MARK.length + 1);
          console.log(line);
          if (line.startsWith('FAILED ')) failures.push(line.slice('FAILED '.length));
        } else if (verbose) {
          console.log(`  (console.${msg.type()}) ${text}`);
        }
      };
      page.on('console', onConsole);
      page.on('pageerror', (e) => consoleLog.push(`[pageerror] ${e.message}`));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      // What the run waits for is the exit code, under the run's one bound: the page's "load" event (all of
      // the workbench's scripts) is no milestone of its own, and its 30 s default failed a run on a loaded
      // machine. `commit` only waits for code-server's answer.
      await page.goto(workbenchUrl(server, folder, { extensionDevelopmentPath: REPO_ROOT, extensionTestsPath: TESTS_BUNDLE }), {
        waitUntil: 'commit',
        timeout: timeoutMs,
      });
      const code = await Promise.race([exitCode, timedOut]);
      clearTimeout(timer);
      if (code !== 0) await page.screenshot({ path: join(out, 'failure.png') }).catch(() => undefined);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (code === 'timeout') {
        console.error(`integration tests did not finish within ${timeoutMs / 1000} s (screenshot: ${join(out, 'failure.png')})`);
        return 1;
      }
      if (code !== 0) {
        console.error(`\nintegration tests FAILED (exit ${code}, ${seconds} s)`);
        for (const f of failures) console.error(`  ✘ ${f}`);
        if (failures.length === 0) {
          console.error('  no test result was reported: the tests bundle failed to load or run. Console errors:');
          for (const line of consoleLog.filter(isRelevantError).slice(0, 5)) console.error(`    ${line.split('\n').slice(0, 6).join('\n    ')}`);
        }
        return 1;
      }
      console.log(`integration tests passed in ${seconds} s`);
      return 0;
    } finally {
      await context.close().catch(() => undefined);
    }
  } catch (e) {
    if (server) console.error(`code-server log (tail):\n${logTail(server.dirs.log)}`);
    throw e;
  } finally {
    writeFileSync(join(out, 'console.log'), consoleLog.join('\n') + '\n');
    if (server) cpSync(server.dirs.log, join(out, 'code-server.log'));
    await stopAllGroups();
    rmSync(root, { recursive: true, force: true });
    console.log(`browser console: ${join(out, 'console.log')}`);
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`test:integration: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
