/**
 * Where people wait on starts (issue 24): small `sensitivity` commands as whole processes beside `node -e 0`, the
 * one-thread node:crypto floor (node-gcm.mjs), age and gpg on the same 4-byte file; then `git log -p` of a protected file with 30 revisions (git's textconv driver
 * installed, its cache off: 59 driver runs) beside the same history of a plain file and 60 × `node -e 0`. Every
 * figure is the median of interleaved runs (each row's run r before any run r+1), measured in this run.
 * Run: node --import tsx test/bench/start.bench.ts (after `node esbuild.mjs`); BENCH_START_RUNS=7 (default),
 * BENCH_LOG_RUNS=3 (default).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CHUNK_SIZE } from '../../src/core/envelope/index.js';
import { median, timeCommand, type Run } from './timing.js';

const node = process.execPath;
const cli = join(process.cwd(), 'dist', 'cli.js');
const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'sensitivity-start-bench-'));
const repo = join(dir, 'repo');
const gcm = join(process.cwd(), 'test', 'bench', 'node-gcm.mjs');
const REVISIONS = 30;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  SENSITIVITY_HOME: join(dir, 'home'),
  GNUPGHOME: join(dir, 'gnupg'),
  HOME: dir,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};
/** Rows run without NODE_EXTRA_CA_CERTS (where it is set) end with this, and compare with node -e 0 run so. */
const NO_CA = ', no extra CA certs';
const withoutCa = ['env', '-u', 'NODE_EXTRA_CA_CERTS'];
const has = (tool: string) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;

