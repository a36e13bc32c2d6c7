import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportJWK, type JWK } from 'jose';
import { createIdentity, issueCertificate, publicIdentity, SensitivityError, verifyCertificate, type CertificateSigner } from '../../src/core/index.js';
import { certificationKeyId } from '../../src/core/org/index.js';

/** A software ES256 signer (WebCrypto's ECDSA signature is already the raw r || s the JWS needs). */
async function softwareSigner(): Promise<{ signer: CertificateSigner; jwk: JWK }> {
  const { privateKey, publicKey } = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = await exportJWK(publicKey);
  const kid = await certificationKeyId(jwk);
  const sign = async (data: Uint8Array) => new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, new Uint8Array(data)));
  return { signer: { kid, sign }, jwk };
}

const NOW = new Date('2026-12-01T00:00:00Z');
const ISS = 'https://keys.example.com';

function rejects(p: Promise<unknown>, why: RegExp) {
  return assert.rejects(p, (e: unknown) => e instanceof SensitivityError && e.code === 'E_CERTIFICATE_INVALID' && why.test(e.message));
}

test('a certificate verifies against the pinned key and gives back the identity it certifies', async () => {
  const alice = publicIdentity(await createIdentity('Alice', 'alice@example.com'));
  const { signer, jwk } = await softwareSigner();
  const jws = await issueCertificate(alice, { issuer: ISS, signer, now: NOW, lifetimeSeconds: 3600 });
  const header = JSON.parse(Buffer.from(jws.split('.')[0]!, 'base64url').toString());
  assert.deepEqual(header, { alg: 'ES256', typ: 'sensitivity-cert+jwt', kid: signer.kid });
  const v = await verifyCertificate(jws, [jwk], { now: NOW, issuer: ISS, email: 'Alice@Example.com' });
  assert.deepEqual(v.identity, alice);
  assert.equal(v.issuer, ISS);
  assert.equal(v.kid, signer.kid);
  assert.equal(v.expiresAt.getTime() - v.notBefore.getTime(), 3600_000);
});

test('a certificate is refused when anything about it is wrong', async () => {
  const alice = publicIdentity(await createIdentity('Alice', 'alice@example.com'));
  const bob = publicIdentity(await createIdentity('Bob', 'bob@example.com'));
  const { signer, jwk } = await softwareSigner();
  const other = await softwareSigner();
  const jws = await issueCertificate(alice, { issuer: ISS, signer, now: NOW, lifetimeSeconds: 3600 });
  await rejects(verifyCertificate(jws, [other.jwk], { now: NOW }), /not pinned/);
  await rejects(verifyCertificate(jws, [jwk], { now: new Date(NOW.getTime() + 3661_000) }), /expired/);
  await rejects(verifyCertificate(jws, [jwk], { now: new Date(NOW.getTime() - 61_000) }), /not valid yet/);
  await rejects(verifyCertificate(jws, [jwk], { now: NOW, issuer: 'https://evil.example.com' }), /issued by/);
  await rejects(verifyCertificate(jws, [jwk], { now: NOW, email: 'bob@example.com' }), /certifies alice@example.com/);
  await rejects(verifyCertificate('nonsense', [jwk], { now: NOW }), /compact JWS/);
  // Swap the payload for Bob's identity under Alice's signature.
  const forged = await issueCertificate(bob, { issuer: ISS, signer: other.signer, now: NOW, lifetimeSeconds: 3600 });
  const [h, , s] = jws.split('.');
  await rejects(verifyCertificate(`${h}.${forged.split('.')[1]}.${s}`, [jwk], { now: NOW }), /signature/);
  // A certificate whose identity's thumbprints do not hold, signed by the right key.
  const broken = { ...alice, id: bob.id };
  const bad = await issueCertificate(broken, { issuer: ISS, signer, now: NOW, lifetimeSeconds: 3600 });
  await rejects(verifyCertificate(bad, [jwk], { now: NOW }), /invalid identity/);
});
