/**
 * Scan throughput: `scanText` over a generated mixed-text corpus (256 MiB by default; SCAN_BENCH_MIB
 * overrides), file by file as a scanner reads it, beside ripgrep searching the detectors' first-pass
 * patterns (CANDIDATE_PATTERNS) over the same files in the same run, `sensitivity scan` itself (dist/cli.js,
 * its worker-thread pool), and secretlint (its recommended preset, the peer users already run) over the same
 * texts in memory. Prints MB/s, the ratios, and findings per type beside secretlint's per rule.
 * Run: node --import tsx test/bench/scan.bench.ts   (the corpus goes to a temp dir, deleted after).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CANDIDATE_PATTERNS } from '../../src/core/detect/builtins.js';
import { scanText } from '../../src/core/detect/index.js';
import { readReusing, scanBytes } from '../../src/node/scan-pool.js';
import { mixedText, rng } from '../corpus/generate.js';

const MiB = 1 << 20;
const MB = 1e6;

/** Reads, sniffs, decodes and scans each file as the product's workers do; returns the number of findings. */
function scanFiles(files: readonly string[]): number {
  let n = 0;
  for (const f of files) {
    const r = scanBytes(undefined, readReusing(f));
    if (!r.binary) n += r.findings.length;
  }
  return n;
}

const WORKER_FLAG = '--scan-files';

/** Scans `files` split over `n` processes (a host's parallel scanner); wall time includes their start-up. */
async function scanParallel(dir: string, files: readonly string[], n: number): Promise<Measured<number>> {
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const list = join(dir, `worker-${i}.txt`);
      writeFileSync(list, files.filter((_, j) => j % n === i).join('\n'));
      return new Promise<{ findings: number; cpu: number | undefined }>((resolve, reject) => {
        const args = [process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), WORKER_FLAG, list];
        const child = hasTime
          ? spawn('/usr/bin/time', ['-f', '%U %S', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
          : spawn(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.once('error', reject);
        child.once('exit', (code) => {
          if (code !== 0) return reject(new Error(`scan worker exited ${code}: ${err}`));
          const cpu = hasTime
            ? err
                .trim()
                .split('\n')
                .at(-1)!
                .split(' ')
                .map(Number)
                .reduce((x, y) => x + y, 0)
            : undefined;
          resolve({ findings: Number(out), cpu });
        });
      });
    }),
  );
  const cpu = results.every((r) => r.cpu !== undefined) ? results.reduce((a, r) => a + r.cpu!, 0) : undefined;
  return { value: results.reduce((a, r) => a + r.findings, 0), childCpu: cpu };
}

/**
 * A JavaScript pattern in ripgrep's (Rust regex) syntax: flags inline, `\/` unescaped, look-arounds dropped
 * wherever they are (Rust has none; the JavaScript side checks them instead, so rg matches a superset), and
 * `\uXXXX` escapes as bytes where they fit one (rg runs --no-unicode) or dropped; `(?:^|\n)` is `^`.
 */
function toRust(re: RegExp): string {
  const source = re.source
    .replace(/\\\//g, '/')
    .replace(/\(\?:\^\|\\n\)/g, '^') // "line start or after a newline": rg reads line by line
    .replace(/\(\?<?[!=](?:\[[^\]]*\]|\\.|[^()\\])*\)/g, '')
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => (parseInt(hex, 16) < 0x100 ? `\\x${hex.slice(2)}` : ''));
  return (re.flags.includes('i') ? '(?i)' : '') + source;
}

interface Run<T> {
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** CPU seconds (user + system, all threads and child processes), when known. */
  readonly cpu: number | undefined;
  readonly value: T;
}

/**
 * Best of `runs` runs by wall time (the least disturbed by the machine's other work). CPU seconds are
 * kept too: on a shared machine, bytes per CPU-second is the steadier measure of work done.
 */
async function best<T>(runs: number, f: () => Measured<T> | Promise<Measured<T>>): Promise<Run<T>> {
  let b: Run<T> | undefined;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    const { value, childCpu } = await f();
    const own = process.cpuUsage(c);
    const seconds = (performance.now() - t) / 1000;
    const cpu = childCpu === undefined ? undefined : (own.user + own.system) / 1e6 + childCpu;
    if (!b || seconds < b.seconds) b = { seconds, cpu, value };
  }
  return b!;
}

/** What a measured run returns: its result, and the CPU seconds of child processes (undefined: unknown). */
interface Measured<T> {
  readonly value: T;
  readonly childCpu: number | undefined;
}

