/**
 * Signed writes (format 2, docs/FORMAT.md §5a): whoever writes a body signs, as a compact JWS (EdDSA, RFC
 * 8037), the digest of the header and the digest of the list of per-chunk ciphertext digests. The list
 * sits in the write block right after the header, so a reader checks one signature before the body and
 * then each chunk against its digest as it streams: no second pass.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '@noble/ciphers/utils.js';
import { base64url } from 'jose';
import { integrityError } from '../errors.js';
import type { Identity, PublicIdentity } from '../identity.js';
import { formatError, int, obj, str } from './check.js';
import { ID, jwsParts, signEdDSA, verifyEdDSA } from './jws.js';

/** JWS `typ` of a write signature: no policy or other document signed by the same key passes for one. */
export const WRITE_TYP = 'sensitivity-write+json';

/** The write claims: who wrote (their Ed25519 key), when, over which header and body. */
export interface WriteClaims {
  readonly v: 2;
  /** b64u SHA-256 of the header bytes [0, H), MAC included (the body's associated data). */
  readonly hdr: string;
  /** b64u SHA-256 of the chunk digest list (N × 32 bytes). */
  readonly chunks: string;
  readonly iat: number;
  /** The writer's Ed25519 public key; its thumbprint is their identity id. */
  readonly sig: PublicIdentity['sig'];
}

/** Signs a write (deterministic, like every Ed25519 signature). */
export async function signWrite(writer: Identity, header: Uint8Array, digests: Uint8Array, now: Date): Promise<string> {
  const claims: WriteClaims = {
    v: 2,
    hdr: base64url.encode(sha256(header)),
    chunks: base64url.encode(sha256(digests)),
    iat: Math.floor(now.getTime() / 1000),
    sig: { kty: 'OKP', crv: 'Ed25519', x: writer.sig.x, kid: writer.sig.kid },
  };
  return signEdDSA(claims, WRITE_TYP, writer);
}

/**
 * Verifies a write signature against the header and digest list it must cover; any mismatch is the fixed
 * E_INTEGRITY (shape errors are E_FORMAT). Whether the writer may write is the caller's decision.
 */
export async function verifyWrite(jws: string, header: Uint8Array, digests: Uint8Array): Promise<WriteClaims> {
  const { header: h, payload } = jwsParts(jws, 'the write signature');
  const o = obj(payload, 'write claims');
  const s = obj(o.sig, 'write.sig');
  if (o.v !== 2 || s.kty !== 'OKP' || s.crv !== 'Ed25519') throw formatError('the write signature is malformed');
  const claims: WriteClaims = {
    v: 2,
    hdr: str(o.hdr, 'write.hdr', ID),
    chunks: str(o.chunks, 'write.chunks', ID),
    iat: int(o.iat, 'write.iat'),
    sig: { kty: 'OKP', crv: 'Ed25519', x: str(s.x, 'write.sig.x', ID), kid: str(s.kid, 'write.sig.kid', ID) },
  };
  await verifyEdDSA(jws, h, WRITE_TYP, claims.sig);
  if (!equalBytes(base64url.decode(claims.hdr), sha256(header)) || !equalBytes(base64url.decode(claims.chunks), sha256(digests))) throw integrityError();
  return claims;
}
