/**
 * The envelope over random-access sources (a file opened once, bytes in memory): the same bytes as over a
 * stream, one pass, and nothing released from an envelope of the wrong length, however the source lies.
 */
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  byteSourceOf,
  memorySink,
  observed,
  openEnvelope,
  protect,
  randomAccessOf,
  rewrapEnvelope,
  type EnvelopeSource,
} from '../../src/core/envelope/index.js';
import { isSensitivityError, type ErrorCode } from '../../src/core/errors.js';
import { createIdentity, publicIdentity, type Identity } from '../../src/core/identity.js';
import type { RandomAccessSource } from '../../src/core/ports.js';
import { drbg } from '../vectors/fixtures.js';

const LABEL = { id: 'confidential', name: 'Confidential' };
const T0 = new Date('2026-01-01T00:00:00Z');
const clock = { now: () => T0 };
const CHUNK = 64;

let alice: Identity;
let bob: Identity;

async function seal(source: EnvelopeSource, size: number, seed = 'ra'): Promise<Uint8Array> {
  const sink = memorySink();
  await protect(source, sink, {
    owner: alice,
    label: LABEL,
    innerName: 'a.bin',
    chunkSize: CHUNK,
    size,
    clock,
    random: drbg(seed),
    grants: [{ person: publicIdentity(bob), rights: ['VIEW'] }],
  });
  return sink.bytes();
}

/** Opens `source` as Alice; what was released to the sink, and the error if any. */
async function open(source: EnvelopeSource): Promise<{ released: Uint8Array; error?: unknown }> {
  const sink = memorySink();
  try {
    await openEnvelope(source, sink, alice, { clock });
    return { released: sink.bytes() };
  } catch (error) {
    return { released: sink.bytes(), error };
  }
}

function assertCode(e: unknown, code: ErrorCode): void {
  assert.ok(isSensitivityError(e, code), `expected ${code}, got ${String(e)}`);
}

/** A random-access source over `bytes` that claims `size` (a file that changed after it was measured). */
function lying(bytes: Uint8Array, size: number): RandomAccessSource {
  return { ...randomAccessOf(bytes), size };
}

/** Reads return at most `max` bytes at a time (as a file system may). */
function shortReads(source: RandomAccessSource, max: number): RandomAccessSource {
  return { size: source.size, read: (buf, position) => source.read(buf.subarray(0, max), position) };
}

describe('envelope over a random-access source', () => {
  before(async () => {
    alice = await createIdentity('Alice', 'alice@example.com', T0);
    bob = await createIdentity('Bob', 'bob@example.com', T0);
  });

  it('protects to the same bytes as from a stream and opens them again, at every chunk boundary', async () => {
    for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK, 5 * CHUNK + 17]) {
      const data = randomFillSync(new Uint8Array(size));
      const fromStream = await seal(byteSourceOf(data, 7), size);
      const fromFile = await seal(shortReads(randomAccessOf(data), 13), size);
      assert.deepEqual(fromFile, fromStream, `${size} bytes`);
      const opened = await open(shortReads(randomAccessOf(fromFile), 29));
      assert.equal(opened.error, undefined, `${size} bytes: ${String(opened.error)}`);
      assert.deepEqual(opened.released, data, `${size} bytes`);
    }
  });

  it('a truncated or extended envelope releases nothing (E_INTEGRITY), by one byte or by whole chunks', async () => {
    const data = randomFillSync(new Uint8Array(6 * CHUNK + 5));
    const env = await seal(randomAccessOf(data), data.length);
    const extended = (n: number) => Uint8Array.from([...env, ...new Uint8Array(n).fill(7)]);
    for (const [name, bytes] of [
      ['1 byte short', env.subarray(0, env.length - 1)],
      ['the last chunk gone', env.subarray(0, env.length - (5 + 16))],
      ['two chunks gone', env.subarray(0, env.length - (5 + 16) - (CHUNK + 16))],
      ['1 byte more', extended(1)],
      ['a chunk more', extended(CHUNK + 16)],
    ] as const) {
      const r = await open(randomAccessOf(bytes));
      assertCode(r.error, 'E_INTEGRITY');
      assert.equal(r.released.length, 0, `${name}: released ${r.released.length} bytes`);
    }
  });

  it('a file that shrinks or grows after its size was taken never releases its last chunk', async () => {
    const data = randomFillSync(new Uint8Array(4 * CHUNK + 3));
    const env = await seal(randomAccessOf(data), data.length);
    // Shrunk: the size says whole, the reads end early.
    const shrunk = await open(lying(env.subarray(0, env.length - 2), env.length));
    assertCode(shrunk.error, 'E_INTEGRITY');
    // Grown: the size says whole, a byte can be read past the end.
    const grown = await open(lying(Uint8Array.from([...env, 0]), env.length));
    assertCode(grown.error, 'E_INTEGRITY');
    for (const r of [shrunk, grown]) {
      assert.ok(r.released.length <= 4 * CHUNK, 'the final chunk is not released');
      assert.deepEqual(r.released, data.subarray(0, r.released.length), 'what was released is authentic, in order');
    }
  });

  it('a tampered chunk stops the output before it: only the authentic chunks before it are released', async () => {
    const data = randomFillSync(new Uint8Array(8 * CHUNK));
    const env = await seal(randomAccessOf(data), data.length);
    const bad = Uint8Array.from(env);
    const bodyStart = env.length - 8 * (CHUNK + 16);
    bad[bodyStart + 3 * (CHUNK + 16) + 5]! ^= 1; // chunk 3
    const r = await open(randomAccessOf(bad));
    assertCode(r.error, 'E_INTEGRITY');
    assert.ok(r.released.length <= 3 * CHUNK, `released ${r.released.length} bytes`);
    assert.deepEqual(r.released, data.subarray(0, r.released.length));
  });

  it('protect refuses a source whose size disagrees or that changes while it is read (E_IO)', async () => {
    const data = randomFillSync(new Uint8Array(3 * CHUNK));
    await assert.rejects(seal(randomAccessOf(data), data.length + 1), (e) => (assertCode(e, 'E_IO'), true));
    await assert.rejects(seal(lying(data.subarray(0, 2 * CHUNK), data.length), data.length), (e) => (assertCode(e, 'E_IO'), true));
    await assert.rejects(seal(lying(Uint8Array.from([...data, 1]), data.length), data.length), (e) => (assertCode(e, 'E_IO'), true));
  });

  it('rewrap re-encrypts from a random-access source; the result opens to the same plaintext', async () => {
    const data = randomFillSync(new Uint8Array(3 * CHUNK + 9));
    const env = await seal(randomAccessOf(data), data.length);
    const sink = memorySink();
    await rewrapEnvelope(shortReads(randomAccessOf(env), 50), sink, alice, { revoke: ['bob@example.com'] }, { clock });
    const r = await open(randomAccessOf(sink.bytes()));
    assert.deepEqual(r.released, data);
  });

  it('observed() reports every byte read and stops the operation with whatever it throws', async () => {
    const data = randomFillSync(new Uint8Array(5 * CHUNK));
    let read = 0;
    await seal(
      observed(randomAccessOf(data), (n) => (read += n)),
      data.length,
    );
    assert.equal(read, data.length);
    let streamed = 0;
    await seal(
      observed(byteSourceOf(data, 10), (n) => (streamed += n)),
      data.length,
    );
    assert.equal(streamed, data.length);
    const stop = new Error('stop');
    const cancelled = observed(randomAccessOf(data), () => {
      throw stop;
    });
    await assert.rejects(seal(cancelled, data.length), (e) => e === stop);
  });
});
