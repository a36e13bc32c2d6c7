/**
 * The audit log: JSON lines, each carrying the SHA-256 of the line before it (`prev`), so editing,
 * removing, inserting or reordering an entry in the middle breaks the chain (docs/AUDIT.md). Entries
 * record who did what to which file — never plaintext or keys. Hosts append and read the file.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { SensitivityError } from '../errors.js';
import { DATE_TIME } from '../policy/schema.js';

/** Actions the hosts record. Verification accepts any action name, so newer logs still verify. */
export const AUDIT_ACTIONS = [
  'label.set',
  'label.remove',
  'label.auto',
  'protect',
  'unprotect',
  'open',
  'open.denied',
  'open.refused',
  'edit',
  'grant',
  'revoke',
  'expiry',
  'restore',
  'migrate',
  'identity.create',
  'identity.import',
  'identity.export',
  'people.add',
  'people.remove',
  'people.change',
  'policy.accept',
  'pin.change',
  'audit.repair',
  /** Text of a higher label was pasted into a file whose label was kept, with the reason (issue 22). */
  'paste.keep',
  // The organisation key service's access log (docs/KEY-SERVICE.md).
  'key.decrypt',
  'directory.certify',
  'witness.register',
  /** An administrator removed a line's head (`key-service witness --remove`). */
  'witness.remove',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** A JSON value (what details may hold). */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue | undefined };

export type AuditActor = { readonly id: string; readonly email: string };

/** What a host records: an action, who did it, on which file, and details (label, from, to, direction, justification, grantees, reason, code…). */
export interface AuditEvent {
  readonly action: AuditAction;
  readonly actor: AuditActor | null;
  /** Workspace-relative path (or a path the host chooses). */
  readonly file?: string;
  readonly [detail: string]: JsonValue | undefined;
}

/** One line of the log, parsed. */
export interface AuditEntry {
  /** 1, 2, 3… with no gaps. */
  readonly seq: number;
  /** ISO 8601 time of the action. */
  readonly ts: string;
  /** Lower-case hex SHA-256 of the previous line's UTF-8 bytes; 64 zeros for the first entry. */
  readonly prev: string;
  readonly actor: AuditActor | null;
  readonly action: string;
  readonly file?: string;
  readonly [detail: string]: JsonValue | undefined;
}

export type AuditVerification =
  | {
      readonly ok: true;
      readonly entries: readonly AuditEntry[];
      /** Hash of the last line (anchor it elsewhere); undefined for an empty log. */ readonly head?: string;
    }
  | { readonly ok: false; /** 1-based line that can no longer be trusted. */ readonly line: number; readonly reason: string };

export const GENESIS = '0'.repeat(64);

/** Detail names that could only hold secrets: refused, so a careless caller cannot log a key or content. */
const FORBIDDEN = new Set(['d', 'k', 'key', 'filekey', 'privatekey', 'sigprivate', 'encprivate', 'secret', 'passphrase', 'password', 'plaintext', 'content']);
const RESERVED = new Set(['seq', 'ts', 'prev']);

function checkValue(v: unknown, at: string): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TypeError(`audit detail ${at} is not a finite number`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => checkValue(x, `${at}[${i}]`));
    return;
  }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v)) {
      if (isSecretDetailName(k)) throw new TypeError(`audit detail ${at}.${k}: audit entries never carry keys or content`);
      if (x !== undefined) checkValue(x, `${at}.${k}`);
    }
    return;
  }
  throw new TypeError(`audit detail ${at} is not a JSON value`);
}

/** A line without its line ending (a CRLF checkout must not break the chain). */
const bare = (line: string) => line.replace(/\r?\n$/, '').replace(/\r$/, '');

/**
 * Lower-case hex SHA-256 of a line's UTF-8 bytes. Synchronous noble SHA-256 (pure JS, runs wherever the core
 * runs): for a line of a few hundred bytes it costs about a seventh of the CPU of WebCrypto's asynchronous
 * digest (its job and thread hop), which the key service pays once per access-log line.
 */
export async function hashLine(line: string): Promise<string> {
  return bytesToHex(sha256(utf8ToBytes(bare(line))));
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The shape of one entry, or why it is not one. */
function entryOf(line: string): AuditEntry | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'is not JSON';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'is not a JSON object';
  const e = v as Record<string, unknown>;
  if (typeof e.seq !== 'number' || !Number.isSafeInteger(e.seq) || e.seq < 1) return 'has no valid "seq"';
  if (typeof e.ts !== 'string' || !DATE_TIME.test(e.ts)) return 'has no valid "ts"';
  if (typeof e.prev !== 'string' || !HEX64.test(e.prev)) return 'has no valid "prev"';
  if (typeof e.action !== 'string' || e.action === '') return 'has no valid "action"';
  const a = e.actor as Record<string, unknown> | null | undefined;
  if (a !== null && (typeof a !== 'object' || typeof a.id !== 'string' || typeof a.email !== 'string')) return 'has no valid "actor"';
  if (e.file !== undefined && typeof e.file !== 'string') return 'has no valid "file"';
  return e as unknown as AuditEntry;
}

/**
 * The line to append after `prevLine` (the log's last line; undefined for a new log), chained to it by
 * its SHA-256. Returned without a line ending. Details that are not JSON, or whose names are reserved or
 * could hold secrets (`d`, `key`, `plaintext`…), are programming errors (TypeError). E_AUDIT_BROKEN when
 * `prevLine` is not an entry: the log needs attention before anything is added to it.
 */
