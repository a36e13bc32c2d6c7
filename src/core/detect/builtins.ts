/**
 * The built-in sensitive information types. Each detector makes one pass over the text with a regex
 * that starts on a rare literal or class (so V8 skips ahead fast), then a validator cuts false positives.
 */
import type { Confidence, InfoType } from './types.js';
import {
  decodeBase64,
  decodeJsonObject,
  isPlaceholder,
  isWordCode,
  keywordNear,
  keywordRegex,
  shannonEntropy,
  type Reveal,
} from './text.js';
import { cardIssuer, githubChecksumOk, ibanLength, isTestCard, luhn, validIban, validSsn } from './validators.js';

/** A raw match before overlap resolution and position mapping. */
export interface Hit {
  readonly type: InfoType;
  readonly start: number;
  readonly end: number;
  readonly confidence: Confidence;
  /** Lower wins when two hits overlap: specific tokens beat generic assignments beat data patterns. */
  readonly priority: number;
  readonly reveal?: Reveal;
  /** A ready masked excerpt, for shapes `maskValue` does not fit (email addresses). */
  readonly excerpt?: string;
}

/** A pass over the text that pushes its hits. */
export interface Detector {
  readonly types: readonly InfoType[];
  find(text: string, out: Hit[]): void;
}

const type = (id: string, name: string, description: string): InfoType => ({ id, name, description });

/** The built-in types, by the ids that policies name. */
export const TYPES = {
  privateKey: type('private-key', 'Private key', 'A PEM, OpenSSH, PGP or PuTTY private key.'),
  aws: type('aws-access-key', 'AWS access key', 'An AWS access key id (AKIA…/ASIA…) or the secret access key beside it.'),
  github: type('github-token', 'GitHub token', 'A GitHub personal, OAuth, app or refresh token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_).'),
  slack: type('slack-token', 'Slack token', 'A Slack API token (xoxb-, xoxp-, …) or incoming webhook URL.'),
  stripe: type('stripe-key', 'Stripe secret key', 'A live Stripe secret or restricted key (sk_live_, rk_live_).'),
  google: type('google-api-key', 'Google API key', 'A Google Cloud API key (AIza…).'),
  azure: type('azure-storage-key', 'Azure storage key', 'An Azure storage account key (AccountKey=…) or shared access signature.'),
  connection: type('connection-string-credential', 'Password in a connection string', 'A password in a database or service connection string (Password=…).'),
  url: type('url-credential', 'Password in a URL', 'A password in a URL (scheme://user:password@host).'),
  assignment: type('secret-assignment', 'Hard-coded secret', 'A high-entropy value assigned to a secret-like name (password, token, api_key, …).'),
  jwt: type('jwt', 'JSON Web Token', 'A signed JSON Web Token (RFC 7519) whose header decodes as JOSE.'),
  card: type('credit-card', 'Payment card number', 'A payment card number that passes the Luhn check and fits an issuer range.'),
  iban: type('iban', 'Bank account number (IBAN)', 'An international bank account number with a valid country length and mod-97 check.'),
  ssn: type('us-ssn', 'US social security number', 'A US social security number in a valid area, group and serial range.'),
  email: type('email-list', 'List of email addresses', 'Many distinct email addresses in one file (personal data).'),
} as const satisfies Record<string, InfoType>;

/**
 * No built-in detector reads more than this many characters before or after a match to judge it, except
 * private keys (up to PRIVATE_KEY_REACH between their markers) and email lists (counted over the whole
 * text). An incremental rescan that widens an edited region by this much sees what a full scan sees.
 */
export const DETECTOR_REACH = 1024;
/** The most characters between a private key's BEGIN and END markers. */
export const PRIVATE_KEY_REACH = 64 * 1024;

/** Distinct addresses it takes for email addresses to count as a list. */
export const EMAIL_LIST_THRESHOLD = 10;

const P_TOKEN = 0;
const P_GENERIC = 2;
const P_ASSIGNMENT = 3;
const P_DATA = 4;

/** Runs `re` (global) over `text`, calling `each` per match. */
function forEach(re: RegExp, text: string, each: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) each(m);
}

/**
 * Where `needle` next occurs in `text` from `from`, looking at most `reach` characters ahead, or -1.
 * Bounded, so that many starts without an end cost linear time, not quadratic.
 */
