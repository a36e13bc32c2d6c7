/**
 * The body: STREAM (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption and its
 * Nonce-Reuse Misuse-Resistance", CRYPTO 2015) over AES-256-GCM (NIST SP 800-38D) through WebCrypto.
 * Chunk i's nonce is prefix(7) || i as u32 big-endian || 1 if it is the last chunk else 0; its associated
 * data is the header digest. A few chunks are in flight at once (WebCrypto works off the main thread);
 * they are written strictly in order and only once authenticated.
 */
import { gcm } from '@noble/ciphers/webcrypto.js';
import { integrityError, SensitivityError } from '../errors.js';
import type { ByteSink } from '../ports.js';
import type { ByteReader } from './io.js';
import { TAG_LENGTH } from './format.js';

/** Chunks in flight: 3 keeps two cores busy while I/O proceeds (docs/FORMAT.md §Chunk size). */
const WINDOW = 3;

/** What a body is encrypted under. */
export interface BodyParams {
  readonly contentKey: Uint8Array;
  readonly noncePrefix: Uint8Array;
  /** Associated data of every chunk: the header digest. */
  readonly aad: Uint8Array;
  readonly chunkSize: number;
  readonly plaintextLength: number;
  readonly chunkCount: number;
}

/** STREAM nonce for chunk `i` of `count`. */
export function chunkNonce(prefix: Uint8Array, i: number, count: number): Uint8Array {
  const nonce = new Uint8Array(12);
  nonce.set(prefix);
  new DataView(nonce.buffer).setUint32(7, i);
  nonce[11] = i === count - 1 ? 1 : 0;
  return nonce;
}

function plainLength(p: BodyParams, i: number): number {
  return i < p.chunkCount - 1 ? p.chunkSize : p.plaintextLength - (p.chunkCount - 1) * p.chunkSize;
}

export function encryptChunk(p: BodyParams, i: number, plain: Uint8Array): Promise<Uint8Array> {
  return gcm(p.contentKey, chunkNonce(p.noncePrefix, i, p.chunkCount), p.aad).encrypt(plain);
}

/** Decrypts and authenticates one chunk; any failure is the fixed E_INTEGRITY. */
export async function decryptChunk(p: BodyParams, i: number, sealed: Uint8Array): Promise<Uint8Array> {
  try {
    return await gcm(p.contentKey, chunkNonce(p.noncePrefix, i, p.chunkCount), p.aad).decrypt(sealed);
  } catch {
    throw integrityError();
  }
}

/**
 * Reads `count` chunks, transforms up to WINDOW of them concurrently, writes results in order. On failure,
 * waits for the chunks in flight (so none rejects unobserved) and writes none of them.
 */
async function pipeline(
  count: number,
  read: (i: number) => Promise<Uint8Array>,
  transform: (i: number, data: Uint8Array) => Promise<Uint8Array>,
  write: ((out: Uint8Array) => Promise<void>) | null,
): Promise<void> {
  const inflight: Promise<Uint8Array>[] = [];
  const drainOne = async (): Promise<void> => {
    const out = await inflight.shift()!;
    if (write) await write(out);
  };
  try {
    for (let i = 0; i < count; i++) {
      const job = transform(i, await read(i));
      job.catch(() => undefined); // observed now; awaited (and rethrown) in order below
      inflight.push(job);
      if (inflight.length >= WINDOW) await drainOne();
    }
    while (inflight.length > 0) await drainOne();
  } catch (e) {
    await Promise.allSettled(inflight);
    throw e;
  }
}

/** Reads exactly the sealed bytes of chunk `i`; a short read is truncation (E_INTEGRITY). */
function sealedReader(reader: ByteReader, p: BodyParams): (i: number) => Promise<Uint8Array> {
  return async (i) => {
    const want = plainLength(p, i) + TAG_LENGTH;
    const sealed = await reader.read(want);
    if (sealed.length !== want) throw integrityError();
    return sealed;
  };
}

/** E_INTEGRITY when bytes follow the final chunk. */
async function expectEnd(reader: ByteReader): Promise<void> {
  if (!(await reader.atEnd())) throw integrityError();
}

/** Encrypts exactly `plaintextLength` bytes from `reader` into `sink`; E_IO if the source is shorter or longer. */
export async function encryptBody(reader: ByteReader, sink: ByteSink, p: BodyParams): Promise<void> {
  const changed = () => new SensitivityError('E_IO', 'the file changed while it was being protected; try again');
  await pipeline(
    p.chunkCount,
    async (i) => {
      const want = plainLength(p, i);
      const plain = await reader.read(want);
      if (plain.length !== want) throw changed();
      return plain;
    },
    (i, plain) => encryptChunk(p, i, plain),
    (out) => sink.write(out),
  );
  if (!(await reader.atEnd())) throw changed();
}

/** Decrypts the body into `sink` (or only authenticates it when `sink` is null). */
export async function decryptBody(reader: ByteReader, sink: ByteSink | null, p: BodyParams): Promise<void> {
  await pipeline(p.chunkCount, sealedReader(reader, p), (i, sealed) => decryptChunk(p, i, sealed), sink ? (out) => sink.write(out) : null);
  await expectEnd(reader);
}

/** Decrypts a body under `from` and re-encrypts it under `to` (same chunking), chunk by chunk. */
export async function reencryptBody(reader: ByteReader, sink: ByteSink, from: BodyParams, to: BodyParams): Promise<void> {
  if (from.chunkSize !== to.chunkSize || from.plaintextLength !== to.plaintextLength) throw new RangeError('re-encryption keeps the chunking');
  await pipeline(
    from.chunkCount,
    sealedReader(reader, from),
    async (i, sealed) => encryptChunk(to, i, await decryptChunk(from, i, sealed)),
    (out) => sink.write(out),
  );
  await expectEnd(reader);
}
