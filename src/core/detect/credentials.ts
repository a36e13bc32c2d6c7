/** Credentials in URLs, connection strings and assignments to secret-like names. */
import type { Confidence } from './types.js';
import { isPlaceholder, isWordCode, shannonEntropy } from './text.js';
import { awsSecretLike } from './tokens.js';
import { P_ASSIGNMENT, P_GENERIC, P_TOKEN, TYPES, forEach, lineAround, lineStartNear, type Detector, type Hit } from './detector.js';

// ---- credentials in URLs and connection strings ------------------------------------------------

const SCHEME = /[A-Za-z][A-Za-z0-9+.-]{1,31}$/;
/** Characters of a URL's user info (RFC 3986 §3.2.1), quotes and parentheses left out: code delimits with them. */
const USERINFO = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~%!$&*+,;=:-') USERINFO[c.charCodeAt(0)] = 1;
const WEAK_PASSWORDS = /^(?:pass|pwd|pw|p@ss|p@ssw0rd|passw0rd|pass123|password1?|secret|changeit|foo|bar|baz|abc|xyz|123|1234|\*+|x+)$/i;
const RESERVED_HOST = /^(?:[^/:?#]*\.)?(?:example\.(?:com|org|net)|example|test|invalid)(?:[:/?#]|$)/i;
const LOCAL_HOST = /^(?:localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1\]|host\.docker\.internal)(?:[:/?#]|$)/i;

export const urlCredentials: Detector = {
  types: [TYPES.url],
  find(text, out) {
    let nextAt = -1;
    for (let at = text.indexOf('://'); at !== -1; at = text.indexOf('://', at + 3)) {
      // user info needs a ':' before an '@': skip the many URLs without one cheaply.
      if (nextAt < at) nextAt = text.indexOf('@', at);
      if (nextAt === -1) break;
      if (nextAt - at > 260 || !SCHEME.test(text.slice(Math.max(0, at - 32), at))) continue;
      let i = at + 3;
      let colon = -1;
      while (i < text.length && i - at < 260 && USERINFO[text.charCodeAt(i)] === 1) {
        if (colon === -1 && text.charCodeAt(i) === 58) colon = i;
        i++;
      }
      // userinfo ends at '@' and a host follows (RFC 3986 §3.2.1): user:password@host
      const host = text.slice(i + 1, i + 256);
      if (text.charCodeAt(i) !== 64 || colon === -1 || !/^[A-Za-z0-9[]/.test(host) || RESERVED_HOST.test(host)) continue;
      const user = text.slice(at + 3, colon);
      const password = text.slice(colon + 1, i);
      if (password.length === 0 || isPlaceholder(password) || WEAK_PASSWORDS.test(password)) continue;
      // Local development defaults (postgres:postgres@localhost) are worth a hint, not a label.
      const weak = LOCAL_HOST.test(host) || password === user || password.length < 6;
      const confidence = weak ? 'low' : password.length >= 8 && shannonEntropy(password) >= 2.5 ? 'high' : 'medium';
      out.push({ type: TYPES.url, start: colon + 1, end: i, confidence, priority: P_GENERIC, reveal: { keepEnd: 1 } });
    }
  },
};

// ---- secrets assigned to secret-like names, and passwords in connection strings ----------------

/** Minimum Shannon entropy (bits/char) of a value assigned to a token/secret/key name. */
export const SECRET_MIN_ENTROPY = 3.5;
/** Minimum entropy of a value assigned to a password name (people pick weaker strings than machines). */
export const PASSWORD_MIN_ENTROPY = 2.5;

// Keyword first: V8 skips quickly between keyword starts, far faster than stopping at every `=`/`:`.
export const SECRET_KEY = /(?:pass|pwd|secret|token|key|credential|bearer)[\w.-]{0,64}["'`\]]?[ \t]{0,16}[=:]/gi;
const KEY_QUALIFIER = 'api|access|secret|private|auth|signing|encryption|master|client|app|session|account|storage|subscription|shared|consumer';
const QUALIFIED_KEY = new RegExp(`^(?:${KEY_QUALIFIER})keys?$`);
const QUALIFIER = new RegExp(`^(?:${KEY_QUALIFIER})$`);
const SECRET_WORD = /^(?:password|passwd|pwd|passphrase|secret|secrets|token|tokens|credential|credentials|bearer)$/;
/** `pass` alone is too common a word (`allPass`, `firstPass`): only these owners make it a password. */
const PASS_OWNER = /^(?:db|database|user|admin|root|mysql|postgres|pg|redis|smtp|mail|ftp|sftp|ssh|login|app|api|sql|ldap|proxy|vault|keystore|store|key|wifi|rabbitmq|amqp|mongo|mongodb)$/;
const PASSWORD_WORD = /^(?:password|passwd|pass|pwd|passphrase)$/;
/** Words that may follow the secret word and still name the secret itself (DB_PASSWORD_PROD, SECRET_KEY_BASE). */
const SECRET_TAIL = /^(?:value|val|str|b64|base64|hex|raw|plain|prod|production|dev|development|staging|stage|live|local|old|new|current|primary|secondary|main|key|base|phrase|word|confirm|confirmation|repeat|again|encoded|encrypted|\d+|v\d+)$/;
const CODE_VALUE = /^[A-Za-z_$][\w$]*(?:(?:\.|::|->|\?\.)[A-Za-z_$][\w$]*)*(?:\(|\[|$)/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const NEGATED_CODE = /^(?:!+[A-Za-z_$][\w$]*(?:[.(?]|$)|\()/;
const ENTRY_START = /^[ \t]*(?:export[ \t]+|-[ \t]+)?["']?$/;
const CONN_NAME = /^(?:password|pwd)$/i;
const CONN_CONTEXT = /(?:server|data source|host|address|addr|initial catalog|database|user id|uid|user|username|dsn|provider|endpoint|port)[ \t]*=/i;
const CONN_USER = /(?:user id|uid|user|username)[ \t]*=/i;

const isNameCode = (c: number): boolean => isWordCode(c) || c === 45 || c === 46;

/** Splits an identifier into lower-case words: `DB_PASSWORD`, `clientSecret`, `APIKey`, `api-key.prod`. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/**
 * Does `name` name a secret? Its last secret word (password, token, api key, …) may only be followed by
 * words such as `value` or `prod`: `passwordHash`, `tokenType` and `secretName` name something else.
 */
function secretName(name: string): { password: boolean } | undefined {
  const w = words(name);
  for (let i = w.length - 1; i >= 0; i--) {
    const word = w[i]!;
    const key = QUALIFIED_KEY.test(word) || ((word === 'key' || word === 'keys') && i > 0 && QUALIFIER.test(w[i - 1]!));
    const pass = word === 'pass' && (w.length === 1 || (i > 0 && PASS_OWNER.test(w[i - 1]!)));
    if (key || pass || SECRET_WORD.test(word)) return { password: pass || PASSWORD_WORD.test(word) };
    if (!SECRET_TAIL.test(word)) return undefined;
  }
  return undefined;
}


/** The value after a separator: quoted up to its closing quote on the line, or bare up to a delimiter. */
function valueAt(text: string, i: number, bareStops: string): { start: number; end: number; quoted: boolean } | undefined {
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  const q = text.charCodeAt(i);
  if (q === 34 || q === 39 || q === 96) {
    let end = i + 1;
    while (end < text.length && end - i <= 256 && text.charCodeAt(end) !== q && text.charCodeAt(end) !== 10) end++;
    return text.charCodeAt(end) === q ? { start: i + 1, end, quoted: true } : undefined;
  }
  let end = i;
  while (end < text.length && end - i <= 256 && !bareStops.includes(text[end]!)) end++;
  while (end > i && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return { start: i, end, quoted: false };
}

/** Is `value`, a literal assigned to a secret-like name, a hard-coded secret? Passwords may be weaker. */
function judgeSecret(password: boolean, value: string): Confidence | undefined {
  if (value.length < 6 || isPlaceholder(value) || /^\d+$/.test(value)) return undefined;
  if (/^[$<]|^%(?:\(\w+\))?[sdifr]$|^%\w+%$|\{\{|\$\{/.test(value) || /^(?:(?:https?|file):\/\/|data:)/i.test(value) || /\s/.test(value)) return undefined;
  if (/^[a-z]+(?:[-_.:/][a-z]+)*$/i.test(value) && /pass|pwd|secret|token|key|credential/i.test(value)) return undefined; // names a secret, is none
  const h = shannonEntropy(value);
  // A path (/Users/me, ./bin, C:\tools) is words and slashes; random base64 may start with '/' too.
  if (/^(?:\/|\.\.?\/|~\/|[A-Za-z]:\\)/.test(value) && h < 4.2) return undefined;
  if (password) {
    if (WEAK_PASSWORDS.test(value) || h < PASSWORD_MIN_ENTROPY) return undefined;
    return h >= 3.5 && value.length >= 12 ? 'high' : 'medium';
  }
  const hexOnly = /^[0-9a-fA-F-]+$/.test(value);
  if (value.length < 16 || h < (hexOnly ? 3 : SECRET_MIN_ENTROPY)) return undefined;
  if (/^[a-z]+(?:[-_.:/][a-z]+)*$/i.test(value)) return undefined; // words, a URN: a name or a setting, not a key
  return h >= 4.2 && value.length >= 24 ? 'high' : 'medium';
}

/** Password=…; inside a connection string (Server=…;User Id=…;Password=…), or undefined. */
function connectionPassword(text: string, nameStart: number, after: number): Hit | undefined {
  const v = valueAt(text, after, ';"\'`\r\n');
  if (!v) return undefined;
  const line = lineAround(text, nameStart, v.end, 300);
  if (!line.includes(';') || !CONN_CONTEXT.test(line)) return undefined;
  const value = text.slice(v.start, v.end);
  if (value.length === 0 || isPlaceholder(value) || WEAK_PASSWORDS.test(value)) return undefined;
  const confidence = CONN_USER.test(line) && value.length >= 4 ? 'high' : 'medium';
  return { type: TYPES.connection, start: v.start, end: v.end, confidence, priority: P_GENERIC, reveal: { keepEnd: 1 } };
}

export const assignments: Detector = {
  types: [TYPES.assignment, TYPES.connection, TYPES.aws],
  find(text, out) {
    forEach(SECRET_KEY, text, (m) => {
      const sep = m.index + m[0].length - 1;
      const op = text.charCodeAt(sep);
      const next = text.charCodeAt(sep + 1);
      const before = text.charCodeAt(sep - 1);
      // `==`, `!=`, `<=`, `>=`, `::` are comparisons or operators, not assignments.
      if ((op === 61 && next === 61) || (op === 58 && next === 58) || before === 33 || before === 60 || before === 62) return;
      let nameStart = m.index;
      while (nameStart > 0 && m.index - nameStart < 64 && isNameCode(text.charCodeAt(nameStart - 1))) nameStart--;
      let nameEnd = m.index;
      while (isNameCode(text.charCodeAt(nameEnd))) nameEnd++;
      const name = text.slice(nameStart, nameEnd);
      const kind = secretName(name);
      if (!kind) return;
      const after = sep + (next === 61 || next === 62 ? 2 : 1);
      if (op === 61 && CONN_NAME.test(name) && (nameStart === 0 || !isWordCode(text.charCodeAt(nameStart - 1)))) {
        const hit = connectionPassword(text, nameStart, after);
        if (hit) {
          out.push(hit);
          return;
        }
      }
      const v = valueAt(text, after, ' \t\r\n,;)}]"\'`<>');
      if (!v) return;
      const value = text.slice(v.start, v.end);
      let literal = v.quoted;
      if (!literal) {
        // A bare value is code (a variable, a call, a type) unless the line is an env/YAML/properties entry.
        const lineStart = lineStartNear(text, nameStart, 200);
        const codeLike = IDENTIFIER.test(value) ? ',;)<|&['.includes(text[v.end] ?? '\n') : CODE_VALUE.test(value) || NEGATED_CODE.test(value);
        literal = ENTRY_START.test(text.slice(lineStart, nameStart)) && !codeLike;
      }
      const confidence = literal ? judgeSecret(kind.password, value) : undefined;
      if (!confidence) return;
      const isAws = value.length === 40 && /aws/i.test(name) && /secret/i.test(name) && awsSecretLike(value);
      out.push({ type: isAws ? TYPES.aws : TYPES.assignment, start: v.start, end: v.end, confidence, priority: isAws ? P_TOKEN : P_ASSIGNMENT, reveal: { keepEnd: 2 } });
      SECRET_KEY.lastIndex = Math.max(SECRET_KEY.lastIndex, v.end);
    });
  },
};