function indexWithin(text: string, needle: string, from: number, reach: number): number {
  const i = text.slice(from, from + reach + needle.length).indexOf(needle);
  return i === -1 ? -1 : from + i;
}

/** Every offset of `needle` in `text`, ascending (one pass, for many lookups). */
function offsetsOf(text: string, needle: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) out.push(i);
  return out;
}

/** The first of the ascending `offsets` at or after `from` and before `from + reach` that `ok` accepts, or -1. */
function firstFrom(offsets: readonly number[], from: number, reach: number, ok: (at: number) => boolean = () => true): number {
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < offsets.length && offsets[i]! < from + reach; i++) if (ok(offsets[i]!)) return offsets[i]!;
  return -1;
}

/** Start of the line holding `at`, looking back at most `reach` characters (else `at - reach`). */
function lineStartNear(text: string, at: number, reach: number): number {
  const from = Math.max(0, at - reach);
  return from + text.slice(from, at).lastIndexOf('\n') + 1;
}

/** Neither side of [start, end) continues a token of `isTokenCode` characters. */
function bounded(text: string, start: number, end: number, isTokenCode: (c: number) => boolean): boolean {
  return (start === 0 || !isTokenCode(text.charCodeAt(start - 1))) && (end >= text.length || !isTokenCode(text.charCodeAt(end)));
}

const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isB64Code = (c: number): boolean => isAlnum(c) || c === 43 || c === 47 || c === 61;
const isB64UrlCode = (c: number): boolean => isWordCode(c) || c === 45;

/** True when `text` holds one of `literals`: `includes` outruns a regex pass, and most files hold none. */
const holdsAny = (text: string, literals: readonly string[]): boolean => literals.some((l) => text.includes(l));

/**
 * A single-pattern token type: a regex, the characters a token is made of, a validator, and literals of
 * which every match holds one (when the text holds none, the regex pass is skipped).
 */
function tokenDetector(
  t: InfoType,
  re: RegExp,
  isTokenCode: (c: number) => boolean,
  validate: (value: string) => Confidence | undefined,
  reveal: Reveal,
  literals: readonly string[] = [],
): Detector {
  return {
    types: [t],
    find(text, out) {
      if (literals.length > 0 && !holdsAny(text, literals)) return;
      forEach(re, text, (m) => {
        const start = m.index;
        const end = start + m[0].length;
        if (!bounded(text, start, end, isTokenCode)) return;
        const confidence = validate(m[0]);
        if (confidence) out.push({ type: t, start, end, confidence, priority: P_TOKEN, reveal });
      });
    },
  };
}

// ---- private keys ------------------------------------------------------------------------------

const PEM_BEGIN = /-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?)-----/g;
const MAX_KEY = PRIVATE_KEY_REACH;
const PUTTY = /PuTTY-User-Key-File-[23]: /g;

