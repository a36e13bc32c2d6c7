/**
 * Identities: a name, an email and two key pairs — Ed25519 to sign policies (JWS `EdDSA`, RFC 8037)
 * and X25519 to receive file keys (JWE `ECDH-ES+A256KW`). Identified by RFC 7638 JWK thumbprints. The
 * public half is a self-signed document: the Ed25519 key signs the name, email and both keys (`proof`).
 */
import { calculateJwkThumbprint, exportJWK, FlattenedSign, generateKeyPair, importJWK, type JWK } from 'jose';
import { SensitivityError } from './errors.js';

/** An OKP public key as JWK, with `kid` set to its own RFC 7638 thumbprint. */
export interface PublicOkpJwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519' | 'X25519';
  readonly x: string;
  readonly kid: string;
}

/** An OKP private key as JWK (`d` is the secret). Never logged, never written unprotected outside $SENSITIVITY_HOME. */
export interface PrivateOkpJwk extends PublicOkpJwk {
  readonly d: string;
}

/** The public half of a person: what `id show --json` prints and `.sensitivity/people.json` lists. */
export interface PublicIdentity {
  readonly v: 1;
  /** The identity's id: the thumbprint of its signing key. */
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly sig: PublicOkpJwk & { readonly crv: 'Ed25519' };
  readonly enc: PublicOkpJwk & { readonly crv: 'X25519' };
  /** ISO 8601 creation time. */
  readonly created: string;
  /**
   * The self-signature: a JWS (`EdDSA`, detached payload, RFC 7515 Appendix F) by `sig` over
   * `identityPayload`. Absent only on identities made before identities were signed; those are refused
   * wherever someone else's identity is used (`verifyIdentity`).
   */
  readonly proof?: string;
}

/** A full identity, private keys included. */
export interface Identity extends PublicIdentity {
  readonly sigPrivate: PrivateOkpJwk & { readonly crv: 'Ed25519' };
  readonly encPrivate: PrivateOkpJwk & { readonly crv: 'X25519' };
}

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** Lower-cased, trimmed email; E_USAGE when it does not look like one. */
export function normalizeEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (!EMAIL.test(e)) throw new SensitivityError('E_USAGE', `"${email}" is not an email address`);
  return e;
}

async function okp(alg: 'EdDSA' | 'ECDH-ES+A256KW', crv: 'Ed25519' | 'X25519'): Promise<{ pub: PublicOkpJwk; priv: PrivateOkpJwk }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { crv, extractable: true });
  const pubJwk = await exportJWK(publicKey);
  const privJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(pubJwk, 'sha256');
  const pub = { kty: 'OKP', crv, x: pubJwk.x as string, kid } as const;
  return { pub, priv: { ...pub, d: privJwk.d as string } };
}

/** JWS `typ` of an identity's proof, so no other document signed by the same key passes for one. */
export const IDENTITY_TYP = 'sensitivity-identity+json';

/** What an identity's proof signs: its public fields in a fixed order, without whitespace. */
export function identityPayload(p: PublicIdentity): Uint8Array {
  const key = (k: PublicOkpJwk) => ({ kty: 'OKP', crv: k.crv, x: k.x, kid: k.kid });
  return new TextEncoder().encode(JSON.stringify({ v: 1, id: p.id, name: p.name, email: p.email, sig: key(p.sig), enc: key(p.enc), created: p.created }));
}

/** The identity with its proof made by its own Ed25519 key (deterministic: RFC 8032 signatures are). */
export async function signIdentity<I extends Identity>(identity: I): Promise<I> {
  const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: identity.sigPrivate.x, d: identity.sigPrivate.d }, 'EdDSA');
  const jws = await new FlattenedSign(identityPayload(identity)).setProtectedHeader({ alg: 'EdDSA', typ: IDENTITY_TYP, kid: identity.sig.kid }).sign(key);
  return { ...identity, proof: `${jws.protected}..${jws.signature}` };
}

/** Creates a fresh identity with new Ed25519 and X25519 key pairs, self-signed. */
export async function createIdentity(name: string, email: string, now: Date = new Date()): Promise<Identity> {
  const trimmed = name.trim();
  if (!trimmed) throw new SensitivityError('E_USAGE', 'an identity needs a name');
  const sig = await okp('EdDSA', 'Ed25519');
  const enc = await okp('ECDH-ES+A256KW', 'X25519');
  return signIdentity({
    v: 1,
    id: sig.pub.kid,
    name: trimmed,
    email: normalizeEmail(email),
    sig: sig.pub as Identity['sig'],
    enc: enc.pub as Identity['enc'],
    created: now.toISOString(),
    sigPrivate: sig.priv as Identity['sigPrivate'],
    encPrivate: enc.priv as Identity['encPrivate'],
  });
}

/** The public half of an identity (drops the private keys; keeps the proof). */
export function publicIdentity(identity: PublicIdentity): PublicIdentity {
  const { v, id, name, email, sig, enc, created, proof } = identity;
  return { v, id, name, email, sig, enc, created, ...(proof ? { proof } : {}) };
}

/** Re-exported for modules that hand JWKs to jose. */
export type { JWK };
