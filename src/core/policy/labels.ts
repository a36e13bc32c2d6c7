/** Labels in priority order: flattening, lookup by id or name, and what counts as a downgrade. */
import { SensitivityError } from '../errors.js';
import type { LabelDefinition, Policy, PolicyLabel } from './types.js';

const flatCache = new WeakMap<Policy, readonly PolicyLabel[]>();

/**
 * Every label in priority order, least sensitive first: each parent followed by its sublabels. A sublabel
 * is shown as "Parent / Name", chosen as "Parent/Name", and inherits its parent's color.
 */
export function flattenLabels(policy: Policy): readonly PolicyLabel[] {
  const cached = flatCache.get(policy);
  if (cached) return cached;
  const out: PolicyLabel[] = [];
  const push = (l: LabelDefinition, parent?: LabelDefinition) => {
    const color = l.color ?? parent?.color;
    const markings = l.markings ?? parent?.markings;
    out.push({
      id: l.id,
      name: l.name,
      displayName: parent ? `${parent.name} / ${l.name}` : l.name,
      path: parent ? `${parent.name}/${l.name}` : l.name,
      ...(l.description !== undefined ? { description: l.description } : {}),
      ...(color !== undefined ? { color } : {}),
      ...(parent ? { parent: parent.id } : {}),
      ...(l.sublabels?.length ? { sublabels: l.sublabels.map((s) => s.id) } : {}),
      applicable: !l.sublabels?.length,
      rank: out.length,
      ...(l.protection ? { protection: l.protection } : {}),
      ...(l.purviewId ? { purviewId: l.purviewId.toLowerCase() } : {}),
      ...(markings ? { markings } : {}),
    });
  };
  for (const l of policy.labels) {
    push(l);
    for (const s of l.sublabels ?? []) push(s, l);
  }
  flatCache.set(policy, out);
  return out;
}

/** Case-, space- and separator-insensitive form: "Confidential / All Employees", "confidential\all employees" and "Confidential All Employees" agree. */
const key = (s: string) =>
  s
    .toLowerCase()
    .replace(/[\s/\\]+/g, ' ')
    .trim();

/** The labels a person may apply, as they would type them. */
function choices(policy: Policy): string {
  return flattenLabels(policy)
    .filter((l) => l.applicable)
    .map((l) => l.path)
    .join(', ');
}

/**
 * Finds a label by id, by name (case-insensitive), or as "Parent/Sub", "Parent / Sub", "Parent\Sub" or
 * "Parent Sub". E_LABEL_UNKNOWN (listing the choices) when none or several match. With `applicable`, a
 * parent with sublabels is refused with E_LABEL_NOT_APPLICABLE naming them.
 */
export function findLabel(policy: Policy, query: string, options: { applicable?: boolean } = {}): PolicyLabel {
  const flat = flattenLabels(policy);
  const q = query.trim();
  const byId = flat.find((l) => l.id === q);
  let found = byId;
  if (!found) {
    const k = key(q);
    const hits = flat.filter((l) => key(l.path) === k || key(l.name) === k || l.id.toLowerCase() === k);
    if (hits.length > 1) {
      throw new SensitivityError('E_LABEL_UNKNOWN', `label "${q}" is ambiguous: it could be ${hits.map((l) => l.path).join(' or ')}; name one of them`);
    }
    found = hits[0];
  }
  if (!found) throw new SensitivityError('E_LABEL_UNKNOWN', `unknown label "${q}"; use one of: ${choices(policy)}`);
  if (options.applicable && !found.applicable) {
    const subs = flat.filter((l) => l.parent === found.id).map((l) => l.path);
    throw new SensitivityError('E_LABEL_NOT_APPLICABLE', `label "${found.name}" has sublabels and cannot be applied itself; choose one of: ${subs.join(', ')}`);
  }
  return found;
}

/** `findLabel` for a label someone applies: parents with sublabels are refused (E_LABEL_NOT_APPLICABLE). */
export function applicableLabel(policy: Policy, query: string): PolicyLabel {
  return findLabel(policy, query, { applicable: true });
}

/**
 * The least sensitive applicable label at or above `id`: the label itself, or the first sublabel of a
 * parent (for "at least Confidential" in detection rules).
 */
export function minimumApplicableLabel(policy: Policy, id: string): PolicyLabel {
  const l = findLabel(policy, id);
  return l.applicable ? l : findLabel(policy, l.sublabels![0]!);
}

/** True when a file under `label` must be protected, not merely labeled: applying it to a plain file protects the file. */
export function requiresProtection(label: Pick<PolicyLabel, 'protection'>): boolean {
  return label.protection?.required === true;
}

/** True when `label`'s protection grants a group by default: `*` (everyone in the directory) or `@domain`. */
export function grantsGroups(label: Pick<PolicyLabel, 'protection'>): boolean {
  return (label.protection?.grants ?? []).some((g) => g.to === '*' || g.to.startsWith('@'));
}

/**
 * The label to recommend for content that needs at least `id`: the least sensitive applicable one, except that
 * for credentials (`narrow`) a label that grants a group by default is skipped, so the fix never hands a
 * secret to everyone. Falls back to `minimumApplicableLabel` when every candidate grants a group.
 */
export function recommendedLabel(policy: Policy, id: string, opts: { narrow?: boolean } = {}): PolicyLabel {
  const least = minimumApplicableLabel(policy, id);
  if (!opts.narrow || !grantsGroups(least)) return least;
  return flattenLabels(policy).find((l) => l.applicable && l.rank >= least.rank && !grantsGroups(l)) ?? least;
}

/** Priority of a label (by id or query): higher is more sensitive. E_LABEL_UNKNOWN when it is not in the policy. */
export function labelRank(policy: Policy, label: string): number {
  return findLabel(policy, label).rank;
}

/** Display name of a label id, or the id itself when this policy does not know it (for messages). */
export function labelDisplayName(policy: Policy, id: string): string {
  return flattenLabels(policy).find((l) => l.id === id)?.displayName ?? id;
}

/** Rank of a label id, or -Infinity when this policy does not know it (ranks below every known label). */
export function rankOrUnknown(policy: Policy, id: string): number {
  return flattenLabels(policy).find((l) => l.id === id)?.rank ?? -Infinity;
}

/** Negative when `a` is less sensitive than `b`, zero when the same, positive when more (for sorting). */
export function compareLabels(policy: Policy, a: string, b: string): number {
  return labelRank(policy, a) - labelRank(policy, b);
}

/**
 * True when going from label `from` to label `to` lowers sensitivity. No `to` (removal) is a downgrade;
 * no `from` (a first label) is not. A `from` this policy does not know counts as a downgrade: it cannot be
 * shown not to be one.
 */
export function isDowngrade(policy: Policy, from: string | undefined, to: string | undefined): boolean {
  if (from === undefined) return false;
  if (to === undefined) return true;
  const target = labelRank(policy, to);
  const source = flattenLabels(policy).find((l) => l.id === from);
  return source === undefined || target < source.rank;
}