/** The base64 body of a PEM/armored block: escapes (`\n` inside JSON strings), headers and blanks gone. */
function pemBody(raw: string): string {
  return raw
    .split(/\\[nr]|[\r\n]/)
    .filter((line) => !line.includes(':'))
    .join('')
    .replace(/[\s"'\\]/g, '');
}

/** Does the base64 body decode to what this kind of key starts with? */
function keyBodyValid(label: string, body: string): boolean {
  const head = decodeBase64(body.slice(0, 64).replace(/=+$/, ''), 32);
  if (!head || head.length < 16) return false;
  if (label.startsWith('OPENSSH')) return String.fromCharCode(...head.subarray(0, 15)) === 'openssh-key-v1\0';
  if (label.startsWith('PGP')) return (head[0]! & 0x80) !== 0;
  if (label.startsWith('SSH2')) return true;
  return head[0] === 0x30; // DER SEQUENCE: PKCS#1, SEC 1, PKCS#8 and encrypted PKCS#8 all start with one
}

const privateKeys: Detector = {
  types: [TYPES.privateKey],
  find(text, out) {
    let ends: number[] | undefined;
    if (text.includes('-----BEGIN ')) forEach(PEM_BEGIN, text, (m) => {
      const start = m.index;
      const label = m[1]!;
      const bodyStart = start + m[0].length;
      const endMarker = `-----END ${label}-----`;
      ends ??= offsetsOf(text, '-----END ');
      const endAt = firstFrom(ends, bodyStart, MAX_KEY, (at) => text.startsWith(endMarker, at));
      const complete = endAt !== -1;
      const body = pemBody(text.slice(bodyStart, complete ? endAt : bodyStart + 512));
      if (body.length < 64 || !/^[A-Za-z0-9+/=]{64}/.test(body)) return; // a mention, not a key
      const valid = keyBodyValid(label, body);
      if (!complete && !valid) return;
      const end = complete ? endAt + endMarker.length : bodyStart;
      out.push({ type: TYPES.privateKey, start, end, confidence: complete && valid ? 'high' : 'medium', priority: P_TOKEN, reveal: { keepStart: m[0].length } });
      PEM_BEGIN.lastIndex = end;
    });
    let macs: number[] | undefined;
    if (text.includes('PuTTY-User-Key-File-')) forEach(PUTTY, text, (m) => {
      macs ??= offsetsOf(text, 'Private-MAC: ');
      const macAt = firstFrom(macs, m.index, MAX_KEY);
      if (macAt === -1 || !/^Private-MAC: [0-9a-fA-F]{40}/.test(text.slice(macAt, macAt + 60))) return;
      if (!/Private-Lines: \d+\r?\n[A-Za-z0-9+/=]{32}/.test(text.slice(m.index, macAt))) return;
      const nl = text.indexOf('\n', macAt);
      const end = nl === -1 ? text.length : text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      out.push({ type: TYPES.privateKey, start: m.index, end, confidence: 'high', priority: P_TOKEN, reveal: { keepStart: m[0].length - 1 } });
    });
  },
};

// ---- AWS ---------------------------------------------------------------------------------------

const AWS_ID = /(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}/g;
const AWS_SECRET = /[A-Za-z0-9/+]{40}/g;
const AWS_NEAR = 400;

/** A 40-character AWS secret access key: base64 alphabet, mixed classes, random-looking. */
function awsSecretLike(v: string): boolean {
  return /[A-Z]/.test(v) && /[a-z]/.test(v) && /\d/.test(v) && shannonEntropy(v) >= 4.2 && !isPlaceholder(v);
}

const aws: Detector = {
  types: [TYPES.aws],
  find(text, out) {
    forEach(AWS_ID, text, (m) => {
      const start = m.index;
      const end = start + 20;
      if (!bounded(text, start, end, isAlnum) || m[0].includes('EXAMPLE')) return;
      out.push({ type: TYPES.aws, start, end, confidence: 'high', priority: P_TOKEN, reveal: { keepStart: 4, keepEnd: 2 } });
      // The secret key has no prefix of its own: look for it beside the key id.
      const from = Math.max(0, start - AWS_NEAR);
      const window = text.slice(from, Math.min(text.length, end + AWS_NEAR));
      forEach(AWS_SECRET, window, (s) => {
        const at = from + s.index;
        // On the key id's line (a credentials CSV) or on a line that says "secret" (env, ini, JSON).
        const line = lineAround(text, at, at + 40, 200);
        const sameLine = !text.slice(Math.min(at, start), Math.max(at, end)).includes('\n');
        if (bounded(text, at, at + 40, isB64Code) && (sameLine || /secret/i.test(line)) && awsSecretLike(s[0])) {
          out.push({ type: TYPES.aws, start: at, end: at + 40, confidence: 'high', priority: P_TOKEN, reveal: { keepEnd: 2 } });
        }
      });
    });
  },
};

// ---- tokens with a fixed prefix ----------------------------------------------------------------

const GITHUB = /gh[pousr]_[A-Za-z0-9]{36}/g;
const GITHUB_PAT = /github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}/g;

function validateGithub(v: string): Confidence | undefined {
  const random = v.startsWith('github_pat_') ? v.slice(11) : v.slice(4);
  if (isPlaceholder(random) || shannonEntropy(random) < 3) return undefined;
  if (v.startsWith('github_pat_')) return 'high';
  return githubChecksumOk(v) ? 'high' : 'low'; // a look-alike: right shape, wrong checksum
}

// Two passes: each starts with its own literal, which V8 skips to far faster than to an alternation.
const githubClassic = tokenDetector(TYPES.github, GITHUB, isWordCode, validateGithub, { keepStart: 4, keepEnd: 2 });
const githubFineGrained = tokenDetector(TYPES.github, GITHUB_PAT, isWordCode, validateGithub, { keepStart: 11, keepEnd: 2 }, ['github_pat_']);

const SLACK = /xox[abposr]-[0-9A-Za-z-]{20,250}|hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9/]{20,120}/g;

