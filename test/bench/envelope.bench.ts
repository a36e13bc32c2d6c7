/**
 * The envelope engine alone, in one process (no Node start, no CLI, no fsync): protect, open to a file,
 * open verify-only and a revoking rewrap of a random file read through `handleSource` (positional reads),
 * written through a FileHandle. Wall and CPU seconds (all threads: WebCrypto runs on the thread pool),
 * medians of BENCH_RUNS (default 3) runs per size. Run: node --import tsx test/bench/envelope.bench.ts
 */
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEnvelope, protect, rewrapEnvelope } from '../../src/core/envelope/index.js';
import { createIdentity, publicIdentity } from '../../src/core/identity.js';
import type { PatchableSink } from '../../src/core/ports.js';
import { withFileSource } from '../../src/node/file-reader.js';

const MiB = 1 << 20;
const sizes = (process.env.BENCH_SIZES ?? '64,256,1024').split(',').map((s) => Number(s) * MiB);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'sensitivity-envelope-bench-'));
const LABEL = { id: 'confidential', name: 'Confidential' };

async function toFile<T>(path: string, f: (sink: PatchableSink) => Promise<T>): Promise<T> {
  const h = await fs.open(path, 'w');
  try {
    return await f({
      async write(chunk) {
        let off = 0;
        while (off < chunk.length) off += (await h.write(chunk, off, chunk.length - off)).bytesWritten;
      },
      async writeAt(chunk, position) {
        let off = 0;
        while (off < chunk.length) off += (await h.write(chunk, off, chunk.length - off, position + off)).bytesWritten;
      },
    });
  } finally {
    await h.close();
  }
}

async function timed(f: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function main(): Promise<void> {
  const alice = await createIdentity('Alice', 'alice@example.com');
  const bob = await createIdentity('Bob', 'bob@example.com');
  const plain = join(dir, 'data.bin');
  const env = join(dir, 'data.bin.protected');
  const out = join(dir, 'out');
  const rows = [['size', 'op', 'wall s', 'CPU s', 'MB/s', 'MB per CPU-s']];
  for (const size of sizes) {
    const h = await fs.open(plain, 'w');
    const buf = Buffer.alloc(16 * MiB);
    for (let left = size; left > 0; left -= buf.length) await h.write(randomFillSync(buf), 0, Math.min(left, buf.length));
    await h.close();
    const grants = [{ person: publicIdentity(bob), rights: ['VIEW' as const] }];
    const ops: [string, () => Promise<unknown>][] = [
      [
        'protect',
        () => toFile(env, (sink) => withFileSource(plain, (src) => protect(src, sink, { owner: alice, label: LABEL, grants, innerName: 'data.bin', size }))),
      ],
      ['open to a file', () => toFile(out, (sink) => withFileSource(env, (src) => openEnvelope(src, sink, alice)))],
      ['open, verify only', () => withFileSource(env, (src) => openEnvelope(src, null, alice))],
      ['rewrap (revoke)', () => toFile(out, (sink) => withFileSource(env, (src) => rewrapEnvelope(src, sink, alice, { revoke: ['bob@example.com'] })))],
    ];
    const results = new Map<string, { wall: number; cpu: number }[]>();
    for (let r = 0; r < runs; r++) {
      for (const [name, f] of ops) results.set(name, [...(results.get(name) ?? []), await timed(f)]);
    }
    const label = size >= 1024 * MiB ? `${size / 1024 / MiB} GiB` : `${size / MiB} MiB`;
    for (const [name] of ops) {
      const rs = results.get(name)!;
      const wall = median(rs.map((x) => x.wall));
      const cpu = median(rs.map((x) => x.cpu));
      rows.push([label, name, wall.toFixed(2), cpu.toFixed(2), (size / 1e6 / wall).toFixed(0), (size / 1e6 / cpu).toFixed(0)]);
    }
  }
  console.log(`\nThe envelope engine in one process (medians of ${runs}; no process start, no fsync):`);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}

main()
  .finally(() => rmSync(dir, { recursive: true, force: true }))
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
