/** Scanning: built-in and policy-defined detectors over a text, overlaps settled, positions and masks added. */
import { SensitivityError } from '../errors.js';
import { BUILTIN_DETECTORS, BUILTIN_TYPES, type Detector, type Hit } from './builtins.js';
import { WHY } from './detector.js';
import { isPlaceholder, keywordNear, keywordRegex, LineCursor, maskValue, shannonEntropy } from './text.js';
import type { Confidence, CustomInfoType, DetectionPolicy, Finding, InfoType } from './types.js';
import { luhn, validIban, validSsn } from './validators.js';

/** A compiled set of detectors; compile once per policy, scan many texts. */
export interface Scanner {
  /** Every type this scanner can report, built-in first. */
  readonly types: readonly InfoType[];
  /** All findings in `text`, in order of offset. */
  scan(text: string): Finding[];
}

const CONFIDENCES: readonly Confidence[] = ['low', 'medium', 'high'];
const VALIDATORS = ['none', 'luhn', 'mod97', 'ssn', 'entropy'] as const;
const ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Default reach of a custom type's keywords, in characters either side of the match. */
export const DEFAULT_KEYWORD_DISTANCE = 100;
const P_CUSTOM = 1;

/**
 * Problems in a policy's `detection` section that scanning cannot work with (bad ids, duplicate ids,
 * patterns that do not compile, unknown validators); empty when it is usable.
 */
export function detectionProblems(detection: DetectionPolicy | undefined): string[] {
  const problems: string[] = [];
  const ids = new Set(BUILTIN_TYPES.map((t) => t.id));
  for (const [i, t] of (detection?.customTypes ?? []).entries()) {
    const where = `detection.customTypes[${i}]`;
    if (typeof t.id !== 'string' || !ID.test(t.id)) problems.push(`${where}.id must be lower-case letters, digits, '.', '_' or '-'`);
    else if (ids.has(t.id)) problems.push(`${where}.id "${t.id}" is already a type`);
    else ids.add(t.id);
    if (typeof t.name !== 'string' || t.name.length === 0) problems.push(`${where}.name is required`);
    try {
      // With a capture group, group 1 is the sensitive value: its range is reported and validated.
      const grouped = (new RegExp(`|${t.pattern}`, customFlags(t.flags)).exec('')?.length ?? 1) > 1;
      const re = new RegExp(t.pattern, customFlags(t.flags) + (grouped ? 'd' : ''));
      if (re.test('')) problems.push(`${where}.pattern matches the empty string`);
    } catch (e) {
      problems.push(`${where}.pattern or flags do not compile: ${(e as Error).message}`);
    }
    if (t.validator !== undefined && !(VALIDATORS as readonly string[]).includes(t.validator)) problems.push(`${where}.validator is unknown`);
    if (t.confidence !== undefined && !CONFIDENCES.includes(t.confidence)) problems.push(`${where}.confidence is unknown`);
    if (t.keywordDistance !== undefined && !(Number.isInteger(t.keywordDistance) && t.keywordDistance >= 0)) {
      problems.push(`${where}.keywordDistance must be a non-negative integer`);
    }
  }
  return problems;
}

/** The flags a custom pattern runs with: the policy's own (minus g/y/d), plus global. */
function customFlags(flags = ''): string {
  return [...new Set(flags.replace(/[gyd]/g, ''))].join('') + 'g';
}

const VALIDATE: Record<(typeof VALIDATORS)[number], (value: string) => boolean> = {
  none: () => true,
  luhn: (v) => luhn(v.replace(/[^0-9]/g, '')),
  mod97: (v) => validIban(v.replace(/[\s-]/g, '').toUpperCase()),
  ssn: (v) => validSsn(v.replace(/[^0-9]/g, '')),
  entropy: (v) => !isPlaceholder(v) && shannonEntropy(v) >= 3.5,
};

