/**
 * Envelope header bytes (docs/FORMAT.md §Header): a fixed binary part, the metadata JSON, and an
 * HMAC-SHA256 over both; in format 2 then the write block (chunk digests and the writer's signature).
 * Integers are big-endian.
 *
 *   0  8  magic "\x89SNS\r\n\x1a\n"       8  2  version = 2 (1 is still read)
 *  10  4  chunk size (plaintext bytes)    14  8  plaintext length
 *  22 32  HKDF salt                       54 32  key commitment
 *  86  4  metadata length n               90  n  metadata JSON (UTF-8)
 *  90+n 32 header MAC
 */
import { SensitivityError } from '../errors.js';
import { arr, B64U, COMPACT_JWS, formatError, json, obj, str } from './check.js';
import type { ByteReader } from './io.js';
import { COMMITMENT_LENGTH, headerMac, MAC_LENGTH, SALT_LENGTH } from './keys.js';
import { checkSlots, parseSlot, type Slot } from './slots.js';

/** PNG-style magic: the high byte and CR LF / ^Z catch 7-bit and newline-mangling transfers. */
export const MAGIC = Uint8Array.of(0x89, 0x53, 0x4e, 0x53, 0x0d, 0x0a, 0x1a, 0x0a);
/** The version written; format 1 is still read (docs/FORMAT.md §14). */
export const VERSION = 2;
const LEGACY_VERSION = 1;
export const FIXED_LENGTH = 90;
export const TAG_LENGTH = 16;
export const MIN_CHUNK_SIZE = 64;
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
/** Chosen by measurement (docs/FORMAT.md §Chunk size). */
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
export const MAX_METADATA_LENGTH = 1024 * 1024;
/** The STREAM counter is 32 bits. */
export const MAX_CHUNKS = 2 ** 32;

/** Visible, MAC-authenticated metadata. */
export interface Metadata {
  /** The inner file's name (no directories). */
  readonly name: string;
  /** The inner file's media type. */
  readonly type: string;
  /** The owner-signed policy, compact JWS. */
  readonly policy: string;
  /** Format 2: the policy versions this one replaces, oldest first (compact JWSs); absent in format 1. */
  readonly lineage?: readonly string[];
  /** Format 2, optional: witness receipts for policy versions of the chain (docs/FORMAT.md §16); absent when none. */
  readonly witness?: readonly WitnessEntry[];
  readonly slots: readonly Slot[];
}

/**
 * A witness's receipt for one policy version (docs/FORMAT.md §16): `pd` names the version (its policy digest),
 * `kind` the witness (readers skip kinds they do not know), `value` its receipt, opaque here.
 */
export interface WitnessEntry {
  readonly pd: string;
  readonly kind: string;
  readonly value: string;
}

/** A receipt's size limit: a compact JWS with a certificate chain fits easily. */
const MAX_WITNESS_VALUE = 64 * 1024;

export interface HeaderFields {
  readonly version: 1 | 2;
  readonly chunkSize: number;
  readonly plaintextLength: number;
  readonly salt: Uint8Array;
  readonly commitment: Uint8Array;
  readonly metadata: Metadata;
}

/** A header as read: its fields, all its bytes (MAC included) and the stored MAC. Nothing in it is verified. */
export interface RawHeader extends HeaderFields {
  readonly bytes: Uint8Array;
  readonly mac: Uint8Array;
}

/** Sizes of an envelope, all derived from authenticated header fields. */
export interface EnvelopeLayout {
  readonly version: 1 | 2;
  /** Bytes of the header (fixed part, metadata, MAC): what the MAC and every chunk's associated data cover. */
  readonly headerLength: number;
  /** Bytes of the write block after the header (format 2: chunk digests and the writer's signature; 0 in format 1). */
  readonly writeBlockLength: number;
  readonly chunkSize: number;
  /** Body chunks; at least 1 (an empty file has one empty final chunk). */
  readonly chunkCount: number;
  readonly plaintextLength: number;
  /** Total bytes of a complete envelope: compare with the file's size to catch truncation up front. */
  readonly envelopeLength: number;
}

export function chunkCountOf(plaintextLength: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(plaintextLength / chunkSize));
}

export function layoutOf(version: 1 | 2, headerLength: number, chunkSize: number, plaintextLength: number): EnvelopeLayout {
  const chunkCount = chunkCountOf(plaintextLength, chunkSize);
  const writeBlockLength = version === 1 ? 0 : writeBlockLengthOf(chunkCount);
  return {
    version,
    headerLength,
    writeBlockLength,
    chunkSize,
    chunkCount,
    plaintextLength,
    envelopeLength: headerLength + writeBlockLength + plaintextLength + chunkCount * TAG_LENGTH,
  };
}

