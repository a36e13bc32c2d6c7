/** Shapes of the policy's `detection` section (sensitive information types and auto-labeling rules). */

export type Confidence = 'low' | 'medium' | 'high';

/** Validators a custom type may name to cut false positives. */
export type ValidatorName = 'none' | 'luhn' | 'mod97' | 'ssn' | 'entropy';

/** A sensitive information type defined by the policy. */
export interface CustomInfoType {
  readonly id: string;
  readonly name: string;
  /** A JavaScript regular expression source (no delimiters). */
  readonly pattern: string;
  /** Extra flags besides the global flag, e.g. "i". */
  readonly flags?: string;
  /** When given, a match only counts with one of these words within `keywordDistance` characters. */
  readonly keywords?: readonly string[];
  readonly keywordDistance?: number;
  readonly validator?: ValidatorName;
  readonly confidence?: Confidence;
}

/** Maps sensitive information types to the least label content holding them should carry. */
export interface DetectionRule {
  /** Type ids (built-in or custom). */
  readonly types: readonly string[];
  /** Label id of the minimum label. */
  readonly minLabel: string;
  /** `recommend` shows a diagnostic and a fix; `apply` labels automatically (never over a person's choice, never down). */
  readonly action: 'recommend' | 'apply';
  readonly minConfidence?: Confidence;
  /** How many matches it takes (default 1). */
  readonly minCount?: number;
}

export interface DetectionPolicy {
  /** Globs of workspace-relative paths never scanned (in addition to .gitignore). */
  readonly exclude?: readonly string[];
  readonly customTypes?: readonly CustomInfoType[];
  readonly rules?: readonly DetectionRule[];
}
