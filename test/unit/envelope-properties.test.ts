/**
 * Property tests (fast-check, real crypto): any flipped bit, truncation, dropped / duplicated / reordered
 * chunk or header edit fails with an exit-4 error, and the sink never receives a byte that is not part of
 * an authenticated chunk that precedes the first damaged byte.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { byteSourceOf, memorySink, openEnvelope, protect, rewrapEnvelope } from '../../src/core/envelope/index.js';
import { INTEGRITY_MESSAGE, isSensitivityError } from '../../src/core/errors.js';
import { createIdentity, publicIdentity, type Identity } from '../../src/core/identity.js';
import type { Metadata } from '../../src/core/envelope/format.js';
import { drbg as drbgFor, partsOf, reseal } from '../vectors/fixtures.js';

const NOW = { now: () => new Date('2026-01-01T00:00:00Z') };
const RUNS = Number(process.env.ENVELOPE_PROPERTY_RUNS ?? 100);
let alice: Identity, bob: Identity;

async function seal(data: Uint8Array, chunkSize: number): Promise<Uint8Array> {
  const sink = memorySink();
  await protect(byteSourceOf(data, 97), sink, {
    owner: alice,
    label: { id: 'secret', name: 'Secret' },
    grants: [{ person: publicIdentity(bob), rights: ['VIEW'] }],
    innerName: 'data.bin',
    size: data.length,
    chunkSize,
    clock: NOW,
  });
  return sink.bytes();
}

/** Opens `bytes` as bob; returns the error and what reached the sink. */
async function attempt(bytes: Uint8Array, pieceSize: number, sourceLength?: number): Promise<{ error: unknown; released: Uint8Array }> {
  const sink = memorySink();
  try {
    await openEnvelope(byteSourceOf(bytes, pieceSize), sink, bob, { clock: NOW, ...(sourceLength !== undefined ? { sourceLength } : {}) });
    return { error: undefined, released: sink.bytes() };
  } catch (error) {
    return { error, released: sink.bytes() };
  }
}

