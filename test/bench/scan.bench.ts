/**
 * Scan throughput: `scanText` over a generated mixed-text corpus (256 MiB by default; SCAN_BENCH_MIB
 * overrides), file by file as a scanner reads it, beside ripgrep searching the detectors' first-pass
 * patterns (CANDIDATE_PATTERNS) over the same files in the same run. Prints MB/s and the ratios.
 * Run: node --import tsx test/bench/scan.bench.ts   (the corpus goes to a temp dir, deleted after).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CANDIDATE_PATTERNS } from '../../src/core/detect/builtins.js';
import { decodeText, isProbablyBinary, scanText } from '../../src/core/detect/index.js';
import { mixedText, rng } from '../corpus/generate.js';

const MiB = 1 << 20;
const MB = 1e6;

/** Reads, sniffs, decodes and scans each file; returns the number of findings. */
function scanFiles(files: readonly string[]): number {
  let n = 0;
  for (const f of files) {
    const bytes = readFileSync(f);
    if (isProbablyBinary(bytes)) continue;
    n += scanText(decodeText(bytes)).length;
  }
  return n;
}

const WORKER_FLAG = '--scan-files';

if (process.argv[2] === WORKER_FLAG) {
  // A worker process: scan the files listed in argv[3], print the number of findings.
  process.stdout.write(String(scanFiles(readFileSync(process.argv[3]!, 'utf8').split('\n').filter(Boolean))));
} else {
  void main();
}

/** Scans `files` split over `n` processes (a host's parallel scanner); wall time includes their start-up. */
async function scanParallel(dir: string, files: readonly string[], n: number): Promise<number> {
  const counts = await Promise.all(
    Array.from({ length: n }, (_, i) => {
      const list = join(dir, `worker-${i}.txt`);
      writeFileSync(list, files.filter((_, j) => j % n === i).join('\n'));
      return new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), WORKER_FLAG, list], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.once('error', reject);
        child.once('exit', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`scan worker exited ${code}`))));
      });
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * A JavaScript pattern in ripgrep's (Rust regex) syntax: flags inline, `\/` unescaped, and a leading
 * look-behind dropped (Rust has none; the JavaScript side checks it instead, so rg matches a superset).
 */
function toRust(re: RegExp): string {
  const source = re.source.replace(/\\\//g, '/').replace(/^\(\?<[!=](?:\[[^\]]*\]|[^)])*\)/, '');
  return (re.flags.includes('i') ? '(?i)' : '') + source;
}

/** Best wall time of `runs` runs (the least disturbed by the machine's other work). */
async function best<T>(runs: number, f: () => T | Promise<T>): Promise<{ seconds: number; value: T }> {
  let b: { seconds: number; value: T } | undefined;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const value = await f();
    const seconds = (performance.now() - t) / 1000;
    if (!b || seconds < b.seconds) b = { seconds, value };
  }
  return b!;
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
    console.log(`\nscan benchmark: ${files.length} files, ${(bytes / MiB).toFixed(0)} MiB of mixed text (generated in ${genSeconds.toFixed(1)} s), ${cpus().length} CPUs`);

    const rows: [string, number, number][] = [];
    // Everything a scanner does per file: read, sniff, decode, scan. Best of 3 (the page cache is warm after the first).
    const full = await best(3, () => scanFiles(files));
    rows.push(['scanText: read + decode + scan, 1 thread', bytes / MB / full.seconds, full.value]);
    const texts = files.map((f) => readFileSync(f, 'utf8'));
    const only = await best(3, () => texts.reduce((n, t) => n + scanText(t).length, 0));
    rows.push(['scanText: scan only (text in memory), 1 thread', bytes / MB / only.seconds, only.value]);
    const workers = Math.max(1, cpus().length);
    const par = await best(3, () => scanParallel(dir, files, workers));
    rows.push([`scanText: read + decode + scan, ${workers} processes`, bytes / MB / par.seconds, par.value]);

    const hasRg = spawnSync('rg', ['--version']).status === 0;
    let rgAll: number | undefined;
    let rgOne: number | undefined;
    if (hasRg) {
      // The same first-pass patterns; JavaScript regexes without the u flag are ASCII, so rg runs --no-unicode.
      const patterns = join(dir, 'patterns.txt');
      writeFileSync(patterns, CANDIDATE_PATTERNS.map(toRust).join('\n') + '\n');
      const rg = (threads: string[]) =>
        best(3, () => {
          const p = spawnSync('rg', [...threads, '--no-unicode', '--count-matches', '--no-filename', '--no-ignore', '--hidden', '-f', patterns, dir], { encoding: 'utf8', maxBuffer: 64 * MiB });
          if (p.status !== 0 && p.status !== 1) throw new Error(`rg failed: ${p.stderr}`);
          return p.stdout.split('\n').reduce((n, l) => n + (Number(l) || 0), 0);
        });
      const all = await rg([]);
      const one = await rg(['-j1']);
      rgAll = bytes / MB / all.seconds;
      rgOne = bytes / MB / one.seconds;
      rows.push([`ripgrep ${spawnSync('rg', ['--version'], { encoding: 'utf8' }).stdout.split(/\s+/)[1]}, same patterns, default threads`, rgAll, all.value]);
      rows.push(['ripgrep, same patterns, -j1', rgOne, one.value]);
    }
    const w = Math.max(...rows.map(([n]) => n.length));
    console.log(`${'what'.padEnd(w)}  ${'MB/s'.padStart(7)}  matches/findings`);
    for (const [name, mbs, n] of rows) console.log(`${name.padEnd(w)}  ${mbs.toFixed(0).padStart(7)}  ${n}`);
    if (rgAll && rgOne) {
      const [, single] = rows[0]!;
      const [, parallel] = rows[2]!;
      console.log(`ratio, ${workers} workers / rg (default threads): ${(parallel / rgAll).toFixed(2)}×;  1 thread / rg -j1: ${(single / rgOne).toFixed(2)}×`);
      console.log('(rg counts candidate matches only; scanText also validates, de-duplicates, masks and positions them)');
    } else {
      console.log('(ripgrep is not installed: apt-get install ripgrep to compare with it)');
    }
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