export async function createAuditEntry(prevLine: string | undefined, event: AuditEvent, now: Date): Promise<string> {
  const { action, actor, file, ...details } = event;
  if (!(AUDIT_ACTIONS as readonly string[]).includes(action)) throw new TypeError(`unknown audit action "${action}"`);
  for (const k of Object.keys(details)) if (RESERVED.has(k)) throw new TypeError(`"${k}" is set by the audit log itself`);
  checkValue(details, 'event');
  if (actor !== null && (typeof actor.id !== 'string' || typeof actor.email !== 'string')) throw new TypeError('an audit actor is {id, email}');
  if (file !== undefined && typeof file !== 'string') throw new TypeError('an audit file is a path string');
  let seq = 1;
  let prev = GENESIS;
  if (prevLine !== undefined && bare(prevLine).trim() !== '') {
    const last = entryOf(bare(prevLine));
    if (typeof last === 'string') {
      throw new SensitivityError(
        'E_AUDIT_BROKEN',
        `the last audit entry ${last}; run \`sensitivity audit --verify\`, then move the log aside (keep it as evidence) to start a new one`,
      );
    }
    seq = last.seq + 1;
    prev = await hashLine(prevLine);
  }
  const entry = {
    seq,
    ts: now.toISOString(),
    prev,
    actor: actor === null ? null : { id: actor.id, email: actor.email },
    action,
    ...(file !== undefined ? { file } : {}),
    ...details,
  };
  return JSON.stringify(entry);
}

/**
 * The entry that records the repair of a torn last line (a crash cut a write short): what was cut, as
 * its length, SHA-256 and text (a partial entry: never secrets). The next writer cuts the torn bytes,
 * appends this entry, then its own.
 */
export async function tornLineRepair(actor: AuditActor | null, cut: Uint8Array): Promise<AuditEvent> {
  const text = new TextDecoder().decode(cut);
  return {
    action: 'audit.repair',
    actor,
    reason: 'the last line was cut short (a crash during a write)',
    cut: { bytes: cut.length, sha256: bytesToHex(sha256(cut)), text },
  };
}

/** The log's lines; a final line ending is not an empty entry. */
function linesOf(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n').map(bare);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * Verifies the chain: every line an entry, `seq` 1, 2, 3… and each `prev` the SHA-256 of the line before.
 * Detects an edited, removed, inserted or reordered entry; the removal of entries at the end is only
 * detected against an `anchor` (a `head` recorded elsewhere earlier): it must be the hash of some line.
 */
export async function verifyAuditLog(text: string, options: { anchor?: string } = {}): Promise<AuditVerification> {
  const lines = linesOf(text);
  const hashes = await Promise.all(lines.map(hashLine));
  const entries: AuditEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    if (lines[i]!.trim() === '') return { ok: false, line: n, reason: 'is empty: an entry was removed or the file was edited' };
    const e = entryOf(lines[i]!);
    if (typeof e === 'string') return { ok: false, line: n, reason: `${e}: the entry was edited or damaged` };
    if (e.seq !== n) {
      const why = n === 1 ? 'entries were removed from the start' : 'an entry was removed, inserted or moved';
      return { ok: false, line: n, reason: `has sequence number ${e.seq} where ${n} was expected: ${why}` };
    }
    if (n === 1 && e.prev !== GENESIS)
      return { ok: false, line: 1, reason: 'does not start the chain (its prev is not zero): entries were removed from the start' };
    if (n > 1 && e.prev !== hashes[i - 1]) {
      return { ok: false, line: n - 1, reason: `does not match the hash recorded by line ${n}: line ${n - 1} was edited, or line ${n}'s prev was` };
    }
    entries.push(e);
  }
  const head = hashes.at(-1);
  if (options.anchor !== undefined && !hashes.includes(options.anchor.toLowerCase())) {
    return {
      ok: false,
      line: lines.length + 1,
      reason: `the anchored head ${options.anchor} is not in the log: entries were removed from the end, or the log was replaced`,
    };
  }
  return head === undefined ? { ok: true, entries } : { ok: true, entries, head };
}

/**
 * The entries for display, unverified, and the lines that are not entries (`damaged`: 1-based line and
 * why), so a damaged log can still be read as evidence. Blank lines are skipped.
 */
export function readAuditLines(text: string): { entries: AuditEntry[]; damaged: { line: number; reason: string }[] } {
  const entries: AuditEntry[] = [];
  const damaged: { line: number; reason: string }[] = [];
  linesOf(text).forEach((line, i) => {
    if (line.trim() === '') return;
    const e = entryOf(line);
    if (typeof e === 'string') damaged.push({ line: i + 1, reason: e });
    else entries.push(e);
  });
  return { entries, damaged };
}

/** The entries for display, unverified (use `verifyAuditLog` to trust them). E_AUDIT_BROKEN naming a line that is not an entry. */
export function parseAuditLog(text: string): AuditEntry[] {
  const { entries, damaged } = readAuditLines(text);
  const first = damaged[0];
  if (first) throw new SensitivityError('E_AUDIT_BROKEN', `line ${first.line} of the audit log ${first.reason}`);
  return entries;
}

/** Whether a detail of this name could only hold a secret (what `createAuditEntry` refuses): a reader hides such a value. */
export function isSecretDetailName(name: string): boolean {
  return FORBIDDEN.has(name.toLowerCase());
}
