/**
 * The ZIP container of Office Open XML packages (APPNOTE.TXT §4.3): the central directory read, parts
 * inflated with a bound (fflate does the DEFLATE), and a rewrite that copies every entry it does not change
 * byte for byte — local header, compressed data and data descriptor as they were — so a label written into
 * a document changes only the parts that carry it.
 */
import { concatBytes } from '@noble/ciphers/utils.js';
import { Inflate, zipSync } from 'fflate';
import { documentError } from './formats.js';

/** One entry of the central directory. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly flags: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localOffset: number;
  /** The entry's central directory record, as found. */
  readonly central: Uint8Array;
}

/** A parsed package: its bytes and entries in central directory order. */
export interface ZipArchive {
  readonly bytes: Uint8Array;
  readonly entries: readonly ZipEntry[];
  /** Offset of the central directory (where the last local record ends). */
  readonly centralOffset: number;
  /** The end-of-central-directory comment, kept on rewrite. */
  readonly comment: Uint8Array;
}

/** Bounds on inflating a part: a zip bomb is refused, not expanded. */
export interface InflateLimits {
  /** Largest part, inflated (bytes). */
  readonly maxPartBytes: number;
  /** Largest inflated/compressed ratio once a part passes 1 MiB (DEFLATE's own limit is about 1032). */
  readonly maxRatio: number;
}

export const DEFAULT_INFLATE_LIMITS: InflateLimits = { maxPartBytes: 64 << 20, maxRatio: 200 };

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;
const utf8 = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

const u16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

/** True when the bytes start like a ZIP file (a local header, or an empty archive's end record). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && (u32(bytes, 0) === LOCAL || u32(bytes, 0) === EOCD);
}

/** Reads the central directory; E_DOCUMENT_INVALID when it is missing, truncated or inconsistent, E_DOCUMENT_ENCRYPTED for encrypted entries. */
export function readZip(bytes: Uint8Array): ZipArchive {
  const bad = (why: string) => documentError('E_DOCUMENT_INVALID', `not a readable ZIP package: ${why}`);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - MAX_COMMENT); i--) {
    if (u32(bytes, i) === EOCD && i + 22 + u16(bytes, i + 20) === bytes.length) {
      end = i;
      break;
    }
  }
  if (end < 0) throw bad('no end of central directory (truncated?)');
  const count = u16(bytes, end + 10);
  const centralSize = u32(bytes, end + 12);
  const centralOffset = u32(bytes, end + 16);
  if (count === 0xffff || centralOffset === 0xffffffff) throw bad('ZIP64 packages are not supported');
  if (u16(bytes, end + 4) !== 0 || u16(bytes, end + 6) !== 0) throw bad('multi-disk archives are not supported');
  if (centralOffset + centralSize !== end) throw bad('central directory does not end where the end record says');
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let at = centralOffset;
  for (let k = 0; k < count; k++) {
    if (at + 46 > end || u32(bytes, at) !== CENTRAL) throw bad('central directory record out of place');
    const nameLength = u16(bytes, at + 28);
    const recordLength = 46 + nameLength + u16(bytes, at + 30) + u16(bytes, at + 32);
    if (at + recordLength > end) throw bad('central directory record runs past its end');
    const entry: ZipEntry = {
      name: utf8.decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      flags: u16(bytes, at + 8),
      method: u16(bytes, at + 10),
      compressedSize: u32(bytes, at + 20),
      size: u32(bytes, at + 24),
      localOffset: u32(bytes, at + 42),
      central: bytes.subarray(at, at + recordLength),
    };
    if (entry.flags & 1) throw documentError('E_DOCUMENT_ENCRYPTED', 'the package has encrypted entries');
    if (entry.localOffset + 30 > centralOffset || u32(bytes, entry.localOffset) !== LOCAL) throw bad(`no local header for ${entry.name}`);
    const dataEnd = dataOffset(bytes, entry) + entry.compressedSize;
    if (dataEnd > centralOffset) throw bad(`${entry.name} runs past the central directory`);
    if (names.has(entry.name.toLowerCase())) throw bad(`${entry.name} appears twice`);
    names.add(entry.name.toLowerCase());
    entries.push(entry);
    at += recordLength;
  }
  if (at !== end) throw bad('central directory size does not match its records');
  return { bytes, entries, centralOffset, comment: new Uint8Array(bytes.subarray(end + 22)) };
}

function dataOffset(bytes: Uint8Array, e: ZipEntry): number {
  return e.localOffset + 30 + u16(bytes, e.localOffset + 26) + u16(bytes, e.localOffset + 28);
}

/** The entry named `name` (part names compare without case, as OPC says), if any. */
export function findEntry(zip: ZipArchive, name: string): ZipEntry | undefined {
  const lower = name.toLowerCase();
  return zip.entries.find((e) => e.name.toLowerCase() === lower);
}

/**
 * The inflated bytes of `entry`, refused (E_DOCUMENT_LIMIT) when they pass `limits.maxPartBytes` or expand
 * more than `limits.maxRatio` times: output is counted as it comes, 16 KiB of input at a time, so a bomb
 * costs at most a few MiB before it is stopped.
 */
