/** Tokens with an issuer's shape: AWS, GitHub, Slack, Stripe, Google, Azure storage, JWT. */
import type { Confidence } from './types.js';
import { decodeBase64, decodeJsonObject, isPlaceholder, isWordCode, shannonEntropy } from './text.js';
import { githubChecksumOk } from './validators.js';
import { P_TOKEN, TYPES, bounded, forEach, indexWithin, isAlnum, isB64Code, isB64UrlCode, lineAround, lineStartNear, tokenDetector, type Detector } from './detector.js';

// ---- AWS ---------------------------------------------------------------------------------------

export const AWS_ID = /(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}/g;
const AWS_SECRET = /[A-Za-z0-9/+]{40}/g;
const AWS_NEAR = 400;

/** A 40-character AWS secret access key: base64 alphabet, mixed classes, random-looking. */
export function awsSecretLike(v: string): boolean {
  return /[A-Z]/.test(v) && /[a-z]/.test(v) && /\d/.test(v) && shannonEntropy(v) >= 4.2 && !isPlaceholder(v);
}

export const aws: Detector = {
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

export const GITHUB = /gh[pousr]_[A-Za-z0-9]{36}/g;
export const GITHUB_PAT = /github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}/g;

function validateGithub(v: string): Confidence | undefined {
  const random = v.startsWith('github_pat_') ? v.slice(11) : v.slice(4);
  if (isPlaceholder(random) || shannonEntropy(random) < 3) return undefined;
  if (v.startsWith('github_pat_')) return 'high';
  return githubChecksumOk(v) ? 'high' : 'low'; // a look-alike: right shape, wrong checksum
}

// Two passes: each starts with its own literal, which V8 skips to far faster than to an alternation.
export const githubClassic = tokenDetector(TYPES.github, GITHUB, isWordCode, validateGithub, { keepStart: 4, keepEnd: 2 });
export const githubFineGrained = tokenDetector(TYPES.github, GITHUB_PAT, isWordCode, validateGithub, { keepStart: 11, keepEnd: 2 }, ['github_pat_']);

export const SLACK = /xox[abposr]-[0-9A-Za-z-]{20,250}|hooks\.slack\.com\/(?:services|workflows)\/[A-Za-z0-9/]{20,120}/g;

export const slack = tokenDetector(
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

export const stripe = tokenDetector(
  TYPES.stripe,
  /[sr]k_live_[0-9A-Za-z]{24,247}/g,
  isWordCode,
  (v) => (isPlaceholder(v.slice(8)) || shannonEntropy(v.slice(8)) < 3.5 ? undefined : 'high'),
  { keepStart: 8, keepEnd: 2 },
  ['k_live_'],
);

export const google = tokenDetector(
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
export const ACCOUNT_KEY = /ccount[Kk]ey[ \t]{0,8}=[ \t]{0,8}([A-Za-z0-9+/]{86}==)/g;
export const SAS_VERSION = /[?&;"' ]sv=20\d\d-\d\d-\d\d[&"';]/g;
const SAS_SIG = /[?&]sig=([A-Za-z0-9%+/]{40,}(?:%3[Dd]|=)*)/;

export const azure: Detector = {
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
export const JWT = /eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}/g;

export const jwt = tokenDetector(
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
