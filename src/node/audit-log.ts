/**
 * Node adapter for the core's audit sink (shared by the CLI and the extension host): appends
 * hash-chained entries to the log file under `withLock`, so concurrent writers — even with a lock left
 * by a killed one — keep one chain. It fails closed: an entry that cannot be written is an error with a
 * stable code (E_LOCKED, E_AUDIT_BROKEN, E_IO), for the caller to fail the operation (docs/AUDIT.md).
 */
import { constants as fsc, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { SensitivityError, isSensitivityError } from '../core/errors.js';
import { createAuditEntry, tornLineRepair, type AuditEvent } from '../core/index.js';
import { withLock } from './lock.js';

/** The log is read backwards from its end in blocks of this size, as far as its last line needs. */
const BLOCK = 64 * 1024;
const LF = 0x0a;

/** The end of the log: its last complete line, and a torn tail after it (a write cut short by a crash). */
interface Tail {
  /** The last complete line (without its line ending); undefined for an empty log. */
  readonly last?: string;
  /** Where the next entry goes: the end of the last complete line. */
  readonly end: number;
  /** Bytes after the last line feed that are not a whole entry, to cut and record. */
  readonly torn?: Uint8Array;
  /** The log ends with a whole entry but no line feed: write one first. */
  readonly needsLf: boolean;
}

async function readAt(h: fs.FileHandle, buf: Buffer, pos: number): Promise<void> {
  for (let off = 0; off < buf.length;) {
    const { bytesRead } = await h.read(buf, off, buf.length - off, pos + off);
    if (bytesRead === 0) throw new SensitivityError('E_IO', 'the audit log shrank while it was locked');
    off += bytesRead;
  }
}

/** Reads back from the end until the last two line feeds (or the start): the last line, whatever its size. */
async function readTail(h: fs.FileHandle, size: number): Promise<Tail> {
  const blocks: Buffer[] = [];
  let start = size;
  for (let found = 0; start > 0 && found < 2;) {
    const len = Math.min(BLOCK, start);
    start -= len;
    let b = Buffer.alloc(len);
    await readAt(h, b, start);
    for (let i = len - 1; i >= 0; i--) {
      if (b[i] === LF && ++found === 2) {
        b = b.subarray(i + 1);
        start += i + 1;
        break;
      }
    }
    blocks.unshift(b);
  }
  const bytes = Buffer.concat(blocks);
  const lf = bytes.lastIndexOf(LF);
  if (bytes.length === 0) return { end: size, needsLf: false };
  if (lf === bytes.length - 1) return { last: bytes.subarray(0, lf).toString('utf8'), end: size, needsLf: false };
  const tail = bytes.subarray(lf + 1);
  if (isJson(tail.toString('utf8'))) return { last: tail.toString('utf8'), end: size, needsLf: true };
  return { ...(lf >= 0 ? { last: bytes.subarray(0, lf).toString('utf8') } : {}), end: start + lf + 1, torn: tail, needsLf: false };
}

/** A cut line is a prefix of a JSON object, which never parses; a whole entry does. */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** What a writer appends, asked for once the log is locked and its end read: the events and the time they are stamped with. */
export type AuditBatch = () => { readonly events: readonly AuditEvent[]; readonly now: Date };

async function appendLocked(path: string, take: AuditBatch, after: string | undefined): Promise<string[]> {
  // Read-write without O_APPEND: the entry is written at a position (over a torn tail, if any).
  const h = await fs.open(path, fsc.O_RDWR | fsc.O_CREAT, 0o600);
  try {
    const { size } = await h.stat();
    const tail = await readTail(h, size);
    if (tail.last !== undefined && tail.last.trim() === '') {
      throw new SensitivityError(
        'E_AUDIT_BROKEN',
        'the last audit line is empty; run `sensitivity audit --verify`, then move the log aside (keep it as evidence) to start a new one',
      );
    }
    const { events, now } = take();
    if (events.length === 0) return [];
    const lines: string[] = [];
    // An empty file after a rotation continues the chain of the file it replaced, when the caller knows its last line.
    let prev = tail.last ?? after;
    if (tail.torn) {
      prev = await createAuditEntry(prev, await tornLineRepair(events[0]!.actor, tail.torn), now);
      lines.push(prev);
    }
    const written: string[] = [];
    for (const event of events) {
      prev = await createAuditEntry(prev, event, now);
      written.push(prev);
    }
    lines.push(...written);
    const bytes = Buffer.from((tail.needsLf ? '\n' : '') + lines.join('\n') + '\n', 'utf8');
    // One write at the end of the last whole line (over a torn tail), cut what is left of it, fsync.
    for (let off = 0; off < bytes.length;) off += (await h.write(bytes, off, bytes.length - off, tail.end + off)).bytesWritten;
    if (tail.end + bytes.length < size) await h.truncate(tail.end + bytes.length);
    await h.sync();
    return written;
  } finally {
    await h.close();
  }
}

/**
 * Appends one event to the log at `path` (created with mode 0600), chained to its last entry however
 * large; a torn last line is cut and its repair recorded (`audit.repair`) first. Throws when the entry
 * is not written — E_LOCKED (another writer held the lock too long), E_AUDIT_BROKEN (the last entry is
 * not one: the log needs attention), E_IO (the disk) — so the caller fails closed.
 */
export async function appendAudit(path: string, event: AuditEvent, now: Date): Promise<void> {
  await appendAuditEvents(path, [event], now);
}

/**
 * appendAudit for several events at once (a busy service's group commit): one lock, one write, one fsync,
 * all or none. Returns the lines written, in order. `after`: the last line of the file this one replaced
 * (a rotated log), chained to when the file is new or empty, so the chain runs on across files.
 */
export async function appendAuditEvents(path: string, events: readonly AuditEvent[], now: Date, after?: string): Promise<string[]> {
  return events.length === 0 ? [] : appendAuditBatch(path, () => ({ events, now }), after);
}

/**
 * appendAuditEvents with the events asked for only once the log is locked and its last line read (a busy
 * service's group commit: whatever arrived while it waited for the lock goes into the same write and fsync).
 */
export async function appendAuditBatch(path: string, take: AuditBatch, after?: string): Promise<string[]> {
  try {
    await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
    return await withLock(path, () => appendLocked(path, take, after));
  } catch (e) {
    if (isSensitivityError(e)) throw e.withFile(path);
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw e;
    throw new SensitivityError('E_IO', `the audit log could not be written (${code}), so the action was not recorded`, path, { cause: e });
  }
}
