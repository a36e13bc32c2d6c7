/** Numbers: payment cards (Luhn, issuer ranges) and US social security numbers. */
import { isWordCode, keywordNear, keywordRegex } from './text.js';
import { cardIssuer, luhn, testCard, validSsn } from './validators.js';
import { P_DATA, TYPES, WHY, lineStartNear, type Detector, type Hit } from './detector.js';

// Nine or more digits with single spaces or dashes between, or an SSN's 3-2-4 with dots; not inside a word, a
// decimal, a path or a signed number. Three leading digits (every card and SSN group starts with 3 or more) let
// V8 reject most positions early; dots only in the SSN shape keep decimals (523.1234567) from becoming runs.
const DIGIT_RUN = /(?<![\w.+\-/\\$@])[0-9]{3}(?:(?:[ -]?[0-9]){6,}|\.[0-9]{2}\.[0-9]{4})/g;
const CARD_KEYWORDS = keywordRegex([
  'card',
  'cards',
  'credit',
  'debit',
  'visa',
  'mastercard',
  'amex',
  'american express',
  'discover',
  'jcb',
  'diners',
  'payment',
  'exp',
  'expiry',
  'expires',
  'expiration',
  'cvv',
  'cvc',
  'cvv2',
  'pan',
  'cc',
  'ccn',
  'cc#',
  'card_number',
  'cardnumber',
]);
const SSN_KEYWORDS = keywordRegex(['ssn', 'ssns', 'social security', 'ss#', 'ssn#', 'soc sec', 'socsec', 'social_security', 'taxpayer id']);
/** Words before a 3-2-4 number that make it something else (a phone, an order, a version). */
const NOT_SSN_CONTEXT = /\b(?:phone|tel|fax|mobile|call|ext|order|invoice|ref|isbn|version|build|serial|account|zip|po box)\b[^\d\n]{0,16}$/i;
const KEYWORD_DISTANCE = 80;

const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
const isUpperCode = (c: number): boolean => c >= 65 && c <= 90;

/** A digit run's groups: where each starts, its length, the separator code after it; reused run to run. */
const groupStarts: number[] = [];
const groupLengths: number[] = [];
const separators: number[] = [];

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

export const numbers: Detector = {
  types: [TYPES.card, TYPES.ssn],
  candidates: [DIGIT_RUN],
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
        else if ((c === 32 || c === 45 || c === 46) && isDigitCode(text.charCodeAt(runStart - 2))) {
          runStart--;
          plain = false;
        } else break;
      }
      judgeRun(text, runStart, end, plain, out);
    }
  },
};

/**
 * The card or SSN in the digit run from `runStart` to `runEnd`: a run of 9 or 13 to 19 digits alone, or the
 * first window of whole groups of a run with separators (`4111 1111 1111 1111`, `078-05-1120`). Apart from
 * the hot loop, and too large for V8 to inline into it: with the judges inlined, V8 optimized the loop six or
 * seven times per fresh thread, its compile jobs ~600 ms in all under load (now twice, under 50 ms).
 */
