/** Shapes of the policy's `detection` section (sensitive information types and auto-labeling rules). */

export type Confidence = 'low' | 'medium' | 'high';

/** Validators a custom type may name to cut false positives. */
export type ValidatorName = 'none' | 'luhn' | 'mod97' | 'ssn' | 'entropy';

/** A sensitive information type defined by the policy. */
export interface CustomInfoType {
  readonly id: string;
  readonly name: string;
  /** A JavaScript regular expression source (no delimiters). With a capture group, group 1 is the sensitive value. */
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

/** A sensitive information type that scanning can report (built-in or from the policy). */
export interface InfoType {
  readonly id: string;
  readonly name: string;
  /** One sentence for rule descriptions and tooltips. */
  readonly description: string;
}

/**
 * One match of a sensitive information type. Positions are 0-based and count UTF-16 code units, as
 * VS Code positions and JavaScript strings do. It never carries the matched value: only `excerpt`,
 * which is masked.
 */
export interface Finding {
  readonly typeId: string;
  readonly typeName: string;
  readonly confidence: Confidence;
  /** Offset of the match in the scanned text, and its length. */
  readonly offset: number;
  readonly length: number;
  readonly line: number;
  readonly column: number;
  /** Position just past the match (exclusive), as a VS Code Range end. */
  readonly endLine: number;
  readonly endColumn: number;
  /** The match with all but a few characters masked (a public prefix such as `ghp_`, a few last characters). */
  readonly excerpt: string;
  /** Why it has its confidence: "CRC-32 checksum passed", "issuer prefix ghp_", "context keyword nearby", … */
  readonly why: readonly string[];
  /** A value published as an example (documentation, SDK samples): low confidence, and no rule counts it. */
  readonly sample: boolean;
}
