/**
 * `npm run bench`: protect, unprotect, cat and revoke through the real `sensitivity` CLI (whole processes,
 * as a user runs them) beside, on the same file in the same run: `age` (its revoke is decrypt | encrypt,
 * as age has no rewrap) and node:crypto's AES-256-GCM with the same chunking in one thread, at its fastest
 * (node-gcm.mjs: the floor of a Node process doing the bulk work alone, without signatures). Each cell is the median of several runs, interleaved (every tool's run r before any
 * run r+1, the tools' order rotating), so a burst of load elsewhere hits all tools alike; CPU seconds
 * (user + system, all threads) are printed beside wall seconds because they vary far less with load.
 * Then the start cost of small commands and `git log -p` of a protected file (start.bench.ts), the in-process
 * envelope figures (envelope.bench.ts), the scan benchmark (scan.bench.ts), the
 * extension's figures, measured inside the real extension host by the integration harness
 * (test/integration/bench.itest.ts through test/e2e/run-integration.ts; BENCH_EXTENSION=0 skips them), and
 * the key service behind nginx with a replica killed under load (keyservice.bench.ts).
 *
 * BENCH_SIZES=64,256,1024 (MiB) and BENCH_RUNS=5 (3 at 1 GiB and above) override the defaults.
 * `cat` writes to a file in every tool (stdout redirected), so all three pay the same page cache.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, copyFileSync, cpSync, createReadStream, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CHUNK_SIZE } from '../../src/core/envelope/index.js';
import { median, timeCommand, type Run } from './timing.js';

const MiB = 1 << 20;
const sizes = (process.env.BENCH_SIZES ?? '64,256,1024').split(',').map((s) => Number(s) * MiB);
const node = process.execPath;
const cli = join(process.cwd(), 'dist', 'cli.js');
const gcm = join(process.cwd(), 'test', 'bench', 'node-gcm.mjs');
const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'sensitivity-bench-'));
const ws = join(dir, 'ws');
const homes = { alice: join(dir, 'alice'), bob: join(dir, 'bob'), reviser: join(dir, 'alice-revoke') };
const hasAge = spawnSync('age', ['--version']).status === 0;
const TOOLS = ['node:crypto', ...(hasAge ? (['age'] as const) : []), 'sensitivity'] as const;
const OPS = ['protect', 'unprotect', 'cat', 'revoke'] as const;
type Tool = (typeof TOOLS)[number];
type Op = (typeof OPS)[number];

/** A command to time: `prepare` runs untimed before it; `stdout` receives its standard output; `home`: SENSITIVITY_HOME (Alice's by default). */
interface Job {
  cmd: string[];
  prepare?: () => void;
  stdout?: string;
  home?: string;
}

/** Runs a job in the bench's workspace (timing.ts): wall and CPU seconds, peak RSS. */
function measure(job: Job, home = job.home ?? homes.alice): Run {
  job.prepare?.();
  return timeCommand(job.cmd, { cwd: ws, env: { ...process.env, SENSITIVITY_HOME: home }, ...(job.stdout ? { stdout: job.stdout } : {}) });
}

function cli1(home: string, ...args: string[]): string {
  const r = spawnSync(node, [cli, ...args], { env: { ...process.env, SENSITIVITY_HOME: home }, cwd: ws, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sensitivity ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function makeFile(path: string, size: number): void {
  const fd = openSync(path, 'w');
  const buf = Buffer.alloc(16 * MiB);
  for (let left = size; left > 0; left -= buf.length) writeSync(fd, randomFillSync(buf), 0, Math.min(left, buf.length));
  closeSync(fd);
}

async function sha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 4 * MiB })) h.update(c as Buffer);
  return h.digest('hex');
}

const rm =
  (...paths: string[]) =>
  () =>
    paths.forEach((p) => rmSync(p, { force: true }));
const p = (name: string) => join(ws, name);