/** The damaged envelope fails with exit 4 (the fixed message if E_INTEGRITY) in both modes, releasing only authentic chunks before the damage. */
async function assertRejectedSafely(original: Uint8Array, damaged: Uint8Array, data: Uint8Array, chunkSize: number, pieceSize: number): Promise<void> {
  const verify = await openEnvelope(byteSourceOf(damaged, pieceSize), null, bob, { clock: NOW }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assertExit4(verify);
  let firstDiff = 0;
  while (firstDiff < Math.min(original.length, damaged.length) && original[firstDiff] === damaged[firstDiff]) firstDiff++;
  // Plaintext carried by the chunks that lie wholly before the first damaged byte: the most that may be released.
  const { headerLength, chunks } = partsOf(original, chunkSize);
  const intact = firstDiff < headerLength ? 0 : chunks.filter(([, end]) => end <= firstDiff).length;
  const allowed = Math.min(data.length, intact * chunkSize);
  for (const sourceLength of [undefined, damaged.length]) {
    const { error, released } = await attempt(damaged, pieceSize, sourceLength);
    assertExit4(error);
    assert.ok(released.length % chunkSize === 0 || released.length === data.length, 'only whole chunks are released');
    assert.ok(released.length <= allowed, 'nothing at or after the damage is released');
    assert.deepEqual(released, data.subarray(0, released.length), 'released bytes are the authentic plaintext');
    if (sourceLength !== undefined && damaged.length !== original.length) assert.equal(released.length, 0, 'a known wrong size releases nothing');
  }
}

function assertExit4(e: unknown): void {
  assert.ok(isSensitivityError(e), `expected a SensitivityError, got ${String(e)}`);
  assert.equal(e.exitCode, 4, `${e.code}: ${e.message}`);
  if (e.code === 'E_INTEGRITY') assert.equal(e.message, INTEGRITY_MESSAGE);
}

const chunkSizeArb = fc.integer({ min: 64, max: 160 });
const pieceArb = fc.integer({ min: 1, max: 300 });

describe('envelope properties', () => {
  before(async () => {
    [alice, bob] = await Promise.all([createIdentity('Alice', 'alice@example.com'), createIdentity('Bob', 'bob@example.com')]);
  });

  it('round-trips any content at any chunk size, through any piece sizes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 700 }), chunkSizeArb, pieceArb, async (data, cs, piece) => {
        const env = await seal(data, cs);
        const { error, released } = await attempt(env, piece, env.length);
        assert.equal(error, undefined);
        assert.deepEqual(released, data);
      }),
      { numRuns: RUNS },
    );
  });

  it('any single flipped bit fails', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 500 }),
        chunkSizeArb,
        pieceArb,
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        async (data, cs, piece, pos, bit) => {
          const env = await seal(data, cs);
          const damaged = env.slice();
          damaged[pos % env.length]! ^= 1 << bit;
          await assertRejectedSafely(env, damaged, data, cs, piece);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('any truncation or appended data fails', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 500 }),
        chunkSizeArb,
        pieceArb,
        fc.nat(),
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.boolean(),
        async (data, cs, piece, cut, extra, append) => {
          const env = await seal(data, cs);
          const damaged = append ? Buffer.concat([env, extra]) : env.subarray(0, cut % env.length);
          await assertRejectedSafely(env, new Uint8Array(damaged), data, cs, piece);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('any dropped, duplicated or reordered chunk fails', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 130, maxLength: 700 }),
        chunkSizeArb,
        pieceArb,
        fc.nat(),
        fc.nat(),
        fc.constantFrom('drop', 'duplicate', 'swap', 'move-last-first'),
        async (data, cs, piece, a, b, op) => {
          fc.pre(data.length > cs); // at least two chunks
          const env = await seal(data, cs);
          const { headerLength, chunks } = partsOf(env, cs);
          const parts = chunks.map(([s, e]) => env.subarray(s, e));
          const i = a % parts.length;
          let j = b % parts.length;
          if (j === i) j = (i + 1) % parts.length;
          if (op === 'drop') parts.splice(i, 1);
          else if (op === 'duplicate') parts.splice(i, 0, parts[i]!);
          else if (op === 'swap') [parts[i], parts[j]] = [parts[j]!, parts[i]!];
          else parts.unshift(parts.pop()!);
          const damaged = new Uint8Array(Buffer.concat([env.subarray(0, headerLength), ...parts]));
          await assertRejectedSafely(env, damaged, data, cs, piece);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('any replaced header byte fails and releases nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), chunkSizeArb, fc.nat(), fc.integer({ min: 1, max: 255 }), async (data, cs, pos, delta) => {
        const env = await seal(data, cs);
        const { headerLength } = partsOf(env, cs);
        const damaged = env.slice();
        const at = pos % headerLength;
        damaged[at] = (damaged[at]! + delta) & 0xff;
        await assertRejectedSafely(env, damaged, data, cs, 64);
      }),
      { numRuns: RUNS },
    );
  });

  it('a header spliced onto another body fails, even one encrypted under the same file key', async () => {
    const data = new Uint8Array(400).fill(7);
    const env = await seal(data, 64);
    const sink = memorySink();
    await rewrapEnvelope(byteSourceOf(env), sink, alice, { label: { id: 'other', name: 'Other' } }, { clock: NOW });
    const same = sink.bytes(); // same file key, fresh salt
    const other = await seal(data, 64);
    for (const donor of [same, other]) {
      const spliced = new Uint8Array(Buffer.concat([env.subarray(0, partsOf(env, 64).headerLength), donor.subarray(partsOf(donor, 64).headerLength)]));
      await assertRejectedSafely(env, spliced, data, 64, 64);
    }
  });

  it('format 2 fields: any edit of the lineage or the policy version, re-MACed and re-signed by a grantee holding the file key, is refused (exit 4)', async () => {
    const random = drbgFor('lineage matrix');
    const data = new Uint8Array(300).fill(3);
    const sink = memorySink();
    await protect(byteSourceOf(data), sink, {
      owner: alice,
      label: { id: 'secret', name: 'Secret' },
      grants: [{ person: publicIdentity(bob), rights: ['VIEW'] }],
      innerName: 'data.bin',
      size: data.length,
      chunkSize: 64,
      clock: NOW,
      random,
    });
    const fileKey = random.served().slice(0, 32);
    // Two more versions under the same file key (grants and labels keep it).
    let env = sink.bytes();
    for (const name of ['Two', 'Three']) {
      const next = memorySink();
      await rewrapEnvelope(byteSourceOf(env), next, alice, { label: { id: name.toLowerCase(), name } }, { clock: NOW });
      env = next.bytes();
    }
    const edits: Record<string, (m: Metadata) => Metadata> = {
      'lineage emptied': (m) => ({ ...m, lineage: [] }),
      'first version dropped': (m) => ({ ...m, lineage: m.lineage!.slice(1) }),
      'versions swapped': (m) => ({ ...m, lineage: [...m.lineage!].reverse() }),
      'older policy as current': (m) => ({ ...m, policy: m.lineage![1]!, lineage: m.lineage!.slice(0, 1).concat(m.policy) }),
      'version repeated': (m) => ({ ...m, lineage: [...m.lineage!, m.lineage![1]!] }),
      'lineage missing': (m) => {
        const { lineage: _dropped, ...rest } = m;
        return rest;
      },
    };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(edits)), fc.constantFrom(alice, bob), async (edit, writer) => {
        const damaged = await reseal(env, fileKey, edits[edit]!, writer);
        const e = await openEnvelope(byteSourceOf(damaged), null, bob, { clock: NOW }).then(
          () => undefined,
          (x: unknown) => x,
        );
        assertExit4(e);
      }),
      { numRuns: Math.min(RUNS, 30) },
    );
  });
});
