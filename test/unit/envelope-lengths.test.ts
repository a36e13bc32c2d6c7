/**
 * Declared lengths against real sizes (issue 20, item 5): a header whose plaintext length makes the write
 * block 1 GiB, 2–4 GiB, 4 GiB or 128 GiB, on a 3 KB envelope — unauthenticated (anyone can edit a header) and
 * re-MACed with the real file key (a grantee can) — is refused with a code, read at offsets or as a stream,
 * and nothing is allocated for bytes the source does not hold. test/unit/cli/length-fields.test.ts runs the
 * same headers through the CLI.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { byteSourceOf, memorySink, openEnvelope, protect, randomAccessOf, readEnvelopeHeader } from '../../src/core/envelope/index.js';
import { ByteReader } from '../../src/core/envelope/io.js';
import { encodeHeader, readHeader } from '../../src/core/envelope/format.js';
import { bodyKeys } from '../../src/core/envelope/keys.js';
import { isSensitivityError } from '../../src/core/errors.js';
import { createIdentity, type Identity } from '../../src/core/identity.js';
import { drbg } from '../vectors/fixtures.js';

const CHUNKS = [2 ** 25, 80_000_000, 140_000_000, 2 ** 32];

let alice: Identity;
let envelope: Uint8Array;
let fileKey: Uint8Array;

/** `envelope` declaring `chunks` chunks; with `remac`, its header MAC recomputed with the real file key. */
async function declaring(chunks: number, remac: boolean): Promise<Uint8Array> {
  const raw = await readHeader(new ByteReader(byteSourceOf(envelope)));
  const plaintextLength = raw.chunkSize * chunks;
  const out = envelope.slice();
  if (remac) {
    const header = encodeHeader({ ...raw, plaintextLength }, bodyKeys(fileKey, raw.salt).macKey);
    assert.equal(header.length, raw.bytes.length);
    out.set(header);
  } else {
    new DataView(out.buffer).setBigUint64(14, BigInt(plaintextLength));
  }
  return out;
}

async function refused(p: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(p, (e) => {
    assert.ok(isSensitivityError(e), `${what}: ${String(e)}`);
    assert.ok(e.code === 'E_FORMAT' || e.code === 'E_INTEGRITY', `${what}: ${e.code}`);
    return true;
  });
}

describe('declared lengths are checked against the source before anything is allocated or read', () => {
  before(async () => {
    alice = await createIdentity('Alice', 'alice@example.com');
    const random = drbg('lengths');
    const data = new TextEncoder().encode('the plan\n');
    const sink = memorySink();
    await protect(byteSourceOf(data), sink, { owner: alice, label: { id: 'general', name: 'General' }, innerName: 'plan.txt', size: data.length, random });
    envelope = sink.bytes();
    fileKey = random.served().slice(0, 32); // protect's first draw is the file key
  });

  for (const chunks of CHUNKS) {
    for (const remac of [false, true]) {
      it(`${chunks} chunks, header ${remac ? 're-MACed with the file key' : 'edited'}: refused at offsets and as a stream`, async () => {
        const bytes = await declaring(chunks, remac);
        const rss = process.memoryUsage().rss;
        for (const [how, source] of [
          ['offsets', () => randomAccessOf(bytes)],
          ['stream', () => byteSourceOf(bytes, 1000)],
        ] as const) {
          await refused(readEnvelopeHeader(source()), `${how}: header`);
          const sink = memorySink();
          await refused(openEnvelope(source(), sink, alice), `${how}: open`);
          assert.equal(sink.length, 0, `${how}: released bytes`);
        }
        assert.ok(process.memoryUsage().rss - rss < 256 * 2 ** 20, 'memory stayed bounded');
      });
    }
  }
});
