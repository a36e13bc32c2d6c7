/**
 * Scanning many files on every core: a pool of worker threads, one per core, each reading, sniffing,
 * decoding and scanning the files it is handed, largest first (so one big file does not finish last on
 * one core), small ones in batches. Results come back in the order the files were given, and each file is
 * scanned by the same code as in one thread (`scanBytes`: `scannerFor(detection).scan(decodeText(bytes))`),
 * so findings are the same byte for byte. Small scans stay in this thread: starting workers costs more
 * than they would save.
 *
 * The workers run scan-worker.ts (bundled as dist/scan-worker.js; run from source under tsx in tests).
 * worker_threads is loaded only when a pool starts: at the top it cost every CLI start ~4 ms of CPU.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
// The detectors alone (bundled into scan-worker.js too): see scan-worker.ts.
import { decodeText, isProbablyBinary, scannerFor, type DetectionPolicy, type Finding } from '../core/detect/index.js';

/** A file to scan (absolute path) and its size, which orders the hand-out. */
export interface ScanJob {
  readonly abs: string;
  readonly size: number;
}

/** What scanning one file's bytes found: its findings, or that it is binary (not scanned). */
export type BytesResult = { readonly binary: true } | { readonly binary: false; readonly findings: Finding[] };
/** A file's result in a pool: also, that a policy pattern ran out of time on it (CUSTOM_PATTERN_TIMEOUT_MS). */
export type ScanResult = BytesResult | { readonly binary: false; readonly timedOut: true };

/** Below this many bytes in all, one thread scans faster than a pool can start (~50 ms a worker). */
const POOL_MIN_BYTES = 4 << 20;

/**
 * Batches handed to each worker ahead of its answers: the next is already queued when it finishes one, so
 * no worker waits a round trip through this thread.
 */
const IN_FLIGHT = 2;

/**
 * Small files go to a worker together, up to about this many bytes a batch: with a message per file (most
 * files are small), posting replies was 11–13% of a worker's profile in the 128 MiB bench, batched under 3%.
 */
const BATCH_BYTES = 256 * 1024;

/** Files handed to a worker, and its answer: a result per file, in the same order. */
export interface Request {
  readonly paths: readonly string[];
}
/** What a worker sends once it is ready for files. */
export const READY = 'ready';
export interface Reply {
  readonly results?: ScanResult[];
  readonly error?: string;
}

/** The one way a file's bytes are scanned, in this thread or a worker. */
export function scanBytes(detection: DetectionPolicy | undefined, bytes: Uint8Array): BytesResult {
  if (isProbablyBinary(bytes)) return { binary: true };
  return { binary: false, findings: scannerFor(detection).scan(decodeText(bytes)) };
}

let readBuffer = new Uint8Array(0);

/**
 * A file's bytes, read into one buffer reused from file to file: a view valid until the next call. Each
 * fresh buffer of `readFileSync` costs page faults, and on this project's test VM they made reading cost
 * three times the CPU (0.3 against 0.1 CPU-seconds for 128 MiB).
 */
export function readReusing(abs: string): Uint8Array {
  const fd = openSync(abs, 'r');
  try {
    // One byte more than the size: the read that returns 0 (the end) then needs no bigger buffer.
    const want = fstatSync(fd).size + 1;
    if (want > readBuffer.length) readBuffer = new Uint8Array(Math.max(want, 2 * readBuffer.length));
    // Read to the end, as readFileSync does, even when the file grew after its size was taken.
    for (let n = 0; ;) {
      if (n === readBuffer.length) {
        const bigger = new Uint8Array(2 * n);
        bigger.set(readBuffer);
        readBuffer = bigger;
      }
      const k = readSync(fd, readBuffer, n, readBuffer.length - n, null);
      if (k === 0) return readBuffer.subarray(0, n);
      n += k;
    }
  } finally {
    closeSync(fd);
  }
}

/** A worker running scan-worker: dist/scan-worker.js beside the bundle, or from source under tsx (tests). */
async function startWorker(detection: DetectionPolicy | undefined): Promise<Worker> {
  const { Worker } = await import('node:worker_threads');
  const workerData = { detection };
  if (!__filename.endsWith('.ts')) return new Worker(join(__dirname, 'scan-worker.js'), { workerData });
  // tsx's --import hooks do not reach workers on Node 20; its CommonJS hook, registered in the worker, does.
  const entry = JSON.stringify(join(__dirname, 'scan-worker.ts'));
  return new Worker(`require('tsx/cjs'); require(${entry});`, { eval: true, workerData });
}

