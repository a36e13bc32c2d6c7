/** What every built-in detector shares: the types, the raw hit, priorities and the scanning helpers. */
import type { Confidence, InfoType } from './types.js';
import { isWordCode, type Reveal } from './text.js';

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
  /** Why it has its confidence: "checksum passed", "issuer prefix ghp_", … (never the value). */
  readonly why: readonly string[];
  /** A value published as an example (documentation, SDK samples): reported at low confidence, never acted on. */
  readonly sample?: boolean;
}

/** A validator's answer: the confidence and the reasons for it. */
export interface Verdict {
  readonly confidence: Confidence;
  readonly why: readonly string[];
  readonly sample?: boolean;
}

/** A pass over the text that pushes its hits. */
export interface Detector {
  readonly types: readonly InfoType[];
  /** The first-pass patterns it searches for before validating (the scan benchmark hands them to ripgrep). */
  readonly candidates: readonly RegExp[];
  find(text: string, out: Hit[]): void;
}

/** The reasons findings give for their confidence, worded once. */
export const WHY = {
  prefix: (p: string) => `issuer prefix ${p}`,
  checksum: (name: string) => `${name} checksum passed`,
  checksumFailed: (name: string) => `${name} checksum failed (a look-alike)`,
  structure: (what: string) => `issuer structure (${what})`,
  keyword: 'context keyword nearby',
  noKeyword: 'no context keyword nearby',
  entropy: (h: number) => `entropy ${h.toFixed(1)} bits/char`,
  name: 'assigned to a secret-like name',
  decodes: (what: string) => `decodes as ${what}`,
  sample: (source: string) => `published sample (${source}), ignored`,
} as const;

const type = (id: string, name: string, description: string): InfoType => ({ id, name, description });

/** The built-in types, by the ids that policies name. */
export const TYPES = {
  privateKey: type('private-key', 'Private key', 'A PEM, OpenSSH, PGP or PuTTY private key.'),
  aws: type('aws-access-key', 'AWS access key', 'An AWS access key id (AKIA…/ASIA…) or the secret access key beside it.'),
  github: type('github-token', 'GitHub token', 'A GitHub personal, OAuth, app or refresh token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_).'),
  slack: type(
    'slack-token',
    'Slack token',
    'A Slack bot, user, app, configuration or refresh token (xoxb-, xoxp-, xapp-, xoxe-, …) or a webhook or workflow URL.',
  ),
  stripe: type('stripe-key', 'Stripe secret key', 'A live Stripe secret or restricted key (sk_live_, rk_live_).'),
  google: type('google-api-key', 'Google API key', 'A Google Cloud API key (AIza…).'),
  azure: type(
    'azure-storage-key',
    'Azure storage key',
    'An Azure storage account key (AccountKey=…), a shared access key of a Service Bus, Event Hubs or IoT Hub connection string, or a shared access signature.',
  ),
  azureClientSecret: type('azure-client-secret', 'Azure AD client secret', 'A Microsoft Entra ID (Azure AD) application client secret (…Q~…).'),
  connection: type('connection-string-credential', 'Password in a connection string', 'A password in a database or service connection string (Password=…).'),
  url: type('url-credential', 'Password in a URL', 'A password in a URL (scheme://user:password@host).'),
  command: type(
    'command-credential',
    'Credential in a command or header',
    'A password or token on a command line (curl -u, docker login -p, mysql -p, sshpass -p) or in an HTTP Authorization header.',
  ),
  assignment: type('secret-assignment', 'Hard-coded secret', 'A high-entropy value assigned to a secret-like name (password, token, api_key, …).'),
  jwt: type('jwt', 'JSON Web Token', 'A JSON Web Token (RFC 7519) whose header decodes as JOSE: signed, unsigned, or wrapped in base64.'),
  card: type('credit-card', 'Payment card number', 'A payment card number that passes the Luhn check and fits an issuer range.'),
  iban: type('iban', 'Bank account number (IBAN)', 'An international bank account number with a valid country length and mod-97 check.'),
  ssn: type('us-ssn', 'US social security number', 'A US social security number in a valid area, group and serial range.'),
  email: type('email-list', 'List of email addresses', 'Many distinct email addresses in one file (personal data).'),
} as const satisfies Record<string, InfoType>;

