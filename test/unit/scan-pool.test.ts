/**
 * The scan pool: worker threads find exactly what one thread finds, in the order the files were given, and
 * that is what the straightforward `scanText(decodeText(bytes))` finds, byte for byte.
 */
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeText, isProbablyBinary, scanText } from '../../src/core/index.js';
import { readReusing, scanBytes, scanFiles, type ScanJob } from '../../src/node/scan-pool.js';
import { scanPaths } from '../../src/node/scan.js';
import { openWorkspace } from '../../src/node/workspace.js';
import { mixedText, rng } from '../corpus/generate.js';
import { tempDir } from './cli/helpers.js';

describe('scan pool', () => {
  const tmp = tempDir();
  const ws = tmp.path;
  const jobs: ScanJob[] = [];

  before(() => {
    mkdirSync(join(ws, '.sensitivity'));
    mkdirSync(join(ws, 'src', 'deep'), { recursive: true });
    const r = rng(11);
    // Sizes from empty to 3 MiB (over the pool's threshold in all), dense with findings, some binary.
    const sizes = [0, 10, 2_000, 50_000, 3 << 20, 300_000, 1 << 20, 7, 120_000, 64_000, 900_000, 5_000];
    sizes.forEach((size, i) => {
      const abs = join(ws, i % 3 === 0 ? 'src/deep' : i % 2 === 0 ? 'src' : '', `f${i}.txt`);
      writeFileSync(abs, mixedText(r, size, { spacing: 400 }).slice(0, size));
      jobs.push({ abs, size: statSync(abs).size });
    });
    const bin = join(ws, 'src', 'blob.bin');
    writeFileSync(bin, Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(mixedText(r, 5_000, { spacing: 100 }))]));
    jobs.push({ abs: bin, size: statSync(bin).size });
  });
  after(() => tmp.dispose());

  it('finds the same findings in the same order with 1, 2 and 3 workers as in this thread', async () => {
    const alone = await scanFiles(undefined, jobs, { workers: 0 });
    const straightforward = jobs.map((j) => {
      const bytes = readFileSync(j.abs);
      return isProbablyBinary(bytes) ? { binary: true } : { binary: false, findings: scanText(decodeText(bytes)) };
    });
    assert.deepEqual(alone, straightforward, 'the pool path finds what scanText(decodeText(bytes)) finds');
    assert.ok(alone.filter((r) => 'findings' in r && r.findings.length > 0).length >= 5, 'the corpus has findings to compare');
    assert.ok(
      alone.some((r) => r.binary),
      'and a binary file',
    );
    for (const workers of [1, 2, 3]) assert.deepEqual(await scanFiles(undefined, jobs, { workers }), alone, `${workers} workers`);
  });

  it('scanPaths over a folder (pooled: over 4 MiB) reports what the single-thread scan reports', async () => {
    const report = await scanPaths(openWorkspace(ws), [ws]);
    const alone = await scanFiles(undefined, jobs, { workers: 0 });
    const withFindings = alone.filter((r) => 'findings' in r && r.findings.length > 0).length;
    assert.equal(report.files.length, withFindings);
    assert.equal(report.scanned, alone.filter((r) => !r.binary).length);
    assert.deepEqual(report.skipped, [{ path: 'src/blob.bin', reason: 'binary' }]);
    for (const f of report.files) {
      const i = jobs.findIndex((j) => j.abs === join(ws, f.path));
      const r = alone[i]!;
      assert.deepEqual(f.findings, 'findings' in r ? r.findings : [], f.path);
    }
  });

  it('a policy pattern that backtracks without end costs its file, not the scan', async () => {
    const detection = { customTypes: [{ id: 'runaway', name: 'Runaway', pattern: '(a+)+$' }] };
    const hang = join(ws, 'runaway.txt');
    writeFileSync(hang, 'a'.repeat(64) + '!');
    const others = jobs.filter((j) => j.size < 100_000);
    const queue = [others[0]!, { abs: hang, size: statSync(hang).size }, ...others.slice(1)];
    // One worker, so the file queued behind the runaway one must move to the worker that replaces it.
    const results = await scanFiles(detection, queue, { workers: 1, fileTimeoutMs: 5_000 });
    assert.deepEqual(results[1], { binary: false, timedOut: true });
    const expected = [others[0]!, ...others.slice(1)].map((j) => scanBytes(detection, readFileSync(j.abs)));
    assert.deepEqual([results[0], ...results.slice(2)], expected);
  });

  it('reads each file whole into its reused buffer, larger and smaller in turn, as readFileSync does', () => {
    // Largest first grows the buffer once; a smaller file after it must not show the larger one's tail.
    for (const j of [...jobs].sort((a, b) => b.size - a.size)) assert.deepEqual(Buffer.from(readReusing(j.abs)), readFileSync(j.abs), j.abs);
    for (const j of jobs) assert.deepEqual(Buffer.from(readReusing(j.abs)), readFileSync(j.abs), j.abs);
    assert.throws(() => readReusing(join(ws, 'missing.txt')), /ENOENT/);
  });

  it('a file that cannot be read fails the scan', async () => {
    await assert.rejects(scanFiles(undefined, [...jobs, { abs: join(ws, 'missing.txt'), size: 1 }], { workers: 2 }), /ENOENT|no such file/);
  });

  it('the worker bundle holds the detectors and the pool, nothing else (each worker compiles all of it at start)', async () => {
    const r = await build({ entryPoints: ['src/node/scan-worker.ts'], bundle: true, platform: 'node', format: 'cjs', write: false, metafile: true });
    const inputs = Object.keys(r.metafile.inputs);
    const others = inputs.filter((f) => !/^src\/core\/detect\/|^src\/core\/(?:errors|glob)\.ts$|^src\/node\/scan-(?:pool|worker)\.ts$/.test(f));
    assert.deepEqual(others, []);
    assert.ok(inputs.includes('src/core/detect/scan.ts'));
  });
});