/** An in-process run: no children. */
const inProcess = <T>(value: T): Measured<T> => ({ value, childCpu: 0 });

const hasTime = spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0;

/** Runs a command under GNU time when there is one: its stdout and CPU seconds (user + system). */
function timed(cmd: string, args: readonly string[]): { stdout: string; status: number | null; cpu: number | undefined } {
  const p = hasTime
    ? spawnSync('/usr/bin/time', ['-f', '%U %S', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 * MiB })
    : spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * MiB });
  const cpu = hasTime
    ? p.stderr
        .trim()
        .split('\n')
        .at(-1)!
        .split(' ')
        .map(Number)
        .reduce((x, y) => x + y, 0)
    : undefined;
  return { stdout: p.stdout, status: p.status, cpu };
}

async function main(): Promise<void> {
  const size = Number(process.env.SCAN_BENCH_MIB ?? 256) * MiB;
  const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'sensitivity-scan-bench-'));
  try {
    // Files of 4 KiB to 2 MiB (most small, as in a repository), a sensitive value or near miss every ~20 KB.
    const r = rng(256);
    const files: string[] = [];
    let bytes = 0;
    const t0 = performance.now();
    for (let i = 0; bytes < size; i++) {
      const want = Math.min(size - bytes, Math.round(4096 * Math.pow(512, r() * r())));
      const sub = join(dir, `d${i % 32}`);
      mkdirSync(sub, { recursive: true });
      const path = join(sub, `f${i}.${['ts', 'py', 'md', 'log', 'json', 'yaml', 'csv', 'env'][i % 8]}`);
      // One file in four has non-ASCII prose (V8 then holds it as a two-byte string, which scans slower).
      const data = Buffer.from(mixedText(r, want, { unicode: i % 4 === 0 }));
      writeFileSync(path, data);
      files.push(path);
      bytes += data.length;
    }
    const genSeconds = (performance.now() - t0) / 1000;
    console.log(
      `\nscan benchmark: ${files.length} files, ${(bytes / MiB).toFixed(0)} MiB of mixed text (generated in ${genSeconds.toFixed(1)} s), ${cpus().length} CPUs`,
    );

    const rows: [string, Run<number>][] = [];
    // Everything a scanner does per file: read, sniff, decode, scan. Best of 3 (the page cache is warm after the first).
    const single = await best(3, () => inProcess(scanFiles(files)));
    rows.push(['scanText: read + decode + scan, 1 thread', single]);
    const texts = files.map((f) => readFileSync(f, 'utf8'));
    const ours = new Map<string, number>();
    const inMemory = await best(3, () => {
      ours.clear();
      for (const t of texts) for (const f of scanText(t)) if (f.confidence !== 'low') ours.set(f.typeId, (ours.get(f.typeId) ?? 0) + 1);
      return inProcess([...ours.values()].reduce((a, b) => a + b, 0));
    });
    rows.push(['scanText: scan only (text in memory), 1 thread', inMemory]);
    // secretlint's recommended preset over the same texts, in this process (its lintSource, as its CLI runs it per file).
    const theirs = new Map<string, number>();
    // Imported here, not at the top: the worker processes below load this file too, and secretlint's rules
    // cost each of them CPU at start-up that is not scanning.
    const { lintSource } = await import('@secretlint/core');
    const { creator: secretlintRecommended } = await import('@secretlint/secretlint-rule-preset-recommend');
    const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: secretlintRecommended }] };
    const peer = await best(Number(process.env.SCAN_BENCH_PEER_RUNS ?? 1), async () => {
      theirs.clear();
      for (const [i, content] of texts.entries()) {
        const r = await lintSource({ source: { filePath: files[i]!, content, ext: '', contentType: 'text' }, options: { config, maskSecrets: true } });
        for (const m of r.messages) {
          const rule = `${m.ruleId.replace('@secretlint/secretlint-rule-', '')}:${m.messageId}`;
          theirs.set(rule, (theirs.get(rule) ?? 0) + 1);
        }
      }
      return inProcess([...theirs.values()].reduce((a, b) => a + b, 0));
    });
    rows.push(['secretlint 12, recommended preset: scan only (text in memory), 1 thread', peer]);
    const workers = Math.max(1, cpus().length);
    const parallel = await best(3, () => scanParallel(dir, files, workers));
    rows.push([`scanText: read + decode + scan, ${workers} processes`, parallel]);
    // The product: `sensitivity scan --json` over the folder, a whole process, its worker pool on every core.
    const pooled = await best(3, () => {
      const p = timed(process.execPath, [join(process.cwd(), 'dist', 'cli.js'), 'scan', '--json', '--workspace', dir, dir]);
      if (p.status !== 0) throw new Error(`sensitivity scan failed (${p.status})`);
      const report = JSON.parse(p.stdout) as { files: { findings: unknown[] }[] };
      return { value: report.files.reduce((n, f) => n + f.findings.length, 0), childCpu: p.cpu };
    });
    rows.push([`sensitivity scan (CLI, ${workers} worker threads)`, pooled]);

    let rgAll: Run<number> | undefined;
    let rgOne: Run<number> | undefined;
    if (spawnSync('rg', ['--version']).status === 0) {
      // The same first-pass patterns; JavaScript regexes without the u flag are ASCII, so rg runs --no-unicode.
      const patterns = join(dir, 'patterns.txt');
      writeFileSync(patterns, CANDIDATE_PATTERNS.map(toRust).join('\n') + '\n');
      const rg = (threads: string[]) =>
        best(3, () => {
          const p = timed('rg', [...threads, '--no-unicode', '--count-matches', '--no-filename', '--no-ignore', '--hidden', '-f', patterns, dir]);
          if (p.status !== 0 && p.status !== 1) throw new Error(`rg failed (${p.status})`);
          return { value: p.stdout.split('\n').reduce((n, l) => n + (Number(l) || 0), 0), childCpu: p.cpu };
        });
      rgAll = await rg([]);
      rgOne = await rg(['-j1']);
      rows.push([`ripgrep ${spawnSync('rg', ['--version'], { encoding: 'utf8' }).stdout.split(/\s+/)[1]}, same patterns, default threads`, rgAll]);
      rows.push(['ripgrep, same patterns, -j1', rgOne]);
    }
    const mbs = (seconds: number | undefined) => (seconds === undefined ? undefined : bytes / MB / seconds);
    const fmt = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(0));
    const w = Math.max(...rows.map(([n]) => n.length));
    console.log(`${'what'.padEnd(w)}  ${'MB/s'.padStart(6)}  ${'MB/CPU-s'.padStart(8)}  matches/findings`);
    for (const [name, r] of rows) console.log(`${name.padEnd(w)}  ${fmt(mbs(r.seconds)).padStart(6)}  ${fmt(mbs(r.cpu)).padStart(8)}  ${r.value}`);
    if (rgAll && rgOne) {
      const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '-' : `${(a / b).toFixed(2)}×`);
      console.log(
        `ratios — wall: sensitivity scan / rg ${ratio(mbs(pooled.seconds), mbs(rgAll.seconds))}, ${workers} processes / rg ${ratio(mbs(parallel.seconds), mbs(rgAll.seconds))}, 1 thread / rg -j1 ${ratio(mbs(single.seconds), mbs(rgOne.seconds))};` +
          ` per CPU-second: scanText / rg -j1 ${ratio(mbs(single.cpu), mbs(rgOne.cpu))}`,
      );
      console.log('(rg counts candidate matches only; scanText also validates, de-duplicates, masks and positions them)');
    } else {
      console.log('(ripgrep is not installed: apt-get install ripgrep to compare with it)');
    }
    const list = (m: Map<string, number>) =>
      [...m]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
    console.log(`findings per type at medium or above (scanText): ${list(ours)}`);
    console.log(`secretlint findings per rule:message: ${list(theirs)}`);
    console.log(`per CPU-second: scanText / secretlint ${mbs(inMemory.cpu) && mbs(peer.cpu) ? `${(mbs(inMemory.cpu)! / mbs(peer.cpu)!).toFixed(2)}×` : '-'}`);
    // What the editor pays per rescan of a whole document (the extension rescans on change, debounced).
    const lat: string[] = [];
    for (const kib of [10, 100, 1024, 10 * 1024]) {
      const text = mixedText(rng(kib), kib * 1024);
      const times: number[] = [];
      for (let i = 0; i < (kib > 1024 ? 5 : 21); i++) {
        const t = performance.now();
        scanText(text);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      lat.push(`${kib >= 1024 ? `${kib / 1024} MiB` : `${kib} KiB`}: ${times[times.length >> 1]!.toFixed(kib > 100 ? 0 : 2)} ms`);
    }
    console.log(`whole-document rescan, median: ${lat.join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === WORKER_FLAG) {
  // A worker process: scan the files listed in argv[3], print the number of findings.
  process.stdout.write(String(scanFiles(readFileSync(process.argv[3]!, 'utf8').split('\n').filter(Boolean))));
} else {
  void main();
}
