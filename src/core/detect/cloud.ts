/** Cloud credentials: AWS access key ids and secret keys, Azure storage keys, SAS tokens and Entra ID client secrets. */
import { decodeBase64, isPlaceholder, shannonEntropy } from './text.js';
import { P_TOKEN, TYPES, WHY, bounded, forEach, indexWithin, isAlnum, isB64Code, lineAround, lineStartNear, type Detector, type Verdict } from './detector.js';
import { sampleVerdict } from './samples.js';

// ---- AWS ---------------------------------------------------------------------------------------

/**
 * Access key id prefixes (IAM User Guide, "Unique identifiers"): AKIA long-term access key, ASIA temporary
 * (STS) key, ABIA STS service bearer token, ACCA context-specific credential. Ids of
 * users, roles, groups and policies (AIDA, AROA, AGPA, ANPA, …) identify, they do not authenticate.
 */
const AWS_ID = /(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}/g;
const AWS_PREFIX: Readonly<Record<string, string>> = {
  AKIA: 'AKIA (access key)',
  ASIA: 'ASIA (temporary STS key)',
  ABIA: 'ABIA (STS bearer token)',
  ACCA: 'ACCA (context credential)',
};
const AWS_SECRET = /[A-Za-z0-9/+]{40}/g;
const AWS_NEAR = 400;

/** A 40-character AWS secret access key: base64 alphabet, mixed classes, random-looking. */
export function awsSecretLike(v: string): boolean {
  return /[A-Z]/.test(v) && /[a-z]/.test(v) && /\d/.test(v) && shannonEntropy(v) >= 4.2 && !isPlaceholder(v);
}

/** The verdict on a 40-character secret access key found by its context (`context` says which). */
export function awsSecretVerdict(v: string, context: string): Verdict | undefined {
  return sampleVerdict(v) ?? (awsSecretLike(v) ? { confidence: 'high', why: [context, WHY.entropy(shannonEntropy(v))] } : undefined);
}

export const aws: Detector = {
  types: [TYPES.aws],
  candidates: [AWS_ID],
  find(text, out) {
    forEach(AWS_ID, text, (m) => {
      const start = m.index;
      const end = start + 20;
      if (!bounded(text, start, end, isAlnum)) return;
      const sample = sampleVerdict(m[0]);
      const prefix = AWS_PREFIX[m[0].slice(0, 4)]!;
      out.push({
        type: TYPES.aws,
        start,
        end,
        priority: P_TOKEN,
        reveal: { keepStart: 4, keepEnd: 2 },
        ...(sample ?? { confidence: 'high', why: [WHY.prefix(prefix), WHY.structure('20 characters, base32 alphabet')] }),
      });
      if (sample) return;
      // The secret key has no prefix of its own: look for it beside the key id.
      const from = Math.max(0, start - AWS_NEAR);
      const window = text.slice(from, Math.min(text.length, end + AWS_NEAR));
      forEach(AWS_SECRET, window, (s) => {
        const at = from + s.index;
        // On the key id's line (a credentials CSV) or on a line that says "secret" (env, ini, JSON).
        const line = lineAround(text, at, at + 40, 200);
        const sameLine = !text.slice(Math.min(at, start), Math.max(at, end)).includes('\n');
        if (!bounded(text, at, at + 40, isB64Code) || !(sameLine || /secret/i.test(line))) return;
        const verdict = awsSecretVerdict(s[0], 'beside an AWS access key id');
        if (verdict) out.push({ type: TYPES.aws, start: at, end: at + 40, priority: P_TOKEN, reveal: { keepEnd: 2 }, ...verdict });
      });
    });
  },
};

// ---- Azure -------------------------------------------------------------------------------------

