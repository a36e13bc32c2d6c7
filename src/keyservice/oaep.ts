/**
 * RSAES-OAEP decoding with SHA-256 and MGF1-SHA-256 (RFC 8017 §7.1.2 step 3), for tokens that only do raw
 * RSA (`CKM_RSA_X_509`): the private-key operation runs in the token, this undoes the padding. Every
 * failure does the same work and returns the same `undefined` — no early exit on the leading byte, the
 * label hash or the separator (Manger, CRYPTO 2001), so a caller cannot tell why a value did not decode.
 */
import { hash, timingSafeEqual } from 'node:crypto';

const H_LEN = 32;

/** MGF1 with SHA-256 (RFC 8017 §B.2.1); one-shot hashes of seed || counter (no Hash object per block). */
function mgf1(seed: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(Math.ceil(length / H_LEN) * H_LEN);
  const input = Buffer.alloc(seed.length + 4);
  input.set(seed);
  for (let i = 0; i * H_LEN < length; i++) {
    input.writeUInt32BE(i, seed.length);
    out.set(hash('sha256', input, 'buffer'), i * H_LEN);
  }
  return out.subarray(0, length);
}

/**
 * The message inside `em` (the raw RSA output, k bytes; shorter means leading zero bytes were dropped),
 * for the OAEP label `label`; undefined when it is not a valid encoding, whatever the reason.
 */
export function oaepSha256Decode(em: Uint8Array, k: number, label: Uint8Array): Buffer | undefined {
  if (k < 2 * H_LEN + 2 || em.length > k) return undefined; // public facts (sizes), not secrets
  const padded = Buffer.alloc(k);
  padded.set(em, k - em.length);
  const y = padded[0]!;
  const maskedSeed = padded.subarray(1, 1 + H_LEN);
  const maskedDb = padded.subarray(1 + H_LEN);
  const seed = Buffer.from(maskedSeed);
  const seedMask = mgf1(maskedDb, H_LEN);
  for (let i = 0; i < H_LEN; i++) seed[i]! ^= seedMask[i]!;
  const db = mgf1(seed, k - H_LEN - 1);
  for (let i = 0; i < db.length; i++) db[i]! ^= maskedDb[i]!;
  // bad accumulates every failure as a non-zero bit; nothing below branches on secret data.
  let bad = y | (timingSafeEqual(db.subarray(0, H_LEN), hash('sha256', label, 'buffer')) ? 0 : 1);
  // Find the first 0x01 after the zero padding: `looking` stays 1 until it is found.
  let looking = 1;
  let index = 0;
  for (let i = H_LEN; i < db.length; i++) {
    const b = db[i]!;
    const isOne = ((b ^ 1) - 1) >>> 31; // 1 when b === 1
    const isZero = (b - 1) >>> 31; // 1 when b === 0
    index |= (looking & isOne) * i;
    bad |= looking & (1 - isZero) & (1 - isOne); // a byte other than 0 or 1 before the separator
    looking &= 1 - isOne;
  }
  bad |= looking; // no separator at all
  return bad === 0 ? db.subarray(index + 1) : undefined;
}
