/**
 * Recipient slots: the file key wrapped to each grantee. Kind "x25519-jwe" is a compact JWE (RFC 7516)
 * with `alg: "ECDH-ES+A256KW"` (RFC 7518 §4.6, X25519 per RFC 8037) and `enc: "A256GCM"`. Other kinds
 * (passphrase, hardware token, key service) may follow; readers skip kinds they do not know.
 */
import { CompactEncrypt, compactDecrypt, importJWK } from 'jose';
import { integrityError } from '../errors.js';
import type { PrivateOkpJwk, PublicOkpJwk } from '../identity.js';
import type { RandomSource } from '../ports.js';
import { COMPACT_JWE, formatError, obj, shallow, str } from './check.js';
import { FILE_KEY_LENGTH } from './keys.js';

export const X25519_JWE = 'x25519-jwe';

/** A slot this version can use. */
export interface X25519Slot {
  readonly kind: typeof X25519_JWE;
  /** RFC 7638 thumbprint of the recipient's X25519 key. */
  readonly kid: string;
  readonly jwe: string;
}

/** A slot of a kind this version does not know: kept as read (it is authenticated with the header), never used. */
export interface OtherSlot {
  readonly kind: string;
  readonly [field: string]: unknown;
}

export type Slot = X25519Slot | OtherSlot;

export function isX25519Slot(s: Slot): s is X25519Slot {
  return s.kind === X25519_JWE;
}

/** How deep an unknown slot kind may nest (a key-service slot needs 2 or 3). */
const MAX_SLOT_DEPTH = 16;

/** Checks one slot's shape; unknown kinds only need a `kind` and a sane depth. */
export function parseSlot(v: unknown, at: string): Slot {
  const o = obj(v, at);
  const kind = str(o.kind, `${at}.kind`);
  if (kind !== X25519_JWE) {
    shallow(o, at, MAX_SLOT_DEPTH);
    return { ...o, kind };
  }
  return { kind, kid: str(o.kid, `${at}.kid`, /^[A-Za-z0-9_-]{43}$/), jwe: str(o.jwe, `${at}.jwe`, COMPACT_JWE, 4096) };
}

// RFC 8410 PKCS#8 prefix of an X25519 private key; the 32 bytes that follow are the key itself.
const X25519_PKCS8_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20);

/**
 * Wraps the file key to `recipient`. The ephemeral key, content key and IV come from `random` (in that
 * order: 32, 32, 12 bytes) rather than from jose, so that test vectors can fix them.
 */
export async function wrapSlot(fileKey: Uint8Array, recipient: PublicOkpJwk, random: RandomSource): Promise<X25519Slot> {
  const pkcs8 = new Uint8Array(X25519_PKCS8_PREFIX.length + 32);
  pkcs8.set(X25519_PKCS8_PREFIX);
  pkcs8.set(random(32), X25519_PKCS8_PREFIX.length);
  const epk = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, true, ['deriveBits']);
  pkcs8.fill(0);
  const key = await importJWK({ kty: 'OKP', crv: 'X25519', x: recipient.x }, 'ECDH-ES+A256KW');
  // The setters below are marked "for testing and vector validation": we use them so that every byte
  // of an envelope comes from one injectable RandomSource, the system CSPRNG outside tests.
  const jwe = await new CompactEncrypt(fileKey)
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: recipient.kid })
    .setKeyManagementParameters({ epk })
    .setContentEncryptionKey(random(32))
    .setInitializationVector(random(12))
    .encrypt(key);
  return { kind: X25519_JWE, kid: recipient.kid, jwe };
}

/** Unwraps a slot with the recipient's private key; any failure is the fixed E_INTEGRITY. */
export async function unwrapSlot(slot: X25519Slot, recipient: PrivateOkpJwk): Promise<Uint8Array> {
  let fileKey: Uint8Array;
  try {
    const key = await importJWK({ kty: 'OKP', crv: 'X25519', x: recipient.x, d: recipient.d }, 'ECDH-ES+A256KW');
    const r = await compactDecrypt(slot.jwe, key, { keyManagementAlgorithms: ['ECDH-ES+A256KW'], contentEncryptionAlgorithms: ['A256GCM'] });
    fileKey = r.plaintext;
  } catch {
    throw integrityError();
  }
  if (fileKey.length !== FILE_KEY_LENGTH) throw integrityError();
  return fileKey;
}

/** E_FORMAT when two usable slots name the same key (a reader could not tell which to use). */
export function checkSlots(slots: readonly Slot[]): void {
  const kids = slots.filter(isX25519Slot).map((s) => s.kid);
  if (new Set(kids).size !== kids.length) throw formatError('two slots name the same key');
}
