/** The stored envelope vectors, both ways: fixed inputs reproduce the exact bytes, and the bytes open. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { byteSourceOf, memorySink, openEnvelope, readEnvelopeHeader } from '../../src/core/envelope/index.js';
import { isSensitivityError } from '../../src/core/errors.js';
import { bytesToHex, fixedRandom, hexToBytes } from '../vectors/fixtures.js';
import { relate } from '../../src/core/app/index.js';
import { makeHistory, type HistoryVectorFile } from '../vectors/history.js';
import { makeWitness, seededP256, type WitnessVectorFile } from '../vectors/witness.js';
import { expectedDerivations, runVector, type ProtectVector, type RewrapVector, type VectorFile } from '../vectors/vectors.js';

const clock = (iso: string) => ({ now: () => new Date(iso) });

// Format 2 is written: its vectors are checked both ways. Format 1 is only read: its stored bytes must still open.
for (const version of [2, 1] as const) {
  const file = JSON.parse(readFileSync(`test/vectors/envelope-v${version}.json`, 'utf8')) as VectorFile;
  const people = file.identities;
  const byName = new Map(file.vectors.map((v) => [v.name, v]));

  async function make(v: ProtectVector | RewrapVector): Promise<{ bytes: Uint8Array; leftover: number }> {
    const random = fixedRandom(v.random);
    const inputs = new Map(file.vectors.map((x) => [x.name, hexToBytes(x.expect.envelope)]));
    return { bytes: await runVector(v, people, random, inputs), leftover: random.remaining() };
  }

  /** The plaintext a vector's envelope holds (rewraps keep their input's). */
  function plaintextOf(v: ProtectVector | RewrapVector): string {
    return v.operation === 'protect' ? v.plaintext : plaintextOf(byName.get(v.input)!);
  }

  describe(`envelope v${version} test vectors`, () => {
    it('has the vectors FORMAT.md describes', () => {
      assert.deepEqual(
        file.vectors.map((v) => v.name),
        ['empty-owner-only', 'two-full-chunks', 'four-chunks-grants-recovery-expiry', 'grant-bob-keeps-key', 'revoke-bob-rotates-key'],
      );
    });

    for (const v of file.vectors) {
      describe(v.name, () => {
        it(
          'fixed inputs reproduce the exact envelope bytes, consuming exactly the listed randomness',
          { skip: version === 1 && 'format 1 is no longer written' },
          async () => {
            const { bytes, leftover } = await make(v);
            assert.equal(bytesToHex(bytes), v.expect.envelope);
            assert.equal(leftover, 0);
          },
        );

        it('records the key schedule values the bytes imply', () => {
          assert.deepEqual(expectedDerivations(hexToBytes(v.expect.envelope), v.expect.fileKey), v.expect);
          assert.equal(v.expect.envelope.slice(108, 172), v.expect.commitment, 'commitment at offset 54');
        });

        it('opens to the plaintext for every grantee, with their rights', async () => {
          const envelope = hexToBytes(v.expect.envelope);
          const header = await readEnvelopeHeader(byteSourceOf(envelope));
          assert.equal(header.authenticated, false);
          assert.equal(header.layout.version, version);
          assert.equal(header.layout.envelopeLength, envelope.length);
          assert.equal(header.lastWrite?.id, version === 2 ? header.policy.owner.id : undefined, 'format 2: the owner signed the write');
          for (const grant of header.policy.grants) {
            const who = Object.values(people).find((p) => p.id === grant.id)!;
            const sink = memorySink();
            const opened = await openEnvelope(byteSourceOf(envelope, 5), sink, who, { clock: clock(v.now), sourceLength: envelope.length });
            assert.equal(bytesToHex(sink.bytes()), plaintextOf(v));
            assert.deepEqual(opened.rights, grant.rights);
          }
        });
      });
    }

    it('a revoked person holds no slot in the rotated file', async () => {
      const v = byName.get('revoke-bob-rotates-key')!;
      const before = byName.get(v.operation === 'rewrap' ? v.input : '')!;
      assert.notEqual(v.expect.fileKey, before.expect.fileKey, 'revoke rotates the file key');
      await assert.rejects(openEnvelope(byteSourceOf(hexToBytes(v.expect.envelope)), null, people.bob!, { clock: clock(v.now) }), (e) =>
        isSensitivityError(e, 'E_NOT_GRANTEE'),
      );
    });

    it('a grant keeps the file key', () => {
      const v = byName.get('grant-bob-keeps-key')!;
      assert.equal(v.expect.fileKey, byName.get('empty-owner-only')!.expect.fileKey);
      assert.notEqual(v.expect.salt, byName.get('empty-owner-only')!.expect.salt, 'but a fresh salt: a fresh content key');
    });
  });
}

describe('access-history test vectors (test/vectors/history.json)', () => {
  const file = JSON.parse(readFileSync('test/vectors/history.json', 'utf8')) as HistoryVectorFile;

  it('fixed inputs make every envelope byte for byte; each states its history, receipt and relations', async () => {
    const { envelopes } = await makeHistory();
    assert.deepEqual(Object.keys(envelopes), Object.keys(file.envelopes));
    for (const [name, hex] of Object.entries(file.envelopes)) {
      assert.equal(bytesToHex(envelopes[name]!), hex, name);
      const h = await readEnvelopeHeader(byteSourceOf(hexToBytes(hex)));
      assert.deepEqual(h.history, file.histories[name], name);
      assert.equal(h.policy.ver, h.history.length, `${name}: the version is the history's length`);
    }
    assert.deepEqual((await readEnvelopeHeader(byteSourceOf(hexToBytes(file.envelopes.v3!)))).witness, file.witness);
    for (const r of file.relations) {
      const head = { history: file.histories[r.head]!, signer: { id: '', email: '' } };
      assert.equal(relate(head, file.histories[r.history]!), r.relation, `${r.head} → ${r.history}`);
    }
    assert.ok(file.relations.some((r) => r.head === 'v3' && r.history === 'fork' && r.relation === 'fork'));
  });
});

describe('organisation-witness test vectors (test/vectors/witness.json)', () => {
  const file = JSON.parse(readFileSync('test/vectors/witness.json', 'utf8')) as WitnessVectorFile;

  it('fixed inputs and the recorded ES256 signatures make every envelope byte for byte; each states its history and receipts', async () => {
    assert.deepEqual(file.organisation, seededP256('organisation'), 'the organisation key is the seeded one');
    const made = await makeWitness(file.signatures);
    assert.deepEqual(made.signatures, file.signatures, 'every recorded signature served, in order, and each verified');
    assert.equal(made.vectors.length, file.vectors.length);
    for (const [i, v] of file.vectors.entries()) {
      assert.deepEqual(made.vectors[i], v, v.name);
      const h = await readEnvelopeHeader(byteSourceOf(hexToBytes(v.envelope)));
      assert.deepEqual([h.history, h.witness], [v.history, v.witness], v.name);
    }
    assert.deepEqual(made.heads, file.heads, 'the heads, each a receipt made above, against the envelopes made');
  });
});
