/**
 * The extension's shared decryption (protected/handoff.ts `InFlight`): reads of one version of a file that
 * arrive while it is being decrypted join that decryption, each gets its own copy, the shared plaintext is
 * zeroed after the last copy, and nothing is shared across versions or after the run ends.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InFlight } from '../../src/extension/protected/handoff.js';

/** Jobs the test settles by hand (the i-th started, in order), counting the starts. */
function gate() {
  const runs: { resolve: (v: Uint8Array) => void; reject: (e: Error) => void }[] = [];
  return {
    start: () => new Promise<Uint8Array>((resolve, reject) => runs.push({ resolve, reject })),
    finish: (i: number, v: Uint8Array) => runs[i]!.resolve(v),
    fail: (i: number, e: Error) => runs[i]!.reject(e),
    get starts() {
      return runs.length;
    },
  };
}

const copies = () =>
  new InFlight<Uint8Array>(
    (v) => v.slice(),
    (v) => v.fill(0),
  );

describe('in-flight decryption', () => {
  it('reads of the same version while it runs share one run, each with its own copy; the shared bytes are zeroed after the last', async () => {
    const job = gate();
    const inflight = copies();
    const reads = [1, 2, 3, 4].map(() => inflight.run('a.md.protected', 'v1', job.start));
    const shared = new Uint8Array([1, 2, 3]);
    job.finish(0, shared);
    const results = await Promise.all(reads);
    assert.equal(job.starts, 1);
    for (const r of results) assert.deepEqual([...r], [1, 2, 3]);
    assert.equal(new Set(results).size, 4, 'every reader has a copy of its own');
    assert.ok(!results.includes(shared));
    await Promise.resolve();
    assert.deepEqual([...shared], [0, 0, 0], 'the shared plaintext is zeroed once every reader has its copy');
  });

  it('a changed file, another file or a gone file does not join', async () => {
    const job = gate();
    const inflight = copies();
    const reads = [
      inflight.run('a', 'v1', job.start),
      inflight.run('a', 'v2', job.start),
      inflight.run('b', 'v1', job.start),
      inflight.run('a', undefined, job.start),
    ];
    assert.equal(job.starts, 4);
    // The later version took the key: a read of it joins that run, not the first.
    const again = inflight.run('a', 'v2', job.start);
    assert.equal(job.starts, 4);
    [1, 2, 3, 4].forEach((n, i) => job.finish(i, new Uint8Array([n])));
    assert.deepEqual(
      (await Promise.all([...reads, again])).map((r) => r[0]),
      [1, 2, 3, 4, 2],
    );
  });

  it('a read after the run ended starts a new one; a failure reaches every reader of that run', async () => {
    const job = gate();
    const inflight = copies();
    const a = inflight.run('a', 'v1', job.start);
    job.finish(0, new Uint8Array([1]));
    await a;
    const b = inflight.run('a', 'v1', job.start);
    const c = inflight.run('a', 'v1', job.start);
    assert.equal(job.starts, 2);
    job.fail(1, new Error('E_INTEGRITY'));
    await assert.rejects(b, /E_INTEGRITY/);
    await assert.rejects(c, /E_INTEGRITY/);
    const d = inflight.run('a', 'v1', job.start);
    assert.equal(job.starts, 3, 'a failed run is not reused');
    job.finish(2, new Uint8Array([2]));
    assert.deepEqual([...(await d)], [2]);
  });
});