/** Every tool's command for every operation, over the reference files made by `prepareSize`. */
function jobs(agePub: string): Record<Op, Record<Tool, Job>> {
  const chunk = String(DEFAULT_CHUNK_SIZE);
  const key = join(dir, 'age.key');
  return {
    protect: {
      'node:crypto': { cmd: [node, gcm, 'enc', p('data.bin'), p('out.enc'), chunk], prepare: rm(p('out.enc')) },
      age: { cmd: ['age', '-r', agePub, '-o', p('out.age'), p('data.bin')], prepare: rm(p('out.age')) },
      sensitivity: { cmd: [node, cli, 'protect', 'data.bin', '--keep'], prepare: rm(p('data.bin.protected')) },
    },
    unprotect: {
      'node:crypto': { cmd: [node, gcm, 'dec', p('ref.enc'), p('out.bin'), chunk], prepare: rm(p('out.bin')) },
      age: { cmd: ['age', '-d', '-i', key, '-o', p('out.bin'), p('ref.age')], prepare: rm(p('out.bin')) },
      sensitivity: { cmd: [node, cli, 'unprotect', 'out.bin.protected', '--keep'], prepare: rm(p('out.bin')) },
    },
    cat: {
      'node:crypto': { cmd: [node, gcm, 'cat', p('ref.enc'), '-', chunk], stdout: p('out.bin') },
      age: { cmd: ['age', '-d', '-i', key, p('ref.age')], stdout: p('out.bin') },
      sensitivity: { cmd: [node, cli, 'cat', 'ref.protected'], stdout: p('out.bin') },
    },
    revoke: {
      'node:crypto': { cmd: [node, gcm, 'reenc', p('ref.enc'), p('out.enc'), chunk], prepare: rm(p('out.enc')) },
      age: { cmd: ['sh', '-c', `age -d -i '${key}' '${p('ref.age')}' | age -r ${agePub} -o '${p('out.age')}'`], prepare: rm(p('out.age')) },
      // Alice again, in a home of her own whose memory of policy versions is cleared before each run: every run
      // revokes a fresh copy of the same version-1 file, which that memory would otherwise refuse as a rollback
      // (and Alice's own home would then refuse to cat the version-1 reference).
      sensitivity: {
        cmd: [node, cli, 'revoke', 'rev.protected', 'bob@example.com'],
        home: homes.reviser,
        prepare: () => {
          rm(join(homes.reviser, 'versions.json'))();
          copyFileSync(p('ref.protected'), p('rev.protected'));
        },
      },
    },
  } as Record<Op, Record<Tool, Job>>;
}

/** The reference inputs of one size: the plain file, and it encrypted by each tool (Bob granted in ours). */
async function prepareSize(size: number, agePub: string): Promise<string> {
  makeFile(p('data.bin'), size);
  rm(p('data.bin.protected'))();
  cli1(homes.alice, 'protect', 'data.bin', '--keep', '--grant', 'bob@example.com=Viewer');
  copyFileSync(p('data.bin.protected'), p('ref.protected'));
  copyFileSync(p('data.bin.protected'), p('out.bin.protected'));
  measure({ cmd: [node, gcm, 'enc', p('data.bin'), p('ref.enc'), String(DEFAULT_CHUNK_SIZE)] });
  if (hasAge) measure({ cmd: ['age', '-r', agePub, '-o', p('ref.age'), p('data.bin')] });
  return sha256(p('data.bin'));
}

/** Fails unless the last unprotect and cat of `sensitivity` gave back the original bytes. */
async function checkRoundTrip(want: string, all: Record<Op, Record<Tool, Job>>): Promise<void> {
  for (const op of ['unprotect', 'cat'] as const) {
    measure(all[op].sensitivity);
    if ((await sha256(p('out.bin'))) !== want) throw new Error(`sensitivity ${op} changed the bytes`);
  }
}