/** Bytes reserved for the write signature (length-prefixed, zero-padded) after the chunk digests. */
export const WRITE_SIGNATURE_SPACE = 1024;
export const DIGEST_LENGTH = 32;

/** The write block: one SHA-256 per sealed chunk, then the signature space. */
export const writeBlockLengthOf = (chunkCount: number): number => chunkCount * DIGEST_LENGTH + WRITE_SIGNATURE_SPACE;

/** A write block: the chunk digests and the writer's signature over them and the header. */
export interface WriteBlock {
  readonly digests: Uint8Array;
  readonly signature: string;
}

/** Serializes a write block: digests || u16 signature length || signature (ASCII) || zero padding. */
export function encodeWriteBlock(block: WriteBlock): Uint8Array {
  const sig = new TextEncoder().encode(block.signature);
  if (sig.length > WRITE_SIGNATURE_SPACE - 2) throw new RangeError('the write signature does not fit its space');
  const out = new Uint8Array(block.digests.length + WRITE_SIGNATURE_SPACE);
  out.set(block.digests);
  new DataView(out.buffer).setUint16(block.digests.length, sig.length);
  out.set(sig, block.digests.length + 2);
  return out;
}

/**
 * The most chunks a format-2 body may have: its digests (32 bytes each) are held in memory while reading, so
 * the write block stays within 1 GiB (32 TiB of content at the default 1 MiB chunks).
 */
export const MAX_WRITTEN_CHUNKS = 2 ** 25;

/**
 * Reads the write block of a body of `chunkCount` chunks: E_FORMAT when beyond the format's limit, longer than
 * what the source still holds, or malformed. Nothing is allocated for bytes the source does not have.
 */
export async function readWriteBlock(reader: ByteReader, chunkCount: number): Promise<WriteBlock> {
  if (chunkCount > MAX_WRITTEN_CHUNKS) throw formatError('the content length is out of range');
  const length = writeBlockLengthOf(chunkCount);
  const random = reader.randomAccess;
  if (random && random.size - reader.position < length) throw formatError('the write block is truncated');
  const bytes = await reader.read(length);
  if (bytes.length < length) throw formatError('the write block is truncated');
  const at = chunkCount * DIGEST_LENGTH;
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint16(at);
  const end = at + 2 + n;
  if (end > bytes.length || bytes.subarray(end).some((b) => b !== 0)) throw formatError('the write signature is malformed');
  const signature = new TextDecoder().decode(bytes.subarray(at + 2, end));
  str(signature, 'the write signature', COMPACT_JWS, WRITE_SIGNATURE_SPACE);
  return { digests: bytes.slice(0, at), signature };
}