export function inflateEntry(zip: ZipArchive, entry: ZipEntry, limits: InflateLimits = DEFAULT_INFLATE_LIMITS): Uint8Array {
  const start = dataOffset(zip.bytes, entry);
  const data = zip.bytes.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) {
    if (data.length > limits.maxPartBytes) throw documentError('E_DOCUMENT_LIMIT', `${entry.name} is larger than ${limits.maxPartBytes >> 20} MiB`);
    return data;
  }
  if (entry.method !== 8) throw documentError('E_DOCUMENT_INVALID', `${entry.name} uses an unsupported compression method (${entry.method})`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const limit = Math.min(limits.maxPartBytes, Math.max(1 << 20, data.length * limits.maxRatio));
  const inflater = new Inflate((chunk) => {
    total += chunk.length;
    if (total > limit) {
      const why = total > limits.maxPartBytes ? `larger than ${limits.maxPartBytes >> 20} MiB` : `expands more than ${limits.maxRatio} times (a zip bomb?)`;
      throw documentError('E_DOCUMENT_LIMIT', `${entry.name} ${why}`);
    }
    chunks.push(chunk);
  });
  try {
    const STEP = 16 << 10;
    for (let i = 0; i < data.length; i += STEP) inflater.push(data.subarray(i, Math.min(data.length, i + STEP)), i + STEP >= data.length);
    if (data.length === 0) inflater.push(data, true);
  } catch (e) {
    if (e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('E_DOCUMENT')) throw e;
    throw documentError('E_DOCUMENT_INVALID', `${entry.name} does not inflate (corrupt or truncated)`);
  }
  return concatBytes(...chunks);
}

/** A part's text (UTF-8, BOM dropped), bounded as `inflateEntry`. */
export function entryText(zip: ZipArchive, entry: ZipEntry, limits?: InflateLimits): string {
  const text = utf8.decode(inflateEntry(zip, entry, limits));
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parts to change: a name mapped to its new text, or null to drop it. Names not in the archive are added. */
export type ZipChanges = ReadonlyMap<string, string | null>;

/**
 * The archive with `changes` applied: unchanged entries copied byte for byte (local record and central
 * record, only the offset patched), changed ones deflated anew in place, added ones at the end.
 */
export function rewriteZip(zip: ZipArchive, changes: ZipChanges, now: Date): Uint8Array {
  const byLower = new Map([...changes].map(([k, v]) => [k.toLowerCase(), { name: k, text: v }]));
  const ordered = [...zip.entries].sort((a, b) => a.localOffset - b.localOffset);
  const ends = new Map(ordered.map((e, i) => [e, i + 1 < ordered.length ? ordered[i + 1]!.localOffset : zip.centralOffset]));
  const locals: Uint8Array[] = [];
  const centrals = new Map<ZipEntry | string, Uint8Array>();
  let offset = 0;
  const put = (chunk: Uint8Array) => {
    locals.push(chunk);
    offset += chunk.length;
  };
  if (ordered.length > 0 && ordered[0]!.localOffset > 0) put(zip.bytes.subarray(0, ordered[0]!.localOffset));
  const written = new Set<string>();
  for (const e of ordered) {
    const change = byLower.get(e.name.toLowerCase());
    if (change === undefined) {
      const central = new Uint8Array(e.central); // a copy (Buffer.slice would share)
      setU32(central, 42, offset);
      centrals.set(e, central);
      put(zip.bytes.subarray(e.localOffset, ends.get(e)));
    } else {
      written.add(e.name.toLowerCase());
      if (change.text === null) continue;
      const { local, central } = freshEntry(e.name, change.text, offset, now);
      centrals.set(e, central);
      put(local);
    }
  }
  const added: Uint8Array[] = [];
  for (const [lower, change] of byLower) {
    if (written.has(lower) || change.text === null) continue;
    const { local, central } = freshEntry(change.name, change.text, offset, now);
    added.push(central);
    put(local);
  }
  const centralStart = offset;
  const centralRecords = [...zip.entries.map((e) => centrals.get(e)).filter((c): c is Uint8Array => c !== undefined), ...added];
  for (const c of centralRecords) put(c);
  const eocd = new Uint8Array(22);
  setU32(eocd, 0, EOCD);
  setU16(eocd, 8, centralRecords.length);
  setU16(eocd, 10, centralRecords.length);
  setU32(eocd, 12, offset - centralStart);
  setU32(eocd, 16, centralStart);
  setU16(eocd, 20, zip.comment.length);
  put(eocd);
  put(zip.comment);
  if (offset > 0xfffffff0) throw documentError('E_DOCUMENT_LIMIT', 'the package would need ZIP64');
  return concatBytes(...locals);
}

function setU16(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
}
function setU32(b: Uint8Array, at: number, v: number): void {
  setU16(b, at, v & 0xffff);
  setU16(b, at + 2, v >>> 16);
}

/** A new deflated entry, made by fflate as a one-entry archive: its local record and its central record (offset set). */
function freshEntry(name: string, text: string, offset: number, now: Date): { local: Uint8Array; central: Uint8Array } {
  const single = readZip(zipSync({ [name]: [encoder.encode(text), { level: 6, mtime: now }] }));
  const central = new Uint8Array(single.entries[0]!.central);
  setU32(central, 42, offset);
  return { local: single.bytes.subarray(0, single.centralOffset), central };
}
