/** Small text helpers shared by the detectors: entropy, base64, masking, positions, placeholders. */

/** Shannon entropy in bits per character of `s` (0 for empty or single-symbol strings). */
export function shannonEntropy(s: string): number {
  if (s.length < 2) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

const B64 = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
// Base64url (RFC 4648 §5) maps the same values from '-' and '_'.
B64[45] = 62;
B64[95] = 63;

/**
 * Decodes base64 or base64url (RFC 4648 §4, §5), padding optional, at most `maxBytes` bytes.
 * Returns undefined on any character outside the alphabets.
 */
export function decodeBase64(s: string, maxBytes = Infinity): Uint8Array | undefined {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  if (end % 4 === 1) return undefined;
  const n = Math.min(Math.floor((end * 3) / 4), maxBytes);
  const out = new Uint8Array(n);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end && o < n; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B64[c]! : -1;
    if (v < 0) return undefined;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes base64url text as a UTF-8 JSON object, or undefined when it is not one. */
export function decodeJsonObject(b64url: string): Record<string, unknown> | undefined {
  const bytes = decodeBase64(b64url);
  if (!bytes || bytes.length < 2 || bytes[0] !== 0x7b) return undefined;
  try {
    const v: unknown = JSON.parse(utf8.decode(bytes));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** How a detector wants its match shown: a public prefix kept, a few last characters kept. */
export interface Reveal {
  readonly keepStart?: number;
  readonly keepEnd?: number;
  /** Keep spaces and dashes (card numbers, IBANs, SSNs), so the excerpt keeps the number's shape. */
  readonly keepShape?: boolean;
}

const MAX_MASK = 16;

/**
 * Masks `value`: keeps `keepStart` characters (a public prefix such as `ghp_` or a PEM header) and at
 * most 4 last characters, never more than a quarter of the rest; a long mask is cut short with `…`.
 */
export function maskValue(value: string, { keepStart = 0, keepEnd = 0, keepShape = false }: Reveal = {}): string {
  const start = Math.min(keepStart, value.length);
  const end = Math.min(keepEnd, 4, Math.floor((value.length - start) / 4));
  const middle = value.slice(start, value.length - end);
  let masked = keepShape ? middle.replace(/[^ -]/g, '*') : '*'.repeat(middle.length);
  if (masked.length > MAX_MASK) masked = masked.slice(0, MAX_MASK - 1) + '…';
  return value.slice(0, start).replace(/\s+/g, ' ') + masked + value.slice(value.length - end);
}

/**
 * Maps offsets to 0-based line/column, walking forward from the last answer, so a scan that asks in
 * increasing order only reads the text up to its last finding. Lines end at `\n` (so `\r\n` too).
 */
export class LineCursor {
  private offset = 0;
  private line = 0;
  private lineStart = 0;
  /** The first line break at or after `lineStart` (-1: none), remembered so many findings on one long line cost no rescans. */
  private nextBreak: number;
  constructor(private readonly text: string) {
    this.nextBreak = text.indexOf('\n');
  }

  /** Line and column of `offset`; offsets must not decrease between calls (else it restarts). */
  at(offset: number): { line: number; column: number } {
    if (offset < this.offset) {
      this.offset = this.line = this.lineStart = 0;
      this.nextBreak = this.text.indexOf('\n');
    }
    while (this.nextBreak !== -1 && this.nextBreak < offset) {
      this.line++;
      this.lineStart = this.nextBreak + 1;
      this.nextBreak = this.text.indexOf('\n', this.lineStart);
    }
    this.offset = offset;
    return { line: this.line, column: offset - this.lineStart };
  }
}

/** Words that mark a value as a stand-in rather than a real secret. */
const PLACEHOLDER =
  /^(?:changeme|change_?me|password|passwd|secret|example|sample|dummy|fake|placeholder|redacted|null|none|undefined|true|false|test|testing|todo|tbd|admin|root|user|username|default|empty|string|value|token|key|apikey|api_key|xxx+|\*+|\.+|-+)$|example|your[_-]?|<[^>]*>|\$\{|\{\{|%\(|^\$[A-Za-z_({]|^%[a-z]$|^%[A-Za-z_]+%$|^\{[^}]*\}$|^\[[^\]]*\]$|^process\.env|^os\.environ|^env\(|x{5,}|(?:\*){3,}|\.\.\.|insert|replace[_-]?me|put[_-]?your|dummy|placeholder|redacted|changeme|not[_-]?a[_-]?(?:real[_-]?)?(?:secret|key|token|password)|notasecret|(?:^|[^a-z])(?:fake|mock)(?:[^a-z]|$)/i;
/** `REPLACE_WITH_PASSWORD`, `replace-this`, `to_be_filled`, `enter-your-key`: an instruction, not a value. */
const INSTRUCTION =
  /(?:^|[^a-z])(?:replace|fill)[_-]?(?:with|this|in|me)?(?:[^a-z]|$)|to[_-]?be[_-]?(?:replaced|filled|set|changed)|^(?:enter|set|add|paste)[_-]/i;
/** `mypassword`, `my_secret`, `the-token`, `new_api_key1`: a possessive and the word for a secret. */
const NAMED_STANDIN =
  /^(?:my|your|our|the|some|a|new|test|sample|default)[_-]?(?:password|passwd|pass|pwd|secret|token|key|api[_-]?key|access[_-]?key|passphrase)[_-]?\d{0,4}$/i;

/**
 * A key that ends in a placeholder word and `KEY`, in capitals, the way AWS writes its documentation's secret
 * (`…EXAMPLEKEY`): `…SAMPLEKEY`, `…TESTKEY`, `…FAKEKEY`, `…DUMMYKEY`, `…MOCKKEY`, `…DEMOKEY`. Seven or more
 * capitals spelling a word at the end of a random base64 key happen by chance less than once in 2^40 keys.
 */
const SAMPLE_WORD_KEY = /(?:EXAMPLE|SAMPLE|TEST|FAKE|DUMMY|MOCK|DEMO)KEY$/;

/**
 * Why `value` is a stand-in rather than a real secret, or undefined when it may be one: one character
 * repeated, a run of six, an ascending sequence, a placeholder word (`changeme`, `example`, `<…>`,
 * `${…}`), an instruction (`REPLACE_WITH_PASSWORD`), a possessive name (`mypassword`) or a sample word ending a
 * key (`…SAMPLEKEY`).
 */
export function placeholderReason(value: string): string | undefined {
  if (value.length > 1 && hasLongRun(value, value.length)) return 'one character repeated';
  if (PLACEHOLDER.test(value)) return 'placeholder word or template';
  if (hasLongRun(value, 6)) return 'a run of one character';
  if (isSequence(value)) return 'an ascending sequence';
  if (INSTRUCTION.test(value)) return 'an instruction to replace it';
  if (NAMED_STANDIN.test(value)) return 'names a secret instead of being one';
  if (SAMPLE_WORD_KEY.test(value)) return 'a sample word and KEY at its end';
  return undefined;
}

/** True for values such as `changeme`, `<password>`, `${DB_PASS}`, `xxxxxx`, `your-api-key`, `dummy-token`, `not-a-real-secret`, `REPLACE_ME`, `mypassword`. */
export function isPlaceholder(value: string): boolean {
  return placeholderReason(value) !== undefined;
}

/** `n` or more of the same character in a row (`aaaaaa`, `000000`). */
function hasLongRun(s: string, n: number): boolean {
  let run = 1;
  for (let i = 1; i < s.length; i++) {
    run = s.charCodeAt(i) === s.charCodeAt(i - 1) ? run + 1 : 1;
    if (run >= n) return true;
  }
  return false;
}

/** Eight or more consecutive ascending characters (`abcdefgh`, `12345678`), a typing-demo value. */
function isSequence(s: string): boolean {
  let run = 1;
  for (let i = 1; i < s.length; i++) {
    run = s.charCodeAt(i) === s.charCodeAt(i - 1) + 1 ? run + 1 : 1;
    if (run >= 8) return true;
  }
  return false;
}

/** Is the character code a letter, digit or underscore (a `\w` of ASCII)? */
export function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** A case-insensitive regex matching any of `words` as a whole word (not inside a longer word). */
export function keywordRegex(words: readonly string[]): RegExp {
  const alt = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  return new RegExp(`(?:^|[^A-Za-z0-9])(?:${alt})(?![A-Za-z0-9])`, 'i');
}

/** True when `keywords` matches within `distance` characters before or after [start, end). */
export function keywordNear(text: string, start: number, end: number, keywords: RegExp, distance: number): boolean {
  return keywords.test(text.slice(Math.max(0, start - distance), Math.min(text.length, end + distance)));
}
