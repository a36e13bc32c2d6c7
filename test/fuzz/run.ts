/**
 * `npm run fuzz`: every target (test/fuzz/targets.ts) fuzzed with coverage guidance for a bounded time, each
 * in a process of its own (a synchronous hang is caught by the process's deadline), then the corpus it
 * grew replayed under c8 to measure the coverage of the parser files reached. Prints executions and
 * corpus growth per target and c8's table; exit 1 on any failure, whose input is written to
 * test/fuzz/regressions/<target>/ (commit it: test/unit/fuzz.test.ts replays every file there).
 *
 *   node --import tsx test/fuzz/run.ts [--seconds N] [TARGET...]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execute, fuzz } from './engine.js';
import { REGRESSIONS } from './seeds.js';
import { regressions, seeds, TARGETS, type Target } from './targets.js';

const SELF = resolve('test/fuzz/run.ts');
/** Slow targets (a key derivation per input) get at least this long. */
const SLOW_SECONDS = 10;
const tsx = (args: readonly string[]) => [process.execPath, ['--import', 'tsx', SELF, ...args]] as const;

function byName(name: string): Target {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`no fuzz target "${name}"; targets: ${TARGETS.map((x) => x.name).join(', ')}`);
  return t;
}

/** Child: fuzz the targets in turn, write what each found to `out`, print a line when each starts and its result as JSON. */
async function worker(names: readonly string[], seconds: number, out: string): Promise<void> {
  for (const name of names) {
    const target = byName(name);
    console.log(`START ${name}`);
    const r = await fuzz(target, { timeMs: (target.slow ? Math.max(seconds, SLOW_SECONDS) : seconds) * 1000, guided: true });
    mkdirSync(join(out, name), { recursive: true });
    r.found.forEach((input, i) => writeFileSync(join(out, name, `found-${i}`), input));
    if (r.failure) {
      const dir = join(REGRESSIONS, name);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${createHash('sha256').update(r.failure.input).digest('hex').slice(0, 16)}.bin`);
      writeFileSync(file, r.failure.input);
      console.error(`${name}: FAILURE kept as ${file}\n${r.failure.error}`);
    }
    console.log(JSON.stringify({ target: name, executions: r.executions, found: r.found.length, failed: r.failure !== undefined }));
  }
}

/** Child under c8: every target's seeds, regressions and found inputs, once each. */
async function replay(out: string): Promise<void> {
  for (const target of TARGETS) {
    const dir = join(out, target.name);
    const found = (() => {
      try {
        return readdirSync(dir).map((f) => new Uint8Array(readFileSync(join(dir, f))));
      } catch {
        return [];
      }
    })();
    await target.setup?.();
    try {
      for (const input of [...seeds(target.corpus), ...regressions(target), ...found]) await execute(target, input);
    } finally {
      await target.teardown?.();
    }
  }
}

function main(): void {
  const args = process.argv.slice(2);
  const at = args.indexOf('--seconds');
  const seconds = at >= 0 ? Number(args.splice(at, 2)[1]) : 3;
  const targets = args.length ? args.map(byName) : TARGETS;
  const out = mkdtempSync(join(tmpdir(), 'sensitivity-fuzz-'));
  const rows: string[] = [];
  let failed = false;
  let total = 0;
  try {
    const budget = targets.reduce((n, t) => n + (t.slow ? Math.max(seconds, SLOW_SECONDS) : seconds), 0);
    const [node, argv] = tsx(['--worker', String(seconds), out, ...targets.map((t) => t.name)]);
    const r = spawnSync(node, argv, { encoding: 'utf8', timeout: (budget + 300) * 1000, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = r.stdout.trim().split('\n');
    for (const t of targets) {
      let result: { executions: number; found: number; failed: boolean } | undefined;
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const parsed = JSON.parse(line) as { target: string; executions: number; found: number; failed: boolean };
        if (parsed.target === t.name) result = parsed;
      }
      const started = lines.includes(`START ${t.name}`);
      if (!result || result.failed) failed = true;
      const status = result
        ? result.failed
          ? 'FAILED'
          : 'ok'
        : started
          ? `DIED (${r.signal ?? `exit ${r.status}`}): a hang or a crash; rerun this target alone`
          : 'not run';
      total += result?.executions ?? 0;
      rows.push(
        `${t.name.padEnd(26)} ${String(result?.executions ?? '-').padStart(8)} ${String(seeds(t.corpus).length).padStart(6)} ${String(result?.found ?? '-').padStart(6)}  ${status}`,
      );
    }
    console.log(`\nfuzzing, ${seconds} s per target (slow targets at least ${SLOW_SECONDS} s), coverage-guided:`);
    console.log(`${'target'.padEnd(26)} ${'execs'.padStart(8)} ${'seeds'.padStart(6)} ${'found'.padStart(6)}  result`);
    for (const row of rows) console.log(row);
    console.log(`${'total'.padEnd(26)} ${String(total).padStart(8)}`);
    // Coverage of the parser files by everything the fuzzers kept (seeds, regressions, inputs that ran new blocks).
    const files = [...new Set(targets.flatMap((t) => t.files))];
    const [replayNode, replayArgv] = tsx(['--replay', out]);
    const c8 = spawnSync(
      resolve('node_modules/.bin/c8'),
      [
        '--reporter=text',
        '--exclude-after-remap',
        ...files.flatMap((f) => ['--include', f]),
        '--temp-directory',
        join(out, 'c8'),
        '--report-dir',
        join(out, 'c8-report'),
        replayNode,
        ...replayArgv,
      ],
      { stdio: 'inherit' },
    );
    if (c8.status !== 0) failed = true;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

const mode = process.argv[2];
if (mode === '--worker') void worker(process.argv.slice(5), Number(process.argv[3]), process.argv[4]!);
else if (mode === '--replay') void replay(process.argv[3]!);
else main();