/**
 * How long one file may take in a worker when the policy has patterns of its own, which may backtrack
 * without end (`(a+)+$`): then the worker is stopped, the file skipped with a reason, and a new worker goes on.
 * Built-in detectors run in linear time and are never cut short, so their findings never depend on load.
 */
export const CUSTOM_PATTERN_TIMEOUT_MS = 60_000;

/**
 * Scans `jobs` with `detection`; results in the order of `jobs`. `workers` overrides the pool size (0: in
 * this thread); by default one worker per core when the batch is large enough to pay for them, and at
 * least one when the policy has patterns of its own, so that `fileTimeoutMs` can stop one that never ends.
 */
export async function scanFiles(
  detection: DetectionPolicy | undefined,
  jobs: readonly ScanJob[],
  opts: { workers?: number; signal?: AbortSignal; fileTimeoutMs?: number } = {},
): Promise<ScanResult[]> {
  const total = jobs.reduce((a, j) => a + j.size, 0);
  const custom = (detection?.customTypes?.length ?? 0) > 0;
  const auto = total >= POOL_MIN_BYTES && jobs.length > 1 ? availableParallelism() : custom ? 1 : 0;
  const n = Math.min(opts.workers ?? auto, jobs.length);
  const timeout = opts.fileTimeoutMs ?? (custom ? CUSTOM_PATTERN_TIMEOUT_MS : undefined);
  const results: ScanResult[] = new Array<ScanResult>(jobs.length);
  if (n < 1) {
    for (const [i, j] of jobs.entries()) {
      if (opts.signal?.aborted) throw new Error('scan cancelled');
      results[i] = scanBytes(detection, await readFile(j.abs));
    }
    return results;
  }
  // Largest first; each worker takes the next batch when it is done with one (or a file a stopped worker left).
  const order = jobs.map((_, i) => i).sort((a, b) => jobs[b]!.size - jobs[a]!.size || a - b);
  let next = 0;
  const left: number[] = [];
  // With a time limit, one file a batch: the limit then times that file alone.
  const batchBytes = timeout === undefined ? BATCH_BYTES : 0;
  const take = (): number[] => {
    const batch: number[] = [];
    for (let bytes = 0; batch.length === 0 || bytes < batchBytes;) {
      const id = left.shift() ?? (next < order.length ? order[next++] : undefined);
      if (id === undefined) break;
      batch.push(id);
      bytes += jobs[id]!.size;
    }
    return batch;
  };
  const live = new Set<Worker>();
  const lane = () =>
    new Promise<void>((resolve, reject) => {
      let w: Worker;
      let inFlight: number[][] = [];
      let timer: NodeJS.Timeout | undefined;
      // The oldest batch in flight is the one the worker is on: its clock starts when the one before it is answered.
      const arm = () => {
        clearTimeout(timer);
        if (timeout !== undefined && inFlight.length > 0) timer = setTimeout(stop, timeout);
      };
      const give = () => {
        if (opts.signal?.aborted) return reject(new Error('scan cancelled'));
        const ids = take();
        if (ids.length === 0) return inFlight.length === 0 ? resolve() : undefined;
        inFlight.push(ids);
        if (inFlight.length === 1) arm();
        w.postMessage({ paths: ids.map((id) => jobs[id]!.abs) } satisfies Request);
      };
      // Only with a time limit, so the oldest batch is one file: that file is skipped, the others go to the next worker.
      const stop = () => {
        const [oldest, ...rest] = inFlight;
        results[oldest![0]!] = { binary: false, timedOut: true };
        left.push(...rest.flat());
        inFlight = [];
        w.removeAllListeners();
        live.delete(w);
        void w.terminate();
        start();
      };
      const start = () =>
        startWorker(detection).then((started) => {
          w = started;
          live.add(w);
          w.on('message', (m: Reply | typeof READY) => {
            if (m === READY) {
              for (let k = 0; k < IN_FLIGHT; k++) give();
              return;
            }
            if (m.error !== undefined) return reject(new Error(m.error));
            inFlight.shift()!.forEach((id, k) => (results[id] = m.results![k]!));
            arm();
            give();
          });
          w.once('error', reject);
          w.once('exit', (code) => reject(new Error(`a scan worker stopped (exit ${code})`)));
        }, reject);
      start();
    });
  try {
    await Promise.all(Array.from({ length: n }, lane));
  } finally {
    await Promise.all([...live].map((w) => w.terminate()));
  }
  return results;
}
