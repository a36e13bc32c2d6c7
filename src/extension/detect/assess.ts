/**
 * From a document's findings to what the editor says about them: the core's verdict for the file, which
 * label each finding asks for, and the words of diagnostics and summaries. Pure (no `vscode`).
 */
import {
  counts,
  evaluate,
  findLabel,
  rankOrUnknown,
  CREDENTIAL_TYPES,
  recommendedLabel,
  type DetectionRule,
  type Evaluation,
  type Finding,
  type Policy,
  type PolicyLabel,
} from '../../core/index.js';

/** The file's current label as shown (a protected file's label may be one the policy does not know). */
export interface CurrentLabel {
  readonly id: string;
  readonly displayName: string;
  /** The label's protection is required and the file is still plaintext: its findings stay warnings until protected. */
  readonly unprotected?: boolean;
}

/** A finding that a triggered rule counts, with the most sensitive label such a rule asks for. */
export interface Counted {
  readonly finding: Finding;
  readonly need: PolicyLabel;
  /**
   * The need is more sensitive than the file's label (or the file has none, or one the policy does not know), or
   * the file's label requires protection and the file is still plaintext.
   */
  readonly outranks: boolean;
  /** Outranked only because the file's label requires protection and the file is still plaintext. */
  readonly plaintext?: true;
}

export interface Assessment {
  readonly evaluation: Evaluation;
  readonly counted: readonly Counted[];
  /** What the content needs (the evaluation's required label), when a rule triggered. */
  readonly required?: PolicyLabel;
  /**
   * The label to recommend for `required`: the least sensitive one a person can apply (its first sublabel for a
   * parent), never one that grants a group by default when the content holds a credential.
   */
  readonly target?: PolicyLabel;
  /** "Payment card number (2), AWS access key": what `counted` holds, never the values. */
  readonly summary: string;
  /** Published test card numbers (4111 1111 1111 1111…): found, and said why they do not count. */
  readonly testNumbers: readonly Finding[];
}

/** The card type's id; the detectors give a published test number low confidence. */
const CARD_TYPE = 'credit-card';

/** A rule's matching findings when it triggers (as `evaluate` decides: confidence, count, known label). */
function triggered(rule: DetectionRule, findings: readonly Finding[], policy: Policy): Finding[] {
  if (!Number.isFinite(rankOrUnknown(policy, rule.minLabel))) return [];
  const matched = findings.filter((f) => counts(rule, f));
  return matched.length >= (rule.minCount ?? 1) ? matched : [];
}

/**
 * Assesses `findings` of a file labeled `current` (undefined: no label) under `policy`. `currentIsAutomatic`
 * lets an `apply` rule raise a label that was itself applied automatically.
 */
export function assess(findings: readonly Finding[], policy: Policy, current: CurrentLabel | undefined, currentIsAutomatic = false): Assessment {
  const evaluation = evaluate(findings, current?.id, { rank: (id) => rankOrUnknown(policy, id), rules: policy.detection?.rules ?? [] }, { currentIsAutomatic });
  const needs = new Map<Finding, PolicyLabel>();
  for (const rule of policy.detection?.rules ?? []) {
    const matched = triggered(rule, findings, policy);
    if (matched.length === 0) continue;
    const label = findLabel(policy, rule.minLabel);
    for (const f of matched) if ((needs.get(f)?.rank ?? -Infinity) < label.rank) needs.set(f, label);
  }
  const currentRank = current ? rankOrUnknown(policy, current.id) : -Infinity;
  const counted = findings.flatMap((f) => {
    const need = needs.get(f);
    if (!need) return [];
    const below = currentRank < need.rank;
    return [{ finding: f, need, outranks: below || current?.unprotected === true, ...(!below && current?.unprotected ? { plaintext: true as const } : {}) }];
  });
  const requiredId = evaluation.required?.labelId;
  const credential = evaluation.required?.findings.some((f) => CREDENTIAL_TYPES.includes(f.typeId)) === true;
  return {
    evaluation,
    counted,
    ...(requiredId ? { required: findLabel(policy, requiredId), target: recommendedLabel(policy, requiredId, { narrow: credential }) } : {}),
    summary: summarize(counted.map((c) => c.finding)),
    testNumbers: findings.filter((f) => f.typeId === CARD_TYPE && f.confidence === 'low' && !needs.has(f)),
  };
}

/** "Payment card number (2), AWS access key": types in order of first appearance, with counts. */
export function summarize(findings: readonly Pick<Finding, 'typeName'>[]): string {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.typeName, (counts.get(f.typeName) ?? 0) + 1);
  return [...counts].map(([name, n]) => (n === 1 ? name : `${name} (${n})`)).join(', ');
}

/**
 * The diagnostic's words (its hover): "Payment card number (**** 6467) — this file should be at least
 * Confidential (it is General). High confidence: Luhn checksum passed, Visa issuer range and length, context
 * keyword nearby". Only the masked excerpt appears.
 */
export function messageOf(c: Counted, current: CurrentLabel | undefined, a: Assessment): string {
  const what = `${c.finding.typeName} (${c.finding.excerpt})`;
  const why =
    c.finding.why.length > 0 ? `. ${c.finding.confidence[0]!.toUpperCase()}${c.finding.confidence.slice(1)} confidence: ${c.finding.why.join(', ')}` : '';
  if (!c.outranks) return `${what} — needs at least ${c.need.displayName}; this file is ${current?.displayName}${why}`;
  if (c.plaintext) return `${what} — this file is ${current?.displayName}, a label that requires protection, but it is still plaintext: protect it${why}`;
  const now = current ? `it is ${current.displayName}` : 'it has no label';
  const onSave = a.evaluation.action === 'apply' && a.target ? `; saving labels it ${a.target.displayName}` : '';
  return `${what} — this file should be at least ${c.need.displayName} (${now}${onSave})${why}`;
}