function customDetector(t: CustomInfoType): Detector {
  const info: InfoType = { id: t.id, name: t.name, description: `${t.name} (defined by the policy).` };
  // With a capture group, group 1 is the sensitive value: its range is reported and validated.
  const grouped = (new RegExp(`|${t.pattern}`, customFlags(t.flags)).exec('')?.length ?? 1) > 1;
  const re = new RegExp(t.pattern, customFlags(t.flags) + (grouped ? 'd' : ''));
  const words = (t.keywords ?? []).filter((k) => k.length > 0);
  const keywords = words.length > 0 ? keywordRegex(words) : undefined;
  const distance = t.keywordDistance ?? DEFAULT_KEYWORD_DISTANCE;
  const validate = VALIDATE[t.validator ?? 'none'];
  const confidence = t.confidence ?? 'medium';
  const why = [
    'policy pattern',
    ...(keywords ? [WHY.keyword] : []),
    ...(t.validator && t.validator !== 'none' ? [`${t.validator} validator passed`] : []),
    `confidence set by the policy (${confidence})`,
  ];
  return {
    types: [info],
    candidates: [re],
    find(text, out) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        const span = grouped ? m.indices?.[1] : undefined;
        const [start, end] = span ?? [m.index, m.index + m[0].length];
        if (start === end) continue;
        if (keywords && !keywordNear(text, start, end, keywords, distance)) continue;
        if (!validate(text.slice(start, end))) continue;
        out.push({ type: info, start, end, confidence, why, priority: P_CUSTOM, reveal: { keepEnd: 2 } });
      }
    },
  };
}

/** Keeps, of overlapping hits, the one of lowest priority (the more specific type); sorted by start. */
function settle(hits: Hit[]): Hit[] {
  hits.sort((a, b) => a.start - b.start || a.priority - b.priority || b.end - a.end);
  const kept: Hit[] = [];
  for (const h of hits) {
    const last = kept.at(-1);
    if (!last || h.start >= last.end) kept.push(h);
    else if (h.priority < last.priority) kept[kept.length - 1] = h;
  }
  return kept;
}

/**
 * Compiles the built-in detectors and the policy's custom types. Throws SensitivityError
 * `E_POLICY_INVALID` when `detectionProblems` finds any.
 */
export function createScanner(detection?: DetectionPolicy): Scanner {
  const problems = detectionProblems(detection);
  if (problems.length > 0) throw new SensitivityError('E_POLICY_INVALID', `invalid detection policy: ${problems.join('; ')}`);
  const detectors = [...BUILTIN_DETECTORS, ...(detection?.customTypes ?? []).map(customDetector)];
  const types = [...new Set(detectors.flatMap((d) => d.types))];
  return {
    types,
    scan(text) {
      const hits: Hit[] = [];
      for (const d of detectors) d.find(text, hits);
      if (hits.length === 0) return [];
      const cursor = new LineCursor(text);
      return settle(hits).map((h) => {
        const { line, column } = cursor.at(h.start);
        const endPos = cursor.at(h.end);
        return {
          typeId: h.type.id,
          typeName: h.type.name,
          confidence: h.confidence,
          offset: h.start,
          length: h.end - h.start,
          line,
          column,
          endLine: endPos.line,
          endColumn: endPos.column,
          excerpt: h.excerpt ?? maskValue(text.slice(h.start, h.end), h.reveal),
          why: h.why,
          sample: h.sample === true,
        };
      });
    },
  };
}

const compiled = new WeakMap<DetectionPolicy, Scanner>();
let builtinScanner: Scanner | undefined;

/** The scanner for `detection`, compiled on first use and kept while the policy object lives. */
export function scannerFor(detection?: DetectionPolicy): Scanner {
  if (!detection?.customTypes?.length) return (builtinScanner ??= createScanner());
  let s = compiled.get(detection);
  if (!s) compiled.set(detection, (s = createScanner(detection)));
  return s;
}

/** Every finding of the built-in types and the policy's custom types in `text`, by offset. */
export function scanText(text: string, detection?: DetectionPolicy): Finding[] {
  return scannerFor(detection).scan(text);
}
