/**
 * The envelope's Ed25519 signatures: compact JWS with `alg: "EdDSA"` (RFC 7515, RFC 8037 — not jose 6's
 * "Ed25519" identifier, which python3-jwcrypto 1.1 refuses), each with its own `typ` so that no document
 * signed by the same key passes for another kind.
 */
import { base64url, CompactSign, compactVerify, importJWK } from 'jose';
import { integrityError } from '../errors.js';
import type { Identity, PublicOkpJwk } from '../identity.js';
import { okpThumbprint } from '../people.js';
import { formatError, json, obj, type Obj } from './check.js';

/** 32 bytes in base64url: an RFC 7638 SHA-256 thumbprint, or an X25519 / Ed25519 public key. */
export const ID = /^[A-Za-z0-9_-]{43}$/;

/** Signs `claims` (serialised in their key order: Ed25519 is deterministic, so the bytes are reproducible). */
export async function signEdDSA(claims: object, typ: string, signer: Identity): Promise<string> {
  const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: signer.sigPrivate.x, d: signer.sigPrivate.d }, 'EdDSA');
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims))).setProtectedHeader({ alg: 'EdDSA', typ, kid: signer.sig.kid }).sign(key);
}

/** The decoded protected header and payload of a compact JWS (E_FORMAT when they are not JSON objects). */
export function jwsParts(jws: string, what: string): { header: Obj; payload: unknown } {
  const [head = '', payload = ''] = jws.split('.');
  return { header: obj(json(decodeUtf8(head, `${what} header`), `${what} header`), `${what} header`), payload: json(decodeUtf8(payload, what), what) };
}

/** The fixed E_INTEGRITY unless `jws` has `alg` EdDSA, `typ`, `kid` = the key's thumbprint, and verifies under `key`. */
export async function verifyEdDSA(jws: string, header: Obj, typ: string, key: PublicOkpJwk): Promise<void> {
  if (header.alg !== 'EdDSA' || header.typ !== typ || header.kid !== key.kid || !thumbprintMatches(key)) throw integrityError();
  try {
    await compactVerify(jws, await importJWK({ kty: 'OKP', crv: 'Ed25519', x: key.x }, 'EdDSA'), { algorithms: ['EdDSA'] });
  } catch {
    throw integrityError();
  }
}

/** True when `kid` is the RFC 7638 SHA-256 thumbprint of the key (synchronous: no WebCrypto job per key). */
export function thumbprintMatches(j: PublicOkpJwk): boolean {
  return okpThumbprint(j) === j.kid;
}

function decodeUtf8(segment: string, at: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(base64url.decode(segment));
  } catch {
    throw formatError(`${at} is not base64url UTF-8`);
  }
}