function judgeRun(text: string, runStart: number, runEnd: number, plain: boolean, out: Hit[]): void {
  if (plain) {
    const length = runEnd - runStart;
    if ((length !== 9 && (length < 13 || length > 19)) || !numberEndOk(text, runEnd)) return;
    const run = text.slice(runStart, runEnd);
    const hit = length === 9 ? judgeSsn(text, [run], run, '', runStart, runEnd) : judgeCard(text, [run], run, runStart, runEnd);
    if (hit) out.push(hit);
    return;
  }
  // The regex only starts after an allowed character; the walk back may have gone further.
  const firstAllowed = runStart === 0 || numberStartOk(text.charCodeAt(runStart - 1));
  // Split the run into digit groups and the separators between them (-1 after the last).
  let count = 0;
  for (let i = runStart, g = runStart; i <= runEnd; i++) {
    const c = i === runEnd ? -1 : text.charCodeAt(i);
    if (c === -1 || c === 32 || c === 45 || c === 46) {
      groupStarts[count] = g;
      groupLengths[count] = i - g;
      separators[count++] = c;
      g = i + 1;
    }
  }
  // An IBAN's digits after its country code (DE89 3704 …): an IBAN or nothing, never a card.
  if (!firstAllowed && groupLengths[0] === 2 && isUpperCode(text.charCodeAt(runStart - 2)) && isUpperCode(text.charCodeAt(runStart - 1))) return;
  // Try every window of whole groups that starts and ends at the run's edges or at a space.
  let taken = -1;
  for (let a = firstAllowed ? 0 : 1; a < count; a++) {
    if (a > 0 && separators[a - 1] !== 32) continue;
    // A grouped card starts with 4 digits, a grouped SSN with 3; else only a plain number alone counts.
    const first = groupLengths[a]!;
    if (first !== 3 && first !== 4 && first !== 9 && (first < 13 || first > 19)) continue;
    if (groupStarts[a]! < taken) continue;
    let digits = 0;
    for (let b = a; b < count; b++) {
      if (b > a && separators[b - 1] !== separators[a]) break;
      digits += groupLengths[b]!;
      if (digits > 19) break;
      if (b < count - 1 && separators[b] !== 32) continue;
      const start = groupStarts[a]!;
      const end = groupStarts[b]! + groupLengths[b]!;
      if (b === count - 1 ? !numberEndOk(text, end) : false) continue;
      // Only 9 digits (an SSN) or 13 to 19 (a card) can be either: most runs (phone numbers) build no strings.
      if (digits !== 9 && digits < 13) continue;
      const window: string[] = [];
      for (let k = a; k <= b; k++) window.push(text.slice(groupStarts[k], groupStarts[k]! + groupLengths[k]!));
      const sep = separators[a] === -1 ? '' : String.fromCharCode(separators[a]!);
      const all = window.join('');
      const hit = (sep === '.' ? undefined : judgeCard(text, window, all, start, end)) ?? judgeSsn(text, window, all, sep, start, end);
      if (hit) {
        out.push(hit);
        taken = end;
        break;
      }
    }
  }
}

function judgeCard(text: string, groups: readonly string[], digits: string, start: number, end: number): Hit | undefined {
  if (digits.length < 13 || !luhn(digits) || !cardGroupsOk(groups)) return undefined;
  const issuer = cardIssuer(digits);
  if (!issuer) return undefined;
  const base = { type: TYPES.card, start, end, priority: P_DATA, reveal: { keepEnd: 4, keepShape: true } };
  const test = testCard(digits);
  if (test) return { ...base, confidence: 'low', why: [WHY.sample(test)], sample: true };
  const keyword = keywordNear(text, start, end, CARD_KEYWORDS, KEYWORD_DISTANCE);
  return {
    ...base,
    confidence: keyword ? 'high' : 'medium',
    why: [WHY.checksum('Luhn'), `${issuer} issuer range and length`, keyword ? WHY.keyword : WHY.noKeyword],
  };
}

function judgeSsn(text: string, groups: readonly string[], digits: string, sep: string, start: number, end: number): Hit | undefined {
  if (digits.length !== 9) return undefined;
  const grouped = groups.length === 3 && groups[0]!.length === 3 && groups[1]!.length === 2;
  if (!grouped && groups.length !== 1) return undefined;
  const before = text.slice(lineStartNear(text, start, 32), start);
  // Nine bare digits are too common to mean anything alone: they need the keyword right before them.
  if (!grouped && !SSN_KEYWORDS.test(before)) return undefined;
  // 3-2-4 with spaces or dots is an SSN's shape too, unless the words before say phone, order, version, …
  if (grouped && sep !== '-' && NOT_SSN_CONTEXT.test(before)) return undefined;
  if (!validSsn(digits)) return undefined;
  const keyword = keywordNear(text, start, end, SSN_KEYWORDS, KEYWORD_DISTANCE);
  const shape = grouped ? `3-2-4 grouping with ${sep === '-' ? 'dashes' : sep === '.' ? 'dots' : 'spaces'}` : 'nine digits right after an SSN keyword';
  const why = ['valid area, group and serial', shape, keyword ? WHY.keyword : WHY.noKeyword];
  return { type: TYPES.ssn, start, end, confidence: grouped && keyword ? 'high' : 'medium', why, priority: P_DATA, reveal: { keepEnd: 4, keepShape: true } };
}
