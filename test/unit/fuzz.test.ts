/**
 * The parsers of what others can write, fuzzed briefly on every `npm test` (test/fuzz/: mutation cases over
 * the committed seed corpus; `npm run fuzz` runs longer, coverage-guided, and measures coverage). Each
 * target first replays its seeds and every committed regression input, then fuzzes for FUZZ_MS; a failure
 * prints the input and fast-check's seed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execute, fuzz } from '../fuzz/engine.js';
import { regressions, seeds, TARGETS } from '../fuzz/targets.js';

const FUZZ_MS = 1000;

describe('fuzzing the parsers of what others can write', () => {
  for (const target of TARGETS) {
    it(`${target.name}: seeds and regression inputs, then ${target.slow ? 'no' : `${FUZZ_MS} ms of`} mutations`, { timeout: 180_000 }, async () => {
      await target.setup?.();
      try {
        for (const input of [...seeds(target.corpus), ...regressions(target)]) {
          const error = await execute(target, input);
          assert.equal(error, undefined, `a kept input fails again: ${Buffer.from(input).toString('base64')}`);
        }
      } finally {
        await target.teardown?.();
      }
      if (target.slow) return; // a key derivation per input: `npm run fuzz` only
      const r = await fuzz(target, { timeMs: FUZZ_MS });
      assert.ok(r.executions > 0);
      assert.equal(r.failure, undefined, `${r.failure?.error}\ninput (base64): ${r.failure ? Buffer.from(r.failure.input).toString('base64') : ''}`);
    });
  }
});
