/**
 * Deterministic inputs for the envelope vectors and tests: identities from fixed seeds, and random sources
 * that serve fixed bytes (and say whether all of them were used, which pins the consumption order).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { byteSourceOf, memorySink } from '../../src/core/envelope/index.js';
import { chunkCountOf, encodeHeader, encodeWriteBlock, readHeader, readWriteBlock, writeBlockLengthOf, type Metadata } from '../../src/core/envelope/format.js';
import { signWrite } from '../../src/core/envelope/write.js';
import { ByteReader } from '../../src/core/envelope/io.js';
import { bodyKeys, headerDigest } from '../../src/core/envelope/keys.js';
import { reencryptBody } from '../../src/core/envelope/stream.js';
import type { Identity } from '../../src/core/identity.js';
import type { RandomSource } from '../../src/core/ports.js';

const te = new TextEncoder();

// RFC 8410 PKCS#8 prefixes; the 32-byte private key follows.
const PKCS8 = {
  Ed25519: hexToBytes('302e020100300506032b657004220420'),
  X25519: hexToBytes('302e020100300506032b656e04220420'),
};

async function okpFromSeed(crv: 'Ed25519' | 'X25519', seed: Uint8Array) {
  const usages: KeyUsage[] = crv === 'Ed25519' ? ['sign'] : ['deriveBits'];
  const key = await crypto.subtle.importKey('pkcs8', concatBytes(PKCS8[crv], seed), { name: crv }, true, usages);
  const jwk = await exportJWK(key);
  const x = jwk.x as string;
  const kid = await calculateJwkThumbprint({ kty: 'OKP', crv, x }, 'sha256');
  return { kty: 'OKP' as const, crv, x, kid, d: jwk.d as string };
}

/** An identity whose keys are SHA-256("sensitivity test identity " + email + " sig|enc"). */
export async function seededIdentity(name: string, email: string, created = '2025-01-01T00:00:00.000Z'): Promise<Identity> {
  const sig = await okpFromSeed('Ed25519', sha256(te.encode(`sensitivity test identity ${email} sig`)));
  const enc = await okpFromSeed('X25519', sha256(te.encode(`sensitivity test identity ${email} enc`)));
  const { d: _sd, ...sigPub } = sig;
  const { d: _ed, ...encPub } = enc;
  return {
    v: 1,
    id: sig.kid,
    name,
    email,
    sig: sigPub as Identity['sig'],
    enc: encPub as Identity['enc'],
    created,
    sigPrivate: sig as Identity['sigPrivate'],
    encPrivate: enc as Identity['encPrivate'],
  };
}

/** A deterministic byte stream: SHA-256(seed || counter) blocks. Records what it served, for the vector file. */
export function drbg(seed: string): RandomSource & { served(): Uint8Array } {
  let counter = 0;
  let pool = new Uint8Array(0);
  const served: Uint8Array[] = [];
  const fn = (n: number): Uint8Array => {
    while (pool.length < n) {
      const c = new Uint8Array(4);
      new DataView(c.buffer).setUint32(0, counter++);
      pool = concatBytes(pool, sha256(concatBytes(te.encode(seed), c)));
    }
    const out = pool.slice(0, n);
    pool = pool.slice(n);
    served.push(out.slice()); // the caller owns (and wipes) what it is given
    return out;
  };
  return Object.assign(fn, { served: () => concatBytes(...served) });
}

/** Serves exactly the given bytes, in order; throws if asked for more. */
export function fixedRandom(hex: string): RandomSource & { remaining(): number } {
  const bytes = hexToBytes(hex);
  let at = 0;
  const fn = (n: number): Uint8Array => {
    if (at + n > bytes.length) throw new RangeError('fixed random source exhausted');
    const out = bytes.slice(at, at + n);
    at += n;
    return out;
  };
  return Object.assign(fn, { remaining: () => bytes.length - at });
}

export { bytesToHex, hexToBytes };

// ---- helpers shared by the envelope tests ----

/**
 * Test-only: rewrites an envelope's metadata as a holder of `fileKey` could (valid MAC, body re-encrypted),
 * and signs the write as `writer` (format 2: whoever rewrites a body signs it; readers judge whether they may).
 */
export async function reseal(envelope: Uint8Array, fileKey: Uint8Array, edit: (meta: Metadata) => Metadata, writer: Identity): Promise<Uint8Array> {
  const reader = new ByteReader(byteSourceOf(envelope));
  const raw = await readHeader(reader);
  const chunkCount = chunkCountOf(raw.plaintextLength, raw.chunkSize);
  const old = await readWriteBlock(reader, chunkCount);
  const params = (header: Uint8Array) => {
    const k = bodyKeys(fileKey, raw.salt);
    return {
      contentKey: k.contentKey,
      noncePrefix: k.noncePrefix,
      aad: headerDigest(header),
      chunkSize: raw.chunkSize,
      plaintextLength: raw.plaintextLength,
      chunkCount,
    };
  };
  const header = encodeHeader({ ...raw, metadata: edit(raw.metadata) }, bodyKeys(fileKey, raw.salt).macKey);
  const sink = memorySink();
  await sink.write(header);
  await sink.write(new Uint8Array(writeBlockLengthOf(chunkCount)));
  const digests = await reencryptBody(reader, sink, { ...params(raw.bytes), digests: old.digests }, params(header));
  await sink.writeAt(encodeWriteBlock({ digests, signature: await signWrite(writer, header, digests, new Date()) }), header.length);
  return sink.bytes();
}

/** Offsets of an envelope's parts (docs/FORMAT.md §Header): the bytes before the body (header, and in format 2 the write block), and each chunk. */
export function partsOf(envelope: Uint8Array, chunkSize: number): { headerLength: number; chunks: [number, number][] } {
  const view = new DataView(envelope.buffer, envelope.byteOffset);
  const metaLength = view.getUint32(86);
  const plaintextLength = Number(view.getBigUint64(14));
  const writeBlock = view.getUint16(8) === 2 ? writeBlockLengthOf(chunkCountOf(plaintextLength, chunkSize)) : 0;
  const headerLength = 90 + metaLength + 32 + writeBlock;
  const chunks: [number, number][] = [];
  for (let at = headerLength; at < envelope.length; at += chunkSize + 16) chunks.push([at, Math.min(envelope.length, at + chunkSize + 16)]);
  return { headerLength, chunks };
}
