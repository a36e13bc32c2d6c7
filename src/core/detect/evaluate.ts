/** From findings to a label decision: which minimum label the content needs, and whether to act. */
import type { Confidence, DetectionRule, Finding } from './types.js';

/** What `evaluate` needs of a policy: how labels rank (higher = more sensitive) and the rules. */
export interface RuleSet {
  /** Rank of a label id in the policy's order; a non-finite rank means the label is unknown. */
  readonly rank: (labelId: string) => number;
  readonly rules?: readonly DetectionRule[];
}

export interface Evaluation {
  /** The most sensitive label a triggered rule asks for, with that rule and the findings that met it. */
  readonly required?: { readonly labelId: string; readonly rule: DetectionRule; readonly findings: readonly Finding[] };
  /**
   * `apply`: label the file with `required.labelId` now; `recommend`: tell the person; `none`: the
   * current label is already at least as sensitive (or nothing triggered).
   */
  readonly action: 'none' | 'recommend' | 'apply';
  /** True when the content needs a more sensitive label than the file has (`sensitivity check` fails). */
  readonly outranks: boolean;
}

export interface EvaluateOptions {
  /**
   * True when the current label was applied automatically (by an `apply` rule), so a later `apply`
   * rule may raise it. A label a person chose is never changed automatically. Default false.
   */
  readonly currentIsAutomatic?: boolean;
}

const LEVEL: Record<Confidence, number> = { low: 0, medium: 1, high: 2 };
/** Confidence a rule needs when it does not say: low-confidence findings (test card numbers, look-alikes) do not trigger rules. */
export const DEFAULT_MIN_CONFIDENCE: Confidence = 'medium';

/** Does `rule` count `f`? Its type, at least the rule's confidence, and never a published sample. */
export function counts(rule: DetectionRule, f: Finding): boolean {
  return !f.sample && rule.types.includes(f.typeId) && LEVEL[f.confidence] >= LEVEL[rule.minConfidence ?? DEFAULT_MIN_CONFIDENCE];
}

/**
 * Decides the least label `findings` need under `ruleSet`, compared with the file's current label.
 * Never downgrades; `apply` never overrides a label a person chose (then it only recommends).
 * When rules of the same top label disagree, `apply` wins; a rule naming an unknown label is ignored.
 */
export function evaluate(findings: readonly Finding[], currentLabelId: string | undefined, ruleSet: RuleSet, options: EvaluateOptions = {}): Evaluation {
  let best: { labelId: string; rank: number; rule: DetectionRule; findings: Finding[] } | undefined;
  for (const rule of ruleSet.rules ?? []) {
    const rank = ruleSet.rank(rule.minLabel);
    if (!Number.isFinite(rank)) continue;
    const matched = findings.filter((f) => counts(rule, f));
    if (matched.length === 0 || matched.length < (rule.minCount ?? 1)) continue;
    if (!best || rank > best.rank || (rank === best.rank && rule.action === 'apply' && best.rule.action !== 'apply')) {
      best = { labelId: rule.minLabel, rank, rule, findings: matched };
    }
  }
  if (!best) return { action: 'none', outranks: false };
  const required = { labelId: best.labelId, rule: best.rule, findings: best.findings };
  const currentRank = currentLabelId === undefined ? -Infinity : ruleSet.rank(currentLabelId);
  // An unknown current label ranks below every known one: the content may well need more.
  if (Number.isFinite(currentRank) && currentRank >= best.rank) return { required, action: 'none', outranks: false };
  const mayApply = currentLabelId === undefined || options.currentIsAutomatic === true;
  return { required, action: best.rule.action === 'apply' && mayApply ? 'apply' : 'recommend', outranks: true };
}
