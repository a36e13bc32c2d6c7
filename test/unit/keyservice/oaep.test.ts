/**
 * The software half of the raw-RSA fallback: RSA-OAEP-256 decoding (RFC 8017 §7.1.2) of what node's
 * OpenSSL encrypts, with and without a label, and one answer (undefined) for every way a value can be wrong.
 */
import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { oaepSha256Decode } from '../../../src/keyservice/oaep.js';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const K = 256;
const seal = (m: Buffer, label?: Buffer) =>
  publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', ...(label ? { oaepLabel: label } : {}) }, m);
/** What CKM_RSA_X_509 returns: the raw RSA private-key operation. */
const raw = (c: Buffer) => privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, c);

test('decodes what OpenSSL encrypted with OAEP-SHA256, for any message and label', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: K - 66 }), fc.uint8Array({ maxLength: 64 }), (m, l) => {
      const label = Buffer.from(l);
      const out = oaepSha256Decode(raw(seal(Buffer.from(m), label)), K, label);
      assert.ok(out);
      assert.deepEqual(new Uint8Array(out), m);
    }),
    { numRuns: 40 },
  );
});

test('a wrong label, a flipped bit, a leading byte other than zero or random bytes all give undefined', () => {
  const label = Buffer.from('sensitivity-dke/1\0c-1\0confidential');
  const em = raw(seal(randomBytes(32), label));
  assert.equal(oaepSha256Decode(em, K, Buffer.from('sensitivity-dke/1\0c-2\0confidential')), undefined);
  assert.equal(oaepSha256Decode(em, K, Buffer.alloc(0)), undefined);
  for (const i of [0, 1, 40, K - 1]) {
    const bad = Buffer.from(em);
    bad[i]! ^= 1;
    assert.equal(oaepSha256Decode(bad, K, label), undefined, `byte ${i}`);
  }
  for (let i = 0; i < 50; i++) assert.equal(oaepSha256Decode(randomBytes(K), K, label), undefined);
  assert.equal(oaepSha256Decode(Buffer.alloc(K + 1), K, label), undefined);
});

test('a short raw output (leading zero bytes dropped by the token) still decodes', () => {
  const m = randomBytes(32);
  const em = raw(seal(m));
  assert.equal(em[0], 0);
  assert.deepEqual(oaepSha256Decode(em.subarray(1), K, Buffer.alloc(0)), m);
});