const slack = tokenDetector(
  TYPES.slack,
  SLACK,
  (c) => isAlnum(c) || c === 45,
  (v) => {
    const parts = v.startsWith('xox') ? v.slice(5).split('-') : v.split('/').slice(2);
    const secret = parts.at(-1)!;
    const shaped = v.startsWith('xox')
      ? parts.length >= 2 && /^\d{6,}$/.test(parts[0]!)
      : parts.length === 3 && /^[TB]?[A-Z0-9]{8,}$/.test(parts[0]!);
    return shaped && secret.length >= 20 && !isPlaceholder(secret) && shannonEntropy(secret) >= 3.5 ? 'high' : undefined;
  },
  { keepStart: 5, keepEnd: 2 },
  ['xox', 'hooks.slack.com'],
);

const stripe = tokenDetector(
  TYPES.stripe,
  /[sr]k_live_[0-9A-Za-z]{24,247}/g,
  isWordCode,
  (v) => (isPlaceholder(v.slice(8)) || shannonEntropy(v.slice(8)) < 3.5 ? undefined : 'high'),
  { keepStart: 8, keepEnd: 2 },
  ['k_live_'],
);

const google = tokenDetector(
  TYPES.google,
  /AIza[0-9A-Za-z_-]{35}/g,
  isB64UrlCode,
  (v) => (isPlaceholder(v.slice(4)) || shannonEntropy(v.slice(4)) < 3.5 ? undefined : 'high'),
  { keepStart: 4, keepEnd: 2 },
  ['AIza'],
);

// ---- Azure storage -----------------------------------------------------------------------------

/** How far from `sv=` a shared access signature's `sig=` may be, on the same line. */
const SAS_REACH = 800;
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
// Starts on the literal `ccount`, which V8 skips to fast; the A or a before it is checked after.
const ACCOUNT_KEY = /ccount[Kk]ey[ \t]{0,8}=[ \t]{0,8}([A-Za-z0-9+/]{86}==)/g;
const SAS_VERSION = /[?&;"' ]sv=20\d\d-\d\d-\d\d[&"';]/g;
const SAS_SIG = /[?&]sig=([A-Za-z0-9%+/]{40,}(?:%3[Dd]|=)*)/;

const azure: Detector = {
  types: [TYPES.azure],
  find(text, out) {
    forEach(ACCOUNT_KEY, text, (m) => {
      if (m.index === 0 || (text[m.index - 1] !== 'A' && text[m.index - 1] !== 'a')) return;
      const start = m.index + m[0].length - 88;
      const key = decodeBase64(m[1]!);
      if (key?.length !== 64 || isB64Code(text.charCodeAt(start + 88)) || isPlaceholder(m[1]!)) return;
      // The storage emulator's key is published in Microsoft's documentation: a hint, not a secret.
      const confidence = m[1] === AZURITE_KEY ? 'low' : 'high';
      out.push({ type: TYPES.azure, start, end: start + 88, confidence, priority: P_TOKEN, reveal: { keepEnd: 2 } });
    });
    // A shared access signature: `sv=<date>` and a `sig=` on the same line.
    const seen = new Set<number>();
    if (text.includes('sv=20')) forEach(SAS_VERSION, text, (m) => {
      const from = lineStartNear(text, m.index, SAS_REACH);
      const lineEnd = indexWithin(text, '\n', m.index, SAS_REACH);
      const sig = SAS_SIG.exec(text.slice(from, lineEnd === -1 ? m.index + SAS_REACH : lineEnd));
      if (!sig) return;
      const start = from + sig.index + 5;
      const end = start + sig[1]!.length;
      if (seen.has(start)) return;
      seen.add(start);
      out.push({ type: TYPES.azure, start, end, confidence: 'high', priority: P_TOKEN, reveal: { keepEnd: 2 } });
    });
  },
};

// ---- JWT ---------------------------------------------------------------------------------------

// Consumes whole runs (never fails midway), so a long run of base64url is read once, not once per `eyJ`.
const JWT = /eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}/g;

const jwt = tokenDetector(
  TYPES.jwt,
  JWT,
  isB64UrlCode,
  (v) => {
    const parts = v.split('.');
    if (parts.length !== 3) return undefined;
    const [h, p, sig] = parts as [string, string, string];
    if (h.length < 11 || p.length < 2) return undefined;
    const header = decodeJsonObject(h);
    if (typeof header?.['alg'] !== 'string') return undefined; // RFC 7515 §4.1.1: alg is required
    if (header['alg'] !== 'none' && sig.length < 16) return undefined;
    return decodeJsonObject(p) ? 'high' : 'medium';
  },
  { keepStart: 3, keepEnd: 2 },
  ['eyJ'],
);

