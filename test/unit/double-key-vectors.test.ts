/** The stored Double Key vectors (docs/FORMAT.md §Double Key), both ways: inputs reproduce the bytes, the bytes open. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { byteSourceOf, memorySink, openEnvelope, readEnvelopeHeader } from '../../src/core/envelope/index.js';
import { isSensitivityError } from '../../src/core/errors.js';
import { LocalKeyService } from '../vectors/double-key-fixtures.js';
import { combineSecrets, DK_URL, halvesOf, type DoubleKeyVectorFile, type StoredDoubleKeyVector } from '../vectors/double-key-vectors.js';
import { bytesToHex, fixedRandom, hexToBytes } from '../vectors/fixtures.js';
import { expectedDerivations, runVector } from '../vectors/vectors.js';

const file = JSON.parse(readFileSync('test/vectors/double-key.json', 'utf8')) as DoubleKeyVectorFile;
const people = file.identities;
const keys = file.keyService[DK_URL]!;
const byName = new Map(file.vectors.map((v) => [v.name, v]));
const clock = (iso: string) => ({ now: () => new Date(iso) });
const plaintextOf = (v: StoredDoubleKeyVector): string => (v.operation === 'protect' ? v.plaintext : plaintextOf(byName.get(v.input)!));

describe('Double Key test vectors', () => {
  it('has the vectors FORMAT.md describes', () => {
    assert.deepEqual(
      file.vectors.map((v) => v.name),
      ['dk-protect-bob', 'dk-grant-carol-keeps-both', 'dk-revoke-bob-rotates-both'],
    );
  });

  for (const v of file.vectors) {
    describe(v.name, () => {
      it('fixed inputs and the recorded OAEP ciphertexts reproduce the exact envelope, consuming exactly the listed randomness', async () => {
        // The service as it was then: its key versions up to the one this vector was sealed under.
        const service = LocalKeyService.of({ [DK_URL]: keys.slice(0, keys.findIndex((k) => k.kid === v.halves.kid) + 1) });
        service.replay = v.oaep.map((h) => hexToBytes(h));
        const random = fixedRandom(v.random);
        const inputs = new Map(file.vectors.map((x) => [x.name, hexToBytes(x.expect.envelope)]));
        const bytes = await runVector(v, people, random, inputs, { ...(v.operation === 'protect' ? { url: v.doubleKey } : {}), access: service.access() });
        assert.equal(bytesToHex(bytes), v.expect.envelope);
        assert.equal(random.remaining(), 0);
        assert.equal(service.replay.length, 0, 'every recorded ciphertext was used');
      });

      it('the file key is HKDF(personal ‖ organisation), and the key schedule follows from it', async () => {
        const envelope = hexToBytes(v.expect.envelope);
        assert.equal(bytesToHex(combineSecrets(hexToBytes(v.halves.personal), hexToBytes(v.halves.organisation))), v.expect.fileKey);
        assert.deepEqual(expectedDerivations(envelope, v.expect.fileKey), v.expect);
        const h = await readEnvelopeHeader(byteSourceOf(envelope));
        assert.deepEqual(h.policy.dk, { url: DK_URL, kid: v.halves.kid });
        for (const g of h.policy.grants) {
          const who = Object.values(people).find((p) => p.id === g.id)!;
          const halves = await halvesOf(envelope, who, keys);
          assert.equal(bytesToHex(halves.personal), v.halves.personal, `${g.email} holds the same personal secret`);
          assert.equal(bytesToHex(halves.organisation), v.halves.organisation);
        }
      });

      it('opens to the plaintext for every grantee through the key service', async () => {
        const envelope = hexToBytes(v.expect.envelope);
        const h = await readEnvelopeHeader(byteSourceOf(envelope));
        const service = LocalKeyService.of({ [DK_URL]: keys });
        for (const g of h.policy.grants) {
          const who = Object.values(people).find((p) => p.id === g.id)!;
          const sink = memorySink();
          const opened = await openEnvelope(byteSourceOf(envelope, 5), sink, who, { clock: clock(v.now), doubleKey: service.access() });
          assert.equal(bytesToHex(sink.bytes()), plaintextOf(v));
          assert.deepEqual(opened.rights, g.rights);
        }
      });
    });
  }

  it('a grant keeps both halves; a revoke rotates both, the organisation half to the newest key version', async () => {
    const [p, g, r] = ['dk-protect-bob', 'dk-grant-carol-keeps-both', 'dk-revoke-bob-rotates-both'].map((n) => byName.get(n)!);
    assert.equal(g!.halves.personal, p!.halves.personal);
    assert.equal(g!.halves.organisation, p!.halves.organisation);
    assert.equal(g!.expect.fileKey, p!.expect.fileKey);
    assert.notEqual(r!.halves.personal, g!.halves.personal);
    assert.notEqual(r!.halves.organisation, g!.halves.organisation);
    assert.equal(r!.halves.kid, `${DK_URL}/v2`);
    const service = LocalKeyService.of({ [DK_URL]: keys });
    await assert.rejects(
      openEnvelope(byteSourceOf(hexToBytes(r!.expect.envelope)), null, people.bob!, { clock: clock(r!.now), doubleKey: service.access() }),
      (e) => isSensitivityError(e, 'E_NOT_GRANTEE'),
    );
  });
});
