/**
 * The body: STREAM (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption and its
 * Nonce-Reuse Misuse-Resistance", CRYPTO 2015) over AES-256-GCM (NIST SP 800-38D) through WebCrypto.
 * Chunk i's nonce is prefix(7) || i as u32 big-endian || 1 if it is the last chunk else 0; its associated
 * data is the header digest.
 *
 * The content key is imported into WebCrypto once per body. WINDOW chunks are in flight at once: WebCrypto
 * runs each call on the host's thread pool, so both cores work while the main thread reads and writes. A
 * random-access source is read at each chunk's offset straight into a few reusable buffers (WebCrypto
 * copies its input when called, so a buffer is free again as soon as its chunk is handed over); a stream
 * source is read in order. Results are written strictly in order, each only once it authenticates, and
 * the last only once the source is known to end with it.
 *
 * Signed writes (format 2) add one thing, here in one place (`digestOf`): a writer records the SHA-256 of
 * each sealed chunk for its signature, and a reader checks each sealed chunk against the signed digest
 * before its plaintext is released. WebCrypto hashes on the same thread pool, alongside the decryption.
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import { integrityError, SensitivityError } from '../errors.js';
import type { ByteSink } from '../ports.js';
import type { ByteReader } from './io.js';
import { DIGEST_LENGTH, TAG_LENGTH } from './format.js';

/** Chunks in flight (read, in WebCrypto, or waiting to be written): 4 keeps two cores busy (docs/FORMAT.md §Chunk size). */
const WINDOW = 4;

/** What a body is encrypted under. */
export interface BodyParams {
  readonly contentKey: Uint8Array;
  readonly noncePrefix: Uint8Array;
  /** Associated data of every chunk: the header digest. */
  readonly aad: Uint8Array;
  readonly chunkSize: number;
  readonly plaintextLength: number;
  readonly chunkCount: number;
  /** Format 2, reading: the signed SHA-256 of every sealed chunk (chunkCount × 32 bytes), each checked before release. */
  readonly digests?: Uint8Array;
}

/** SHA-256 of a sealed chunk (ciphertext || tag), computed on WebCrypto's pool; `sealed` is copied at the call. */
async function digestOf(sealed: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', sealed as Uint8Array<ArrayBuffer>));
}

/** A body's chunk digests as a writer collects them (chunkCount × 32 bytes, in order). */
const newDigestList = (p: BodyParams): Uint8Array => new Uint8Array(p.chunkCount * DIGEST_LENGTH);

/** STREAM nonce for chunk `i` of `count`. */
export function chunkNonce(prefix: Uint8Array, i: number, count: number): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(12);
  nonce.set(prefix);
  new DataView(nonce.buffer).setUint32(7, i);
  nonce[11] = i === count - 1 ? 1 : 0;
  return nonce;
}

function plainLength(p: BodyParams, i: number): number {
  return i < p.chunkCount - 1 ? p.chunkSize : p.plaintextLength - (p.chunkCount - 1) * p.chunkSize;
}

const sealedLength = (p: BodyParams, i: number): number => plainLength(p, i) + TAG_LENGTH;

/** A body's content key as a non-extractable WebCrypto key with its parameters. */
interface BodyCipher {
  readonly key: CryptoKey;
  readonly p: BodyParams;
}

async function bodyCipher(p: BodyParams, usage: 'encrypt' | 'decrypt'): Promise<BodyCipher> {
  const key = await crypto.subtle.importKey('raw', p.contentKey as Uint8Array<ArrayBuffer>, 'AES-GCM', false, [usage]);
  return { key, p };
}

/** WebCrypto's AesGcmParams for chunk `i` (RFC 5116 nonce and associated data). */
const gcmParams = (c: BodyCipher, i: number) => ({
  name: 'AES-GCM',
  iv: chunkNonce(c.p.noncePrefix, i, c.p.chunkCount),
  additionalData: c.p.aad as Uint8Array<ArrayBuffer>,
});

/** Encrypts chunk `i`; `plain` is copied before this returns, so its buffer may be reused at once. */
async function sealChunk(c: BodyCipher, i: number, plain: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.encrypt(gcmParams(c, i), c.key, plain as Uint8Array<ArrayBuffer>));
}

/**
 * Decrypts and authenticates chunk `i` (copied before this returns), and checks it against its signed digest
 * when the body has them; any failure is the fixed E_INTEGRITY.
 */
async function openChunk(c: BodyCipher, i: number, sealed: Uint8Array): Promise<Uint8Array> {
  const digest = c.p.digests ? digestOf(sealed) : undefined;
  try {
    const plain = new Uint8Array(await crypto.subtle.decrypt(gcmParams(c, i), c.key, sealed as Uint8Array<ArrayBuffer>));
    if (digest && !equalBytes(await digest, c.p.digests!.subarray(i * DIGEST_LENGTH, (i + 1) * DIGEST_LENGTH))) throw integrityError();
    return plain;
  } catch {
    await digest?.catch(() => undefined);
    throw integrityError();
  }
}

/** Seals chunk `i` and records its digest in `digests`. */
async function sealRecorded(c: BodyCipher, i: number, plain: Uint8Array, digests: Uint8Array): Promise<Uint8Array> {
  const sealed = await sealChunk(c, i, plain);
  digests.set(await digestOf(sealed), i * DIGEST_LENGTH);
  return sealed;
}