const fmt = (x: number, digits = 2) => x.toFixed(digits);

async function main(): Promise<void> {
  mkdirSync(join(ws, '.sensitivity'), { recursive: true });
  cli1(homes.alice, 'id', 'new', '--name', 'Alice', '--email', 'alice@example.com');
  cli1(homes.bob, 'id', 'new', '--name', 'Bob', '--email', 'bob@example.com');
  writeFileSync(join(dir, 'bob.json'), cli1(homes.bob, 'id', 'show', '--json'));
  cli1(homes.alice, 'people', 'add', join(dir, 'bob.json'));
  cpSync(homes.alice, homes.reviser, { recursive: true });
  if (hasAge) spawnSync('age-keygen', ['-o', join(dir, 'age.key')], { stdio: 'ignore' });
  const agePub = hasAge ? spawnSync('age-keygen', ['-y', join(dir, 'age.key')], { encoding: 'utf8' }).stdout.trim() : '';
  const all = jobs(agePub);
  const load0 = loadavg();
  const header = ['size', 'op', 'tool', 'wall s', 'CPU s', 'MB/s', '×age wall', '×age CPU', '×node wall', '×node CPU', 'peak RSS MiB'];
  const notes: string[] = [];
  // Each size's rows are printed as soon as it is done (a 1 GiB run on a loaded machine takes long).
  const widths = header.map((h) => Math.max(h.length, 11));
  const print = (r: string[]) => console.log(r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  print(header);

  for (const size of sizes) {
    const label = size >= 1024 * MiB ? `${size / 1024 / MiB} GiB` : `${size / MiB} MiB`;
    const n = Number(process.env.BENCH_RUNS ?? (size >= 1024 * MiB ? 3 : 5));
    const want = await prepareSize(size, agePub);
    await checkRoundTrip(want, all);
    const runs = new Map<string, Run[]>();
    for (let r = 0; r < n; r++) {
      for (const op of OPS) {
        const order = TOOLS.map((_, i) => TOOLS[(i + r) % TOOLS.length]!);
        for (const tool of order) {
          const key = `${op} ${tool}`;
          runs.set(key, [...(runs.get(key) ?? []), measure(all[op][tool])]);
        }
      }
    }
    const med = (op: Op, tool: Tool) => {
      const rs = runs.get(`${op} ${tool}`)!;
      return { wall: median(rs.map((x) => x.wall)), cpu: median(rs.map((x) => x.cpu)), rss: Math.max(...rs.map((x) => x.rssMiB)) };
    };
    for (const op of OPS) {
      for (const tool of TOOLS) {
        const m = med(op, tool);
        const base = med(op, 'node:crypto');
        const age = hasAge ? med(op, 'age') : undefined;
        print([
          label,
          op,
          tool,
          fmt(m.wall),
          fmt(m.cpu),
          fmt(size / 1e6 / m.wall, 0),
          age ? fmt(age.wall / m.wall) : '-',
          age ? fmt(age.cpu / m.cpu) : '-',
          fmt(base.wall / m.wall),
          fmt(base.cpu / m.cpu),
          fmt(m.rss, 0),
        ]);
      }
    }
    notes.push(`${label}: medians of ${n} interleaved runs`);
    rm(
      ...['data.bin', 'data.bin.protected', 'ref.protected', 'out.bin.protected', 'rev.protected', 'ref.enc', 'ref.age', 'out.enc', 'out.age', 'out.bin'].map(
        p,
      ),
    )();
  }

  console.log(`×age, ×node: that tool's median time / this row's (above 1 = faster than it). ${notes.join('; ')}.`);
  console.log(
    `Load average (1 min) ${fmt(load0[0]!)} at the start, ${fmt(loadavg()[0]!)} at the end, on ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores: wall times are only as steady as that; CPU seconds much more so.`,
  );
  console.log(
    "revoke fsyncs its rewrite (it replaces the only copy), and so does node:crypto's re-encryption; protect and unprotect --keep do not (the source stays), nor do node:crypto's, nor does age.",
  );
  if (!hasAge) console.log('(age is not installed: apt-get install age to compare with it)');
}

function after(script: string): number {
  return spawnSync(node, ['--import', 'tsx', script], { stdio: 'inherit' }).status ?? 1;
}

/** The extension's figures (bench.itest.ts) from one integration run restricted to the bench suite. */
function extensionFigures(): number {
  if (process.env.BENCH_EXTENSION === '0') return 0;
  const r = spawnSync(node, ['--import', 'tsx', 'test/e2e/run-integration.ts'], {
    env: { ...process.env, SENSITIVITY_ITEST_GREP: 'bench ›', SENSITIVITY_ITEST_BENCH: '1' },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const figures = new Map([...r.stdout.matchAll(/^BENCH (\S+) (\d+) ms$/gm)].map((m) => [m[1]!, Number(m[2])] as const));
  const ms = (name: string) => (figures.has(name) ? `${figures.get(name)} ms` : 'not measured');
  console.log(`\nThe extension, inside the real extension host (code-server; load average ${fmt(loadavg()[0]!)}):`);
  const over = (a: string, b: string) => (figures.has(a) && figures.has(b) ? `${figures.get(a)! - figures.get(b)!} ms` : 'not measured');
  console.log(
    `  open a 1 MiB protected file (.md), identity loaded: ${ms('open-1MiB-first-ms')} the first time, ${ms('open-1MiB-median-ms')} median of 5 (bar: 100 ms); the same text as a plain .md file: ${ms('open-1MiB-plain-median-ms')}, so protection adds ${over('open-1MiB-median-ms', 'open-1MiB-plain-median-ms')}`,
  );
  console.log(
    `  its editor URI opened directly (a restored tab: no routing editor): ${ms('open-1MiB-editor-uri-median-ms')} median, so routing an Explorer open adds ${over('open-1MiB-median-ms', 'open-1MiB-editor-uri-median-ms')}`,
  );
  console.log(
    `  its text document alone (openTextDocument: decrypted by the file system provider, no editor, no routing page): ${ms('document-1MiB-median-ms')} median; the plain file's: ${ms('document-1MiB-plain-median-ms')}, so protection adds ${over('document-1MiB-median-ms', 'document-1MiB-plain-median-ms')}`,
  );
  console.log(
    `  access panel, 10 000 files of which 1 000 protected: first rows ${ms('panel-first-rows-ms')} (bar: 1 s), complete ${ms('panel-complete-ms')} (bar: 5 s)`,
  );
  console.log(
    `  audit view, 50 000 entries: opened to its first page in ${ms('audit-open-first-page-ms')} (the floor, reading and JSON-parsing every line: ${ms('audit-parse-floor-ms')}); a filter answered in ${['person', 'action', 'file', 'dates', 'all', 'lastPage'].map((f) => `${f} ${ms(`audit-filter-${f}-median-ms`)}`).join(', ')} (medians of 5; bar: 100 ms); Verify ${ms('audit-verify-ms')} (the core's check alone: ${ms('audit-core-verify-ms')}); an appended entry read by the live view in ${ms('audit-live-append-ms')} (of which 200 ms is the wait for a burst to end)`,
  );
  if (r.status !== 0) console.log(`  the integration run failed (exit ${r.status}):\n${(r.stdout + r.stderr).split('\n').slice(-15).join('\n')}`);
  return r.status ?? 1;
}

main()
  .finally(() => rmSync(dir, { recursive: true, force: true }))
  .then(
    () => {
      process.exitCode =
        after('test/bench/start.bench.ts') ||
        after('test/bench/envelope.bench.ts') ||
        after('test/bench/scan.bench.ts') ||
        extensionFigures() ||
        after('test/bench/keyservice.bench.ts');
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
