/** The label policy: its shapes, the embedded default, parsing and validation, label order and protection defaults. */
export { DEFAULT_POLICY } from './default-policy.js';
export {
  applicableLabel,
  compareLabels,
  findLabel,
  flattenLabels,
  grantsGroups,
  isDowngrade,
  labelDisplayName,
  labelRank,
  rankOrUnknown,
  minimumApplicableLabel,
  recommendedLabel,
  requiresProtection,
} from './labels.js';
export { MARKING_MAX_LENGTH, MARKING_PLACEHOLDERS, renderMarkings, showsBanner, type MarkingProblem } from './markings.js';
export { customRoles, defaultExpiry, isMandatory, parsePolicy, resolveProtectionGrants } from './policy.js';
export type { LabelDefinition, LabelMarkings, LabelProtection, Organisation, PastePolicy, Policy, PolicyLabel, ProtectionGrant } from './types.js';