/** The credential types (the default policy names them without loading the detectors). Whoever holds a credential acts as its owner, so no fix may widen who can read it. */
export const CREDENTIAL_TYPES: readonly string[] = [
  'private-key',
  'aws-access-key',
  'github-token',
  'slack-token',
  'stripe-key',
  'google-api-key',
  'azure-storage-key',
  'azure-client-secret',
  'connection-string-credential',
  'url-credential',
  'command-credential',
  'secret-assignment',
  'jwt',
];

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

export const P_TOKEN = 0;
export const P_GENERIC = 2;
export const P_ASSIGNMENT = 3;
export const P_DATA = 4;

/** Runs `re` (global) over `text`, calling `each` per match. */
export function forEach(re: RegExp, text: string, each: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) each(m);
}

/**
 * Where `needle` next occurs in `text` from `from`, looking at most `reach` characters ahead, or -1.
 * Bounded, so that many starts without an end cost linear time, not quadratic.
 */
export function indexWithin(text: string, needle: string, from: number, reach: number): number {
  const i = text.slice(from, from + reach + needle.length).indexOf(needle);
  return i === -1 ? -1 : from + i;
}

/**
 * Every offset of `needle` in `text`, ascending, none overlapping the one before (one pass, for many
 * lookups). It searches for the part of `needle` from `rareAt` on and checks the rest before it: `indexOf`
 * is slow when a needle starts with a common character (`-----END ` 6× slower than `END `).
 */
export function offsetsOf(text: string, needle: string, rareAt = 0): number[] {
  const out: number[] = [];
  const part = needle.slice(rareAt);
  for (let i = text.indexOf(part, rareAt); i !== -1;) {
    const at = i - rareAt;
    const found = text.startsWith(needle, at);
    if (found) out.push(at);
    i = text.indexOf(part, found ? i + needle.length : i + 1);
  }
  return out;
}

/** The first of the ascending `offsets` at or after `from` and before `from + reach` that `ok` accepts, or -1. */
export function firstFrom(offsets: readonly number[], from: number, reach: number, ok: (at: number) => boolean = () => true): number {
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
export function lineStartNear(text: string, at: number, reach: number): number {
  const from = Math.max(0, at - reach);
  return from + text.slice(from, at).lastIndexOf('\n') + 1;
}

/** Neither side of [start, end) continues a token of `isTokenCode` characters. */
export function bounded(text: string, start: number, end: number, isTokenCode: (c: number) => boolean): boolean {
  return (start === 0 || !isTokenCode(text.charCodeAt(start - 1))) && (end >= text.length || !isTokenCode(text.charCodeAt(end)));
}

export const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
export const isB64Code = (c: number): boolean => isAlnum(c) || c === 43 || c === 47 || c === 61;
export const isB64UrlCode = (c: number): boolean => isWordCode(c) || c === 45;

/**
 * True when `text` holds one of `literals`: `includes` outruns a regex pass, and most files hold none. A
 * literal is a gate, not the pattern: the part of it whose first character is rarest in text is fastest
 * (`_pat_` for `github_pat_`, 5× faster than the whole).
 */
export const holdsAny = (text: string, literals: readonly string[]): boolean => literals.some((l) => text.includes(l));

/**
 * A single-pattern token type: a regex, the characters a token is made of, a validator, and literals of
 * which every match holds one (when the text holds none, the regex pass is skipped).
 */
export function tokenDetector(
  t: InfoType,
  re: RegExp,
  isTokenCode: (c: number) => boolean,
  validate: (value: string) => Verdict | undefined,
  reveal: Reveal,
  literals: readonly string[] = [],
): Detector {
  return {
    types: [t],
    candidates: [re],
    find(text, out) {
      if (literals.length > 0 && !holdsAny(text, literals)) return;
      forEach(re, text, (m) => {
        const start = m.index;
        const end = start + m[0].length;
        if (!bounded(text, start, end, isTokenCode)) return;
        const verdict = validate(m[0]);
        if (verdict) out.push({ type: t, start, end, priority: P_TOKEN, reveal, ...verdict });
      });
    },
  };
}

/** The line around [start, end), at most `reach` characters either side. */
export function lineAround(text: string, start: number, end: number, reach: number): string {
  const ls = lineStartNear(text, start, reach);
  const le = indexWithin(text, '\n', end, reach);
  return text.slice(ls, le === -1 ? Math.min(text.length, end + reach) : le);
}
