/**
 * The envelope's key schedule (RFC 5869 HKDF-SHA256, RFC 2104 HMAC-SHA256): every key is derived from the
 * random file key, which never touches data directly. See docs/FORMAT.md §Keys.
 */
import { expand, extract, hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

export const FILE_KEY_LENGTH = 32;
export const SALT_LENGTH = 32;
export const COMMITMENT_LENGTH = 32;
export const MAC_LENGTH = 32;
export const NONCE_PREFIX_LENGTH = 7;

const te = new TextEncoder();
const INFO = {
  commitment: te.encode('sensitivity-envelope-v1 key commitment'),
  content: te.encode('sensitivity-envelope-v1 content key'),
  mac: te.encode('sensitivity-envelope-v1 header mac key'),
  nonce: te.encode('sensitivity-envelope-v1 nonce prefix'),
};

/** The per-body keys: a fresh salt gives fresh ones, so a body is never encrypted twice under one key. */
export interface BodyKeys {
  readonly contentKey: Uint8Array;
  readonly macKey: Uint8Array;
  readonly noncePrefix: Uint8Array;
}

/**
 * Commitment to the file key alone (salt-free, so a policy signed over it survives re-encryption with the
 * same key): HKDF-SHA256(ikm = file key, salt = none, info = "… key commitment").
 */
export function keyCommitment(fileKey: Uint8Array): Uint8Array {
  return hkdf(sha256, fileKey, undefined, INFO.commitment, COMMITMENT_LENGTH);
}

/** Content key, header MAC key and nonce prefix: HKDF-Expand(HKDF-Extract(salt, file key), info) (RFC 5869 §2). */
export function bodyKeys(fileKey: Uint8Array, salt: Uint8Array): BodyKeys {
  const prk = extract(sha256, fileKey, salt);
  return {
    contentKey: expand(sha256, prk, INFO.content, 32),
    macKey: expand(sha256, prk, INFO.mac, MAC_LENGTH),
    noncePrefix: expand(sha256, prk, INFO.nonce, NONCE_PREFIX_LENGTH),
  };
}

/** HMAC-SHA256 of the header bytes before the MAC field. */
export function headerMac(macKey: Uint8Array, header: Uint8Array): Uint8Array {
  return hmac(sha256, macKey, header);
}

/** SHA-256 of the whole header (MAC included): the associated data of every body chunk. */
export function headerDigest(header: Uint8Array): Uint8Array {
  return sha256(header);
}