/** RangeError unless the chunk size and length fit the format (callers' mistakes, not bad input). */
export function checkSizes(chunkSize: number, plaintextLength: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunkSize must be an integer in [${MIN_CHUNK_SIZE}, ${MAX_CHUNK_SIZE}]`);
  }
  if (!Number.isSafeInteger(plaintextLength) || plaintextLength < 0 || chunkCountOf(plaintextLength, chunkSize) > MAX_WRITTEN_CHUNKS) {
    throw new RangeError('size must be a non-negative safe integer within 2^25 chunks');
  }
}

/** A file name, no directories: no separators, no control characters (it is shown in terminals), not "." or "..". */
export function isInnerName(name: string): boolean {
  if (name.length === 0 || name.length > 255 || name === '.' || name === '..') return false;
  return ![...name].some((c) => c === '/' || c === '\\' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}

/** Printable ASCII, as media types are. */
export function isMediaType(type: string): boolean {
  return type.length > 0 && type.length <= 255 && [...type].every((c) => c >= ' ' && c <= '~');
}

/**
 * Why the metadata does not fit, given its size without the history (lineage, witness): the grants alone
 * (E_USAGE), or the history of access changes (E_HISTORY_FULL: the format keeps every version, and cannot
 * drop the oldest).
 */
function metadataFull(withoutHistory: number): SensitivityError {
  if (withoutHistory > MAX_METADATA_LENGTH) return new SensitivityError('E_USAGE', 'too many grantees for one protected file (its header is limited to 1 MiB)');
  return new SensitivityError(
    'E_HISTORY_FULL',
    'its history of access changes has reached the 1 MiB the format allows, so this change cannot be recorded (nothing was changed)',
    undefined,
    { details: { hint: 'protect-anew' } },
  );
}

/** Serializes and MACs a header. */
export function encodeHeader(f: HeaderFields, macKey: Uint8Array): Uint8Array {
  const { name, type, policy, lineage, witness, slots } = f.metadata;
  const history = f.version === 2 ? { lineage: lineage ?? [], ...(witness && witness.length > 0 ? { witness } : {}) } : {};
  const meta = new TextEncoder().encode(JSON.stringify({ name, type, policy, ...history, slots }));
  if (meta.length > MAX_METADATA_LENGTH) {
    const withoutHistory = new TextEncoder().encode(JSON.stringify({ name, type, policy, ...(f.version === 2 ? { lineage: [] } : {}), slots })).length;
    throw metadataFull(withoutHistory);
  }
  const out = new Uint8Array(FIXED_LENGTH + meta.length + MAC_LENGTH);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint16(8, f.version);
  view.setUint32(10, f.chunkSize);
  view.setBigUint64(14, BigInt(f.plaintextLength));
  out.set(f.salt, 22);
  out.set(f.commitment, 54);
  view.setUint32(86, meta.length);
  out.set(meta, FIXED_LENGTH);
  out.set(headerMac(macKey, out.subarray(0, FIXED_LENGTH + meta.length)), FIXED_LENGTH + meta.length);
  return out;
}

/** Reads and shape-checks a header: E_FORMAT on anything malformed, E_UNSUPPORTED_VERSION on another version. */
export async function readHeader(reader: ByteReader): Promise<RawHeader> {
  const start = await reader.read(10);
  if (start.length < 10 || !MAGIC.every((b, i) => start[i] === b)) throw formatError('it does not start with the protected-file signature');
  const version = (start[8]! << 8) | start[9]!;
  if (version !== VERSION && version !== LEGACY_VERSION) {
    throw new SensitivityError(
      'E_UNSUPPORTED_VERSION',
      `protected-file format version ${version} is not supported (this tool reads version ${VERSION}); update it`,
    );
  }
  const rest = await reader.read(FIXED_LENGTH - 10);
  if (rest.length < FIXED_LENGTH - 10) throw formatError('the header is truncated');
  const fixed = new Uint8Array(FIXED_LENGTH);
  fixed.set(start);
  fixed.set(rest, 10);
  const view = new DataView(fixed.buffer);
  const chunkSize = view.getUint32(10);
  const length = view.getBigUint64(14);
  const metaLength = view.getUint32(86);
  if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) throw formatError('the chunk size is out of range');
  if (length > BigInt(Number.MAX_SAFE_INTEGER) || chunkCountOf(Number(length), chunkSize) > MAX_CHUNKS) throw formatError('the content length is out of range');
  if (metaLength > MAX_METADATA_LENGTH) throw formatError('the metadata is too long');
  const tail = await reader.read(metaLength + MAC_LENGTH);
  if (tail.length < metaLength + MAC_LENGTH) throw formatError('the header is truncated');
  const bytes = new Uint8Array(FIXED_LENGTH + tail.length);
  bytes.set(fixed);
  bytes.set(tail, FIXED_LENGTH);
  return {
    version: version as 1 | 2,
    chunkSize,
    plaintextLength: Number(length),
    salt: bytes.slice(22, 22 + SALT_LENGTH),
    commitment: bytes.slice(54, 54 + COMMITMENT_LENGTH),
    metadata: parseMetadata(tail.subarray(0, metaLength), version),
    bytes,
    mac: bytes.slice(FIXED_LENGTH + metaLength),
  };
}

function parseMetadata(raw: Uint8Array, version: 1 | 2): Metadata {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw formatError('the metadata is not UTF-8');
  }
  const o = obj(json(text, 'the metadata'), 'the metadata');
  const name = str(o.name, 'the inner file name', { test: isInnerName });
  const type = str(o.type, 'the content type', { test: isMediaType });
  const policy = str(o.policy, 'the policy', COMPACT_JWS, MAX_METADATA_LENGTH);
  const lineage = version === 2 ? arr(o.lineage, 'the lineage').map((p, i) => str(p, `lineage ${i}`, COMPACT_JWS, MAX_METADATA_LENGTH)) : undefined;
  const witness =
    version === 2 && o.witness !== undefined ? arr(o.witness, 'the witness receipts').map((w, i) => parseWitness(w, `witness receipt ${i}`)) : undefined;
  const slots = arr(o.slots, 'the slots').map((s, i) => parseSlot(s, `slot ${i}`));
  checkSlots(slots);
  return { name, type, policy, ...(lineage ? { lineage } : {}), ...(witness ? { witness } : {}), slots };
}

function parseWitness(v: unknown, at: string): WitnessEntry {
  const o = obj(v, at);
  return {
    pd: str(o.pd, `${at}.pd`, B64U, 43),
    kind: str(o.kind, `${at}.kind`, undefined, 64),
    value: str(o.value, `${at}.value`, undefined, MAX_WITNESS_VALUE),
  };
}