// ---- credentials in URLs and connection strings ------------------------------------------------

const SCHEME = /[A-Za-z][A-Za-z0-9+.-]{1,31}$/;
/** Characters of a URL's user info (RFC 3986 §3.2.1), quotes and parentheses left out: code delimits with them. */
const USERINFO = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~%!$&*+,;=:-') USERINFO[c.charCodeAt(0)] = 1;
const WEAK_PASSWORDS = /^(?:pass|pwd|pw|p@ss|p@ssw0rd|passw0rd|pass123|password1?|secret|changeit|foo|bar|baz|abc|xyz|123|1234|\*+|x+)$/i;
const RESERVED_HOST = /^(?:[^/:?#]*\.)?(?:example\.(?:com|org|net)|example|test|invalid)(?:[:/?#]|$)/i;
const LOCAL_HOST = /^(?:localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1\]|host\.docker\.internal)(?:[:/?#]|$)/i;

const urlCredentials: Detector = {
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
const SECRET_KEY = /(?:pass|pwd|secret|token|key|credential|bearer)[\w.-]{0,64}["'`\]]?[ \t]{0,16}[=:]/gi;
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

/** The line around [start, end), at most `reach` characters either side. */
function lineAround(text: string, start: number, end: number, reach: number): string {
  const ls = lineStartNear(text, start, reach);
  const le = indexWithin(text, '\n', end, reach);
  return text.slice(ls, le === -1 ? Math.min(text.length, end + reach) : le);
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

const assignments: Detector = {
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

// ---- numbers: payment cards, US SSNs -----------------------------------------------------------

// Nine or more digits with single spaces or dashes between; not inside a word, a decimal, a path or a signed number.
// Three leading digits (every card and SSN group starts with 3 or more) let V8 reject most positions early.
const DIGIT_RUN = /(?<![\w.+\-/\\$@])[0-9]{3}(?:[ -]?[0-9]){6,}/g;
const CARD_KEYWORDS = keywordRegex([
  'card', 'cards', 'credit', 'debit', 'visa', 'mastercard', 'amex', 'american express', 'discover', 'jcb', 'diners',
  'payment', 'exp', 'expiry', 'expires', 'expiration', 'cvv', 'cvc', 'cvv2', 'pan', 'cc', 'ccn', 'cc#', 'card_number', 'cardnumber',
]);
const SSN_KEYWORDS = keywordRegex(['ssn', 'ssns', 'social security', 'ss#', 'ssn#', 'soc sec', 'socsec', 'social_security', 'taxpayer id']);
const KEYWORD_DISTANCE = 80;

const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;

/** What may sit right before a number: not part of a word, a decimal, a path or a signed number (as DIGIT_RUN's look-behind). */
function numberStartOk(c: number): boolean {
  return !(isWordCode(c) || c === 46 || c === 45 || c === 43 || c === 47 || c === 92 || c === 36 || c === 64);
}

/** What may sit right after: not a word character, nor a decimal point or comma followed by a digit. */
function numberEndOk(text: string, end: number): boolean {
  if (end >= text.length) return true;
  const c = text.charCodeAt(end);
  if (isWordCode(c)) return false;
  const n = text.charCodeAt(end + 1);
  return !((c === 46 || c === 44 || c === 47 || c === 45) && n >= 48 && n <= 57);
}

function cardGroupsOk(groups: readonly string[]): boolean {
  if (groups.length === 1) return true;
  const sizes = groups.map((g) => g.length);
  const k = sizes.join(',');
  if (k === '4,6,5' || k === '4,6,4') return true;
  return sizes.length >= 4 && sizes.slice(0, -1).every((s) => s === 4) && sizes.at(-1)! <= 4;
}

const numbers: Detector = {
  types: [TYPES.card, TYPES.ssn],
  find(text, out) {
    // test() and a walk back instead of exec(): most runs are plain ids and timestamps, and this way
    // they cost no allocation at all.
    DIGIT_RUN.lastIndex = 0;
    while (DIGIT_RUN.test(text)) {
      const end = DIGIT_RUN.lastIndex;
      let runStart = end - 1;
      let plain = true;
      for (;;) {
        const c = text.charCodeAt(runStart - 1);
        if (c >= 48 && c <= 57) runStart--;
        else if ((c === 32 || c === 45) && isDigitCode(text.charCodeAt(runStart - 2))) {
          runStart--;
          plain = false;
        } else break;
      }
      const length = end - runStart;
      if (plain) {
        if ((length === 9 || (length >= 13 && length <= 19)) && numberEndOk(text, end)) {
          const run = text.slice(runStart, end);
          const hit = length === 9 ? judgeSsn(text, [run], run, '', runStart, end) : judgeCard(text, [run], run, runStart, end);
          if (hit) out.push(hit);
        }
        continue;
      }
      // The regex only starts after an allowed character; the walk back may have gone further.
      const firstAllowed = runStart === 0 || numberStartOk(text.charCodeAt(runStart - 1));
      const run = text.slice(runStart, end);
      // Split the run into digit groups and the separators between them.
      const groups: string[] = [];
      const starts: number[] = [];
      const seps: string[] = [];
      let g = 0;
      for (let i = 0; i <= run.length; i++) {
        const c = run.charCodeAt(i);
        if (i === run.length || c === 32 || c === 45) {
          groups.push(run.slice(g, i));
          starts.push(runStart + g);
          if (i < run.length) seps.push(run[i]!);
          g = i + 1;
        }
      }
      // Try every window of whole groups that starts and ends at the run's edges or at a space.
      let taken = -1;
      for (let a = firstAllowed ? 0 : 1; a < groups.length; a++) {
        if (a > 0 && seps[a - 1] !== ' ') continue;
        // A grouped card starts with 4 digits, a grouped SSN with 3; else only a plain number alone counts.
        const first = groups[a]!.length;
        if (first !== 3 && first !== 4 && first !== 9 && (first < 13 || first > 19)) continue;
        if (starts[a]! < taken) continue;
        let digits = '';
        for (let b = a; b < groups.length; b++) {
          if (b > a && seps[b - 1] !== seps[a]) break;
          digits += groups[b];
          if (digits.length > 19) break;
          if (b < groups.length - 1 && seps[b] !== ' ') continue;
          const start = starts[a]!;
          const end = starts[b]! + groups[b]!.length;
          if (b === groups.length - 1 ? !numberEndOk(text, end) : false) continue;
          const window = groups.slice(a, b + 1);
          const hit = judgeCard(text, window, digits, start, end) ?? judgeSsn(text, window, digits, seps[a] ?? '', start, end);
          if (hit) {
            out.push(hit);
            taken = end;
            break;
          }
        }
      }
    }
  },
};

function judgeCard(text: string, groups: readonly string[], digits: string, start: number, end: number): Hit | undefined {
  if (digits.length < 13 || !luhn(digits) || !cardIssuer(digits) || !cardGroupsOk(groups)) return undefined;
  const confidence = isTestCard(digits) ? 'low' : keywordNear(text, start, end, CARD_KEYWORDS, KEYWORD_DISTANCE) ? 'high' : 'medium';
  return { type: TYPES.card, start, end, confidence, priority: P_DATA, reveal: { keepEnd: 4, keepShape: true } };
}

function judgeSsn(text: string, groups: readonly string[], digits: string, sep: string, start: number, end: number): Hit | undefined {
  if (digits.length !== 9) return undefined;
  const dashed = groups.length === 3 && groups[0]!.length === 3 && groups[1]!.length === 2 && sep === '-';
  const spaced = groups.length === 3 && groups[0]!.length === 3 && groups[1]!.length === 2;
  if (!spaced && groups.length !== 1) return undefined;
  // Nine bare digits are too common to mean anything alone: they need the keyword right before them.
  if (!dashed && !SSN_KEYWORDS.test(text.slice(lineStartNear(text, start, 32), start))) return undefined;
  if (!validSsn(digits)) return undefined;
  const keyword = keywordNear(text, start, end, SSN_KEYWORDS, KEYWORD_DISTANCE);
  const confidence = dashed && keyword ? 'high' : 'medium';
  return { type: TYPES.ssn, start, end, confidence, priority: P_DATA, reveal: { keepEnd: 4, keepShape: true } };
}

// ---- IBAN --------------------------------------------------------------------------------------

const IBAN_START = /[A-Z]{2}\d\d ?[A-Z0-9]{4}/g;

const ibans: Detector = {
  types: [TYPES.iban],
  find(text, out) {
    forEach(IBAN_START, text, (m) => {
      const start = m.index;
      const length = ibanLength(m[0].slice(0, 2));
      if (!length || (start > 0 && isAlnum(text.charCodeAt(start - 1)))) return;
      // Electronic form (no spaces) or print form (a space after every 4 characters).
      const spaced = text.charCodeAt(start + 4) === 32;
      let compact = '';
      let i = start;
      while (compact.length < length && i < text.length) {
        const c = text.charCodeAt(i);
        if (spaced && compact.length % 4 === 0 && compact.length > 0 && c === 32) {
          i++;
          continue;
        }
        if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90))) break;
        compact += text[i];
        i++;
      }
      if (compact.length !== length || (i < text.length && isAlnum(text.charCodeAt(i))) || !validIban(compact)) return;
      out.push({ type: TYPES.iban, start, end: i, confidence: 'high', priority: P_DATA, reveal: { keepStart: 2, keepEnd: 4, keepShape: true } });
      IBAN_START.lastIndex = i;
    });
  },
};

// ---- email lists -------------------------------------------------------------------------------

const EMAIL_LOCAL_CODE = (c: number): boolean => isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
const DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24})(?![A-Za-z0-9-])/;
const NOT_TLD = /^(?:png|jpe?g|gif|svg|webp|ico|js|mjs|cjs|ts|tsx|jsx|css|scss|less|html?|json|ya?ml|md|txt|map|lock|vue|py|rb|go|rs|java|kt|swift|php|sh|zip|gz|tar|pdf|wasm|node)$/i;
const RESERVED_DOMAIN = /(?:^|\.)(?:example\.(?:com|org|net)|test|invalid|localhost|local|example)$/i;

const emails: Detector = {
  types: [TYPES.email],
  find(text, out) {
    const found: { start: number; end: number; at: number; key: string }[] = [];
    const distinct = new Set<string>();
    for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
      let s = at;
      while (s > 0 && at - s < 64 && EMAIL_LOCAL_CODE(text.charCodeAt(s - 1))) s--;
      while (s < at && (text.charCodeAt(s) === 46 || text.charCodeAt(s) === 45)) s++;
      // Not an address: nothing before '@', or the user/password part of a URL (scheme://user:pass@host).
      if (s === at || text.charCodeAt(at - 1) === 46 || text.charCodeAt(s - 1) === 58 || text.startsWith('://', s - 3)) continue;
      const d = DOMAIN.exec(text.slice(at + 1, at + 256));
      if (!d || NOT_TLD.test(d[1]!)) continue;
      const domain = d[0];
      if (RESERVED_DOMAIN.test(domain)) continue;
      const key = text.slice(s, at + 1 + domain.length).toLowerCase();
      distinct.add(key);
      found.push({ start: s, end: at + 1 + domain.length, at, key });
    }
    if (distinct.size < EMAIL_LIST_THRESHOLD) return;
    for (const f of found) {
      const excerpt = `${text[f.start]}***@***${f.key.slice(f.key.lastIndexOf('.'))}`;
      out.push({ type: TYPES.email, start: f.start, end: f.end, confidence: 'medium', priority: P_DATA, excerpt });
    }
  },
};

/** Every built-in detector, in no particular order (overlaps are settled by priority afterwards). */
export const BUILTIN_DETECTORS: readonly Detector[] = [
  privateKeys,
  aws,
  githubClassic,
  githubFineGrained,
  slack,
  stripe,
  google,
  azure,
  jwt,
  urlCredentials,
  assignments,
  numbers,
  ibans,
  emails,
];

/** The built-in types in a stable order. */
export const BUILTIN_TYPES: readonly InfoType[] = Object.values(TYPES);

/**
 * The first-pass patterns the detectors search for before validating (literals as regexes). The scan
 * benchmark hands these to ripgrep, so both search for the same things.
 */
export const CANDIDATE_PATTERNS: readonly RegExp[] = [
  PEM_BEGIN, PUTTY, AWS_ID, GITHUB, GITHUB_PAT, SLACK, /[sr]k_live_[0-9A-Za-z]{24,247}/, /AIza[0-9A-Za-z_-]{35}/, ACCOUNT_KEY, SAS_VERSION, JWT, /:\/\//, SECRET_KEY, DIGIT_RUN, IBAN_START, /@/,
];