/** Reads the `count` input pieces of a body: piece i is `lengthOf(i)` bytes; `short` is the error when the source disagrees. */
interface BodyInput {
  readonly count: number;
  lengthOf(i: number): number;
  short(): SensitivityError;
}

/**
 * Exactly the bytes of piece `i`, read into `buf` when that saves a copy. Random-access sources are read at
 * each piece's offset (several at once); streams in order. The last piece resolves only once nothing
 * follows it.
 */
function pieceReader(reader: ByteReader, input: BodyInput): (i: number, buf: Uint8Array) => Promise<Uint8Array> {
  const { count } = input;
  const full = input.lengthOf(0);
  const random = reader.randomAccess;
  if (random) {
    const base = reader.position;
    return async (i, buf) => {
      const at = base + i * full;
      const want = buf.subarray(0, input.lengthOf(i));
      if ((await random.readFully(want, at)) !== want.length) throw input.short();
      if (i === count - 1 && (await random.readFully(new Uint8Array(1), at + want.length)) !== 0) throw input.short();
      return want;
    };
  }
  let previous: Promise<unknown> = Promise.resolve();
  return (i, buf) => {
    const next = previous.then(async () => {
      const want = input.lengthOf(i);
      const piece = await reader.read(want, buf);
      if (piece.length !== want) throw input.short();
      if (i === count - 1 && !(await reader.atEnd())) throw input.short();
      return piece;
    });
    previous = next.catch(() => undefined);
    return next;
  };
}

/**
 * Runs every piece of `input` through `transform` (which must take its input before its first await), up
 * to WINDOW at once, and writes the results in order. On failure, waits for the pieces in flight (so none
 * rejects unobserved) and writes none of them.
 */
async function pipeline(
  reader: ByteReader,
  input: BodyInput,
  transform: (i: number, data: Uint8Array) => Promise<Uint8Array>,
  write: ((out: Uint8Array) => Promise<void>) | null,
): Promise<void> {
  const read = pieceReader(reader, input);
  const buffers: Uint8Array[] = [];
  const start = (i: number): Promise<Uint8Array> => {
    const buf = buffers.pop() ?? new Uint8Array(input.lengthOf(0));
    const job = read(i, buf).then((data) => {
      try {
        return transform(i, data);
      } finally {
        buffers.push(buf);
      }
    });
    job.catch(() => undefined); // observed now; awaited (and rethrown) in order below
    return job;
  };
  const inflight: Promise<Uint8Array>[] = [];
  let next = 0;
  try {
    while (next < input.count && inflight.length < WINDOW) inflight.push(start(next++));
    while (inflight.length > 0) {
      const out = await inflight.shift()!;
      if (next < input.count) inflight.push(start(next++));
      if (write) await write(out);
    }
  } catch (e) {
    await Promise.allSettled(inflight);
    throw e;
  }
}

const sealedInput = (p: BodyParams): BodyInput => ({ count: p.chunkCount, lengthOf: (i) => sealedLength(p, i), short: integrityError });

/**
 * Encrypts exactly `plaintextLength` bytes from `reader` into `sink`; E_IO if the source is shorter or longer.
 * Resolves to the sealed chunks' digests (for the write signature).
 */
export async function encryptBody(reader: ByteReader, sink: ByteSink, p: BodyParams): Promise<Uint8Array> {
  const changed = () => new SensitivityError('E_IO', 'the file changed while it was being protected; try again');
  if (reader.randomAccess && reader.randomAccess.size - reader.position !== p.plaintextLength) throw changed();
  const c = await bodyCipher(p, 'encrypt');
  const digests = newDigestList(p);
  await pipeline(
    reader,
    { count: p.chunkCount, lengthOf: (i) => plainLength(p, i), short: changed },
    (i, plain) => sealRecorded(c, i, plain, digests),
    (out) => sink.write(out),
  );
  return digests;
}

/** Decrypts the body into `sink` (or only authenticates it when `sink` is null). */
export async function decryptBody(reader: ByteReader, sink: ByteSink | null, p: BodyParams): Promise<void> {
  const c = await bodyCipher(p, 'decrypt');
  await pipeline(reader, sealedInput(p), (i, sealed) => openChunk(c, i, sealed), sink ? (out) => sink.write(out) : null);
}

/** Decrypts a body under `from` and re-encrypts it under `to` (same chunking), chunk by chunk; resolves to the new digests. */
export async function reencryptBody(reader: ByteReader, sink: ByteSink, from: BodyParams, to: BodyParams): Promise<Uint8Array> {
  if (from.chunkSize !== to.chunkSize || from.plaintextLength !== to.plaintextLength) throw new RangeError('re-encryption keeps the chunking');
  const [a, b] = await Promise.all([bodyCipher(from, 'decrypt'), bodyCipher(to, 'encrypt')]);
  const digests = newDigestList(to);
  await pipeline(
    reader,
    sealedInput(from),
    async (i, sealed) => sealRecorded(b, i, await openChunk(a, i, sealed), digests),
    (out) => sink.write(out),
  );
  return digests;
}