function run(cmd: string, ...args: string[]): string {
  const r = spawnSync(cmd, args, { cwd: repo, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A repository with an identity and the git drivers, a 4-byte protected file, and 30 revisions of a protected and a plain file. */
function setUp(): void {
  mkdirSync(join(repo, '.sensitivity'), { recursive: true });
  run('git', 'init', '-q', '.');
  run(node, cli, 'id', 'new', '--name', 'Bench', '--email', 'bench@example.com');
  run(node, cli, 'git', 'install');
  writeFileSync(join(repo, 'tiny.txt'), 'tiny');
  run(node, cli, 'protect', 'tiny.txt', '--keep');
  // What git hands its textconv driver: the blob in a temporary file outside the workspace.
  copyFileSync(join(repo, 'tiny.txt.protected'), join(dir, 'XXXXXX_tiny.txt.protected'));
  for (let i = 0; i < REVISIONS; i++) {
    const text = Array.from({ length: 20 }, (_, l) => `line ${l}${l === i % 20 ? ` revision ${i}` : ''}\n`).join('');
    writeFileSync(join(repo, 'plain.md'), text);
    writeFileSync(join(repo, 'plan.md'), text);
    rmSync(join(repo, 'plan.md.protected'), { force: true });
    run(node, cli, 'protect', 'plan.md');
    run('git', 'add', '-A');
    run('git', 'commit', '-q', '-m', `revision ${i}`);
  }
  run(node, gcm, 'enc', join(repo, 'tiny.txt'), join(dir, 'tiny.enc'), String(DEFAULT_CHUNK_SIZE));
  if (has('age')) {
    run('age-keygen', '-o', join(dir, 'age.key'));
    const pub = run('age-keygen', '-y', join(dir, 'age.key')).trim();
    run('age', '-r', pub, '-o', join(dir, 'tiny.age'), join(repo, 'tiny.txt'));
  }
  if (has('gpg')) {
    mkdirSync(env.GNUPGHOME!, { mode: 0o700 });
    run(
      'gpg',
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      '',
      '--quick-gen-key',
      'Bench <bench@example.com>',
      'future-default',
      'default',
      'never',
    );
    run('gpg', '--batch', '--trust-model', 'always', '-e', '-r', 'bench@example.com', '-o', join(dir, 'tiny.gpg'), join(repo, 'tiny.txt'));
  }
}

interface Row {
  name: string;
  cmd: string[];
  /** A file removed before each run (protect's output). */
  remove?: string;
}

/**
 * Medians of `n` interleaved samples of every row (the rows' order rotating), so load elsewhere hits all alike;
 * each sample times `batch` runs in one shell loop and divides (GNU time counts in hundredths of a second).
 */
function medians(rows: readonly Row[], n: number, batch: number): Map<string, { wall: number; cpu: number }> {
  const runs = new Map<string, Run[]>(rows.map((r) => [r.name, []]));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < rows.length; k++) {
      const row = rows[(k + i) % rows.length]!;
      const loop = `i=0; while [ $i -lt ${batch} ]; do ${row.remove ? 'rm -f "$R"; ' : ''}"$@" >/dev/null || exit 1; i=$((i+1)); done`;
      const r = timeCommand(['sh', '-c', loop, 'sh', ...row.cmd], { cwd: repo, env: { ...env, R: row.remove ?? '' } });
      runs.get(row.name)!.push({ wall: r.wall / batch, cpu: r.cpu / batch, rssMiB: r.rssMiB });
    }
  }
  return new Map([...runs].map(([name, rs]) => [name, { wall: median(rs.map((r) => r.wall)), cpu: median(rs.map((r) => r.cpu)) }]));
}

const fmt = (x: number, digits = 2) => x.toFixed(digits);

function main(): void {
  setUp();
  const load0 = loadavg()[0]!;
  // The rows issue 24 bars at 1.5 × node -e 0 (one small file each), and --version (loading alone).
  const barred: Row[] = [
    { name: 'sensitivity --version', cmd: [node, cli, '--version'] },
    { name: 'sensitivity git textconv (4 B)', cmd: [node, cli, 'git', 'textconv', join(dir, 'XXXXXX_tiny.txt.protected')] },
    { name: 'sensitivity cat (4 B)', cmd: [node, cli, 'cat', 'tiny.txt.protected'] },
    { name: 'sensitivity label get', cmd: [node, cli, 'label', 'get', 'tiny.txt.protected'] },
    { name: 'sensitivity inspect', cmd: [node, cli, 'inspect', 'tiny.txt.protected'] },
  ];
  const small: Row[] = [
    { name: 'node -e 0', cmd: [node, '-e', '0'] },
    ...barred,
    { name: 'sensitivity protect (4 B)', cmd: [node, cli, 'protect', 'tiny.txt', '--keep'], remove: join(repo, 'tiny.txt.protected') },
    // Node parses NODE_EXTRA_CA_CERTS's certificates at every start, before any script: where it is set (as on
    // the machines this was written on), it is a large part of node -e 0, so the same rows run without it too,
    // each compared with node -e 0 without it.
    ...(process.env.NODE_EXTRA_CA_CERTS
      ? [{ name: 'node -e 0', cmd: [node, '-e', '0'] }, ...barred].map((r) => ({ ...r, name: `${r.name}${NO_CA}`, cmd: [...withoutCa, ...r.cmd] }))
      : []),
    { name: 'node:crypto floor cat (4 B)', cmd: [node, gcm, 'cat', join(dir, 'tiny.enc'), '-', String(DEFAULT_CHUNK_SIZE)] },
    ...(has('age') ? [{ name: 'age -d (4 B)', cmd: ['age', '-d', '-i', join(dir, 'age.key'), join(dir, 'tiny.age')] }] : []),
    ...(has('gpg') ? [{ name: 'gpg -d (4 B)', cmd: ['gpg', '--batch', '-q', '-d', join(dir, 'tiny.gpg')] }] : []),
  ];
  const startRuns = Number(process.env.BENCH_START_RUNS ?? 7);
  const m = medians(small, startRuns, 5);
  console.log(
    `\nStart cost: medians of ${startRuns} interleaved samples of 5 runs each; ×node = this row's time / node -e 0's (issue 24's bar: 1.5 for textconv, cat, label get, inspect); NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'not set'}`,
  );
  console.log(['command'.padEnd(52), 'wall s', ' CPU s', '×node wall', '×node CPU'].join('  '));
  for (const row of small) {
    const r = m.get(row.name)!;
    const base = row.name.endsWith(NO_CA) ? m.get(`node -e 0${NO_CA}`)! : m.get('node -e 0')!;
    console.log([row.name.padEnd(52), fmt(r.wall, 3), fmt(r.cpu, 3), fmt(r.wall / base.wall).padStart(10), fmt(r.cpu / base.cpu).padStart(9)].join('  '));
  }

  const logRows: Row[] = [
    { name: 'node -e 0', cmd: [node, '-e', '0'] },
    { name: `git log -p plain.md (${REVISIONS} revisions)`, cmd: ['git', 'log', '-p', '--', 'plain.md'] },
    { name: `git log -p plan.md.protected (${REVISIONS} revisions)`, cmd: ['git', 'log', '-p', '--', 'plan.md.protected'] },
  ];
  // git hands its environment to the driver: without NODE_EXTRA_CA_CERTS, each driver run starts without it.
  const log = [
    ...logRows,
    ...(process.env.NODE_EXTRA_CA_CERTS ? logRows.map((r) => ({ ...r, name: `${r.name}${NO_CA}`, cmd: [...withoutCa, ...r.cmd] })) : []),
  ];
  // The driver really ran: the protected file's log shows the last revision's plaintext.
  if (!run('git', 'log', '-p', '--', 'plan.md.protected').includes(`+line ${(REVISIONS - 1) % 20} revision ${REVISIONS - 1}`)) {
    throw new Error('git log -p did not show the plaintext: is the textconv driver installed?');
  }
  const logRuns = Number(process.env.BENCH_LOG_RUNS ?? 3);
  const g = medians(log, logRuns, 1);
  const barOf = (name: string) => ({ wall: 60 * g.get(name)!.wall, cpu: 60 * g.get(name)!.cpu });
  const bar = barOf('node -e 0');
  console.log(
    `\ngit log -p (textconv driver, cache off: ${2 * REVISIONS - 1} driver runs): medians of ${logRuns} interleaved runs; ×60 node = this / (60 × node -e 0) (bar: 1.5)`,
  );
  console.log(['command'.padEnd(64), 'wall s', ' CPU s', '×60 node wall', '×60 node CPU'].join('  '));
  for (const row of log.filter((r) => !r.name.startsWith('node -e 0'))) {
    const r = g.get(row.name)!;
    const base = row.name.endsWith(NO_CA) ? barOf(`node -e 0${NO_CA}`) : bar;
    console.log([row.name.padEnd(64), fmt(r.wall), fmt(r.cpu), fmt(r.wall / base.wall).padStart(13), fmt(r.cpu / base.cpu).padStart(12)].join('  '));
  }
  console.log(
    `60 × node -e 0: ${fmt(bar.wall)} s wall, ${fmt(bar.cpu)} s CPU. Load average (1 min) ${fmt(load0)} at the start, ${fmt(loadavg()[0]!)} at the end.`,
  );
}

try {
  main();
} finally {
  // gpg started an agent for the bench's keyring: stop it before its folder goes.
  if (has('gpgconf')) spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env, stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}
