/**
 * A small mocha-like runner for tests inside the extension host: `suite`, `test`, hooks, per-test
 * timeouts, one result line per test. Not node:test: it does run there, but its results never reach
 * `run()` (checked: a failing node:test test left the run green), as it settles at process exit, which
 * the extension host never reaches. Lines start with MARK so the launcher can pick them out of the noise.
 */

export const MARK = '[itest]';

type Fn = () => void | Promise<void>;

interface TestCase {
  readonly name: string;
  readonly fn: Fn;
  readonly timeoutMs: number;
}

interface Suite {
  readonly name: string;
  readonly tests: TestCase[];
  readonly before: Fn[];
  readonly after: Fn[];
  readonly beforeEach: Fn[];
  readonly afterEach: Fn[];
}

/** One failed test (or hook): its full name and the error. */
export interface Failure {
  readonly name: string;
  readonly error: unknown;
}

export interface RunResult {
  readonly passed: number;
  readonly failed: readonly Failure[];
  readonly skipped: number;
}

const DEFAULT_TIMEOUT_MS = 20_000;
/**
 * Every bound (a test's and `waitFor`'s) is stretched by this much: tests wait on events and state, and
 * a bound only catches a hang. On two cores shared with a full build, a watcher event or a 1 MiB rescan
 * can take several times as long as on a quiet machine (issue 12), and must not fail the run.
 */
export const LOAD_SLACK = 3;
const suites: Suite[] = [];
let current: Suite | undefined;

function currentSuite(what: string): Suite {
  if (!current) throw new TypeError(`${what}() must be called inside suite()`);
  return current;
}

/** Declares a group of tests; `body` runs synchronously to register them. */
export function suite(name: string, body: () => void): void {
  if (current) throw new TypeError('suites do not nest');
  current = { name, tests: [], before: [], after: [], beforeEach: [], afterEach: [] };
  try {
    body();
    suites.push(current);
  } finally {
    current = undefined;
  }
}

/** Declares a test in the enclosing suite; it fails when `fn` throws, rejects or exceeds `timeoutMs`. */
export function test(name: string, fn: Fn, options: { timeoutMs?: number } = {}): void {
  currentSuite('test').tests.push({ name, fn, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS });
}

/** Runs once before the suite's first test. */
export const before = (fn: Fn): void => void currentSuite('before').before.push(fn);
/** Runs once after the suite's last test, even when tests failed. */
export const after = (fn: Fn): void => void currentSuite('after').after.push(fn);
/** Runs before each test of the suite. */
export const beforeEach = (fn: Fn): void => void currentSuite('beforeEach').beforeEach.push(fn);
/** Runs after each test of the suite, even when it failed. */
export const afterEach = (fn: Fn): void => void currentSuite('afterEach').afterEach.push(fn);

function withTimeout(fn: Fn, ms: number, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([Promise.resolve().then(fn), timeout]).finally(() => clearTimeout(timer));
}

/** Hooks get the same stretched bound as tests: a loaded run once spent 20 s in one `closeAllEditors`. */
async function runHooks(hooks: readonly Fn[], what: string): Promise<void> {
  for (const h of hooks) await withTimeout(h, DEFAULT_TIMEOUT_MS * LOAD_SLACK, what);
}

/** The error's message and stack, indented, for the detail lines. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? '';
}

/** Runs every registered suite in order; `grep` keeps tests whose full name contains it. */
export async function runAll(options: { grep?: string | undefined; log?: (line: string) => void } = {}): Promise<RunResult> {
  const log = options.log ?? ((line: string) => console.log(`${MARK} ${line}`));
  const failed: Failure[] = [];
  let passed = 0;
  let skipped = 0;
  const started = Date.now();
  for (const s of suites) {
    const tests = s.tests.filter((t) => !options.grep || `${s.name} › ${t.name}`.includes(options.grep));
    skipped += s.tests.length - tests.length;
    if (tests.length === 0) continue;
    log(`${s.name}`);
    const fail = (name: string, error: unknown) => {
      failed.push({ name, error });
      log(`  ✘ ${name}: ${firstLine(error)}\n${describeError(error).replace(/^/gm, '      ')}`);
    };
    try {
      await runHooks(s.before, `${s.name} › before`);
    } catch (e) {
      fail(`${s.name} › before`, e);
      continue;
    }
    for (const t of tests) {
      const name = `${s.name} › ${t.name}`;
      const t0 = Date.now();
      const errors: Array<[string, unknown]> = [];
      try {
        await runHooks(s.beforeEach, `${name} › beforeEach`);
        await withTimeout(t.fn, t.timeoutMs * LOAD_SLACK, 'the test');
      } catch (e) {
        errors.push([name, e]);
      }
      await runHooks(s.afterEach, `${name} › afterEach`).catch((e: unknown) => errors.push([`${name} › afterEach`, e]));
      if (errors.length === 0) {
        passed++;
        log(`  ✔ ${t.name} (${Date.now() - t0} ms)`);
      }
      for (const [n, e] of errors) fail(n, e);
    }
    await runHooks(s.after, `${s.name} › after`).catch((e: unknown) => fail(`${s.name} › after`, e));
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  log(`${passed} passed, ${failed.length} failed${skipped ? `, ${skipped} filtered out` : ''} (${seconds} s)`);
  for (const f of failed) log(`FAILED ${f.name}: ${firstLine(f.error)}`);
  return { passed, failed, skipped };
}
