/**
 * Labels' content markings in the policy: checked before the JSON Schema, so a mistake is said in people's words
 * with a stable problem id (E_POLICY_INVALID, details.problem), and rendered for a label (`{label}` is its name).
 */
import { showable } from '../display.js';
import { SensitivityError } from '../errors.js';
import type { MarkingText } from '../markings/text.js';
import type { PolicyLabel } from './types.js';

/** The longest header or footer text, in characters (before `{label}` is filled in). */
export const MARKING_MAX_LENGTH = 200;

/** What a marking text may say besides plain words: `{label}`, the label's name ("Confidential / All Employees"). */
export const MARKING_PLACEHOLDERS: Readonly<Record<string, (label: PolicyLabel) => string>> = {
  '{label}': (l) => l.displayName,
};

/** Why a label's markings are refused: `details.problem` of the E_POLICY_INVALID error. */
export type MarkingProblem =
  | 'markings-not-object'
  | 'marking-unknown-setting'
  | 'marking-not-text'
  | 'marking-empty'
  | 'marking-too-long'
  | 'marking-line-break'
  | 'marking-placeholder'
  | 'banner-not-boolean';

const SETTINGS = ['header', 'footer', 'banner'] as const;
// eslint-disable-next-line no-control-regex
const LINE_BREAK_OR_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The problem with one header or footer text, in words after "its header ", or undefined when it is fine. */
function textProblem(v: unknown): [MarkingProblem, string] | undefined {
  if (typeof v !== 'string') return ['marking-not-text', `must be text, such as "Confidential: do not forward" (got ${JSON.stringify(v) ?? String(v)})`];
  if (v.trim() === '') return ['marking-empty', 'is empty: write the text to show, or leave the setting out'];
  if (v.length > MARKING_MAX_LENGTH) return ['marking-too-long', `has ${v.length} characters; at most ${MARKING_MAX_LENGTH} fit on one line`];
  if (LINE_BREAK_OR_CONTROL.test(v)) return ['marking-line-break', 'must be one line: it holds a line break or another control character'];
  const unknown = v.match(/\{[^{}]*\}/g)?.find((p) => !(p in MARKING_PLACEHOLDERS));
  if (unknown)
    return [
      'marking-placeholder',
      `says ${unknown}, which is not something a marking can fill in; use ${Object.keys(MARKING_PLACEHOLDERS).join(', ')} (the label's name)`,
    ];
  return undefined;
}

/** The problem with one label's `markings`, in words after "its ", or undefined. */
function markingsProblem(m: unknown): [MarkingProblem, string, string?] | undefined {
  if (!isObject(m)) return ['markings-not-object', 'markings must be an object with a header, a footer and/or banner: true'];
  const unknown = Object.keys(m).find((k) => !(SETTINGS as readonly string[]).includes(k));
  if (unknown !== undefined) {
    const hint = unknown === 'watermark' ? ' (text files have no watermark; the editor banner stands for it)' : '';
    return ['marking-unknown-setting', `markings have a setting "${unknown}" this tool does not know${hint}; use header, footer or banner`];
  }
  for (const which of ['header', 'footer'] as const) {
    if (!(which in m)) continue;
    const p = textProblem(m[which]);
    if (p) return [p[0], `${which} marking ${p[1]}`, which];
  }
  if ('banner' in m && typeof m.banner !== 'boolean') return ['banner-not-boolean', `banner must be true or false (got ${JSON.stringify(m.banner)})`, 'banner'];
  return undefined;
}

/**
 * Checks the `markings` of every label and sublabel of a parsed (not yet schema-checked) policy, so that a bad one
 * is refused in words: `label "Confidential": its header marking says {user}, …`. Anything else is left to the schema.
 */
export function checkMarkings(json: unknown, what: string, source?: string): void {
  if (!isObject(json) || !Array.isArray(json.labels)) return;
  const labels = (json.labels as unknown[]).flatMap((l) => (isObject(l) ? [l, ...(Array.isArray(l.sublabels) ? l.sublabels : [])] : []));
  for (const label of labels) {
    if (!isObject(label) || !('markings' in label)) continue;
    const problem = markingsProblem(label.markings);
    if (!problem) continue;
    const name = typeof label.name === 'string' ? label.name : typeof label.id === 'string' ? label.id : '(unnamed)';
    const [id, words, marking] = problem;
    throw new SensitivityError('E_POLICY_INVALID', `${what}: label "${name}": its ${words}`, source, {
      details: { problem: id, label: name, ...(marking ? { marking } : {}) },
    });
  }
}

/** The header and footer text `label` writes, placeholders filled in and unsafe characters made visible; {} when none. */
export function renderMarkings(label: PolicyLabel | undefined): MarkingText {
  const m = label?.markings;
  if (!label || !m) return {};
  const fill = (t: string) =>
    showable(t.replace(/\{[^{}]*\}/g, (p) => MARKING_PLACEHOLDERS[p]?.(label) ?? p))
      .replace(/\s+/g, ' ')
      .trim();
  return { ...(m.header !== undefined ? { header: fill(m.header) } : {}), ...(m.footer !== undefined ? { footer: fill(m.footer) } : {}) };
}

/** True when `label` shows a banner in editors. */
export const showsBanner = (label: Pick<PolicyLabel, 'markings'> | undefined): boolean => label?.markings?.banner === true;