/** How far from `sv=` a shared access signature's `sig=` may be, on the same line. */
const SAS_REACH = 800;
// Starts on the literal `ccount`, which V8 skips to fast; the A or a before it is checked after.
const ACCOUNT_KEY = /ccount[Kk]ey[ \t]{0,8}=[ \t]{0,8}([A-Za-z0-9+/]{86}==)/g;
const SAS_VERSION = /[?&;"' ]sv=20\d\d-\d\d-\d\d[&"';]/g;
const SAS_SIG = /[?&]sig=([A-Za-z0-9%+/]{40,}(?:%3[Dd]|=)*)/;

export const azure: Detector = {
  types: [TYPES.azure],
  candidates: [ACCOUNT_KEY, SAS_VERSION],
  find(text, out) {
    forEach(ACCOUNT_KEY, text, (m) => {
      if (m.index === 0 || (text[m.index - 1] !== 'A' && text[m.index - 1] !== 'a')) return;
      const start = m.index + m[0].length - 88;
      const key = decodeBase64(m[1]!);
      if (key?.length !== 64 || isB64Code(text.charCodeAt(start + 88)) || isPlaceholder(m[1]!)) return;
      const verdict = sampleVerdict(m[1]!) ?? { confidence: 'high', why: ['AccountKey= field', WHY.decodes('a 64-byte key')] };
      out.push({ type: TYPES.azure, start, end: start + 88, priority: P_TOKEN, reveal: { keepEnd: 2 }, ...verdict });
    });
    // A shared access signature: `sv=<date>` and a `sig=` on the same line.
    const seen = new Set<number>();
    // Gates name a rare part of the literal: `includes` is fastest when its first character is rare in text.
    if (text.includes('v=20'))
      forEach(SAS_VERSION, text, (m) => {
        const from = lineStartNear(text, m.index, SAS_REACH);
        const lineEnd = indexWithin(text, '\n', m.index, SAS_REACH);
        const sig = SAS_SIG.exec(text.slice(from, lineEnd === -1 ? m.index + SAS_REACH : lineEnd));
        if (!sig) return;
        const start = from + sig.index + 5;
        const end = start + sig[1]!.length;
        if (seen.has(start)) return;
        seen.add(start);
        out.push({
          type: TYPES.azure,
          start,
          end,
          confidence: 'high',
          why: [WHY.structure('shared access signature: sv= version and sig= on one line')],
          priority: P_TOKEN,
          reveal: { keepEnd: 2 },
        });
      });
  },
};

/** Characters of an Entra ID (Azure AD) client secret. */
const isClientSecretCode = (c: number): boolean => isAlnum(c) || c === 95 || c === 126 || c === 46 || c === 45;
const CLIENT_SECRET_MARK = /Q~/g;

/**
 * Entra ID (Azure AD) application client secrets as issued since 2021: 40 characters, three random ones, a
 * version digit, the marker `Q~`, then 34 random ones (alphabet A–Z a–z 0–9 _ ~ . -).
 */
export const azureClientSecret: Detector = {
  types: [TYPES.azureClientSecret],
  candidates: [CLIENT_SECRET_MARK],
  find(text, out) {
    for (let q = text.indexOf('Q~'); q !== -1; q = text.indexOf('Q~', q + 2)) {
      const start = q - 4;
      if (start < 0 || !(text.charCodeAt(q - 1) >= 48 && text.charCodeAt(q - 1) <= 57)) continue;
      let end = q + 2;
      while (end < text.length && end - q <= 40 && isClientSecretCode(text.charCodeAt(end))) end++;
      const tail = end - q - 2;
      if (tail < 31 || tail > 34 || !bounded(text, start, end, isClientSecretCode)) continue;
      const value = text.slice(start, end);
      if (!/^[A-Za-z0-9_~.]{3}\d/.test(value) || isPlaceholder(value)) continue;
      const h = shannonEntropy(value.slice(6));
      if (h < 3.5) continue;
      out.push({
        type: TYPES.azureClientSecret,
        start,
        end,
        confidence: 'high',
        why: [WHY.structure('version digit and Q~ marker, 40 characters'), WHY.entropy(h)],
        priority: P_TOKEN,
        reveal: { keepStart: 0, keepEnd: 2 },
      });
    }
  },
};
