/** The label policy's shapes: `.sensitivity/policy.json` as written (see policy.schema.json) and labels as used. */
import type { DetectionPolicy } from '../detect/types.js';
import type { PublicIdentity } from '../identity.js';
import type { Right } from '../rights.js';

/** A default grant of a label's protection: `to` is an email, `@domain` or `*` (everyone in the people directory). */
export interface ProtectionGrant {
  readonly to: string;
  /** A built-in role or one of the policy's custom roles. */
  readonly role: string;
}

/** How files carrying a label are protected by default. */
export interface LabelProtection {
  /** Files with this label should be protected, not merely labeled. */
  readonly required?: boolean;
  readonly grants?: readonly ProtectionGrant[];
  /** Content expires this many days after it is protected. */
  readonly expiresDays?: number;
  /** `ownerCanRenew`: owners and recovery recipients may extend the expiry after it passed. */
  readonly expiry?: { readonly ownerCanRenew?: boolean };
  /** Double Key Encryption: files also need the organisation's key service (`<service>/<keyName>`) to open. */
  readonly doubleKey?: { readonly url: string };
}

/**
 * What a label writes on content and shows in the editor (Purview's content markings): a header and a footer line,
 * written as comments in text files when the label is applied and removed when it changes, and an editor banner.
 * `{label}` in a text stands for the label's name. docs/MARKINGS.md.
 */
export interface LabelMarkings {
  readonly header?: string;
  readonly footer?: string;
  /** Show a banner naming the label above the first line of the file's editors. */
  readonly banner?: boolean;
}

/** The organisation whose directory certifies people (`GET <url>/directory/<email>`). */
export interface Organisation {
  readonly url: string;
  /** Fingerprint (six groups of five digits) the organisation's certification key must have; else pinned on first use. */
  readonly certificationKey?: string;
  /**
   * Files with no receipt from the organisation's witness (docs/FORMAT.md §16.1): 'required' (the default) refuses
   * to read them; 'optional' reads them (and so cannot tell a fork stripped of its receipts from an old file).
   */
  readonly witness?: 'required' | 'optional';
}

/** A label as written in the policy. */
export interface LabelDefinition {
  /** Stable id: stored in manifests and envelopes, never changes. */
  readonly id: string;
  readonly name: string;
  /** Tooltip: when to use this label. */
  readonly description?: string;
  /** "#rrggbb" or a theme color id (e.g. "charts.red"). */
  readonly color?: string;
  readonly protection?: LabelProtection;
  /** The matching Microsoft Purview label's GUID: documents carry this label inside as MSIP metadata. */
  readonly purviewId?: string;
  /** Content markings; a sublabel without its own takes its parent's. */
  readonly markings?: LabelMarkings;
  /** When present the label is a group: only its sublabels can be applied. One level only. */
  readonly sublabels?: readonly LabelDefinition[];
}

/** What a paste from a higher-labeled file does: offer to raise the target's label, raise it, or refuse. */
export type PastePolicy = 'recommend' | 'apply' | 'block';

/** The label policy (version 1): labels ordered least to most sensitive, and the rules around them. */
export interface Policy {
  readonly version: 1;
  readonly labels: readonly LabelDefinition[];
  readonly defaultLabel?: string;
  /** gitignore-style globs of paths that must carry a label. */
  readonly mandatory?: readonly string[];
  readonly requireDowngradeJustification?: boolean;
  /** What a paste of text from a higher-labeled file does (default "recommend"). */
  readonly paste?: PastePolicy;
  /** Custom roles: name → rights. */
  readonly roles?: Readonly<Record<string, readonly Right[]>>;
  /** The organisation that certifies people and runs the key service (issue 10). */
  readonly organisation?: Organisation;
  /** Organisation keys added to every protected file as Co-Owner (the Rights Management super user). */
  readonly recovery?: readonly PublicIdentity[];
  readonly detection?: DetectionPolicy;
  /** The Purview organisation whose label metadata documents carry (docs/DOCUMENTS.md). */
  readonly purview?: PurviewSettings;
}

/** Where labels inside documents come from: the Entra tenant, and the LabelInfo opt-in ([MS-OFFCRYPTO] 2.6.3). */
export interface PurviewSettings {
  readonly tenantId: string;
  readonly labelInfo?: boolean;
}

/**
 * A label as used: flattened in priority order, with its place in the hierarchy. This is what
 * `findLabel` returns and what hosts show.
 */
export interface PolicyLabel {
  readonly id: string;
  /** Own name, e.g. "All Employees". */
  readonly name: string;
  /** Name for display: "Confidential / All Employees" for a sublabel, else the name. */
  readonly displayName: string;
  /** Name for commands: "Confidential/All Employees" for a sublabel, else the name. */
  readonly path: string;
  readonly description?: string;
  /** Own color, else the parent's. */
  readonly color?: string;
  /** Parent label id, for a sublabel. */
  readonly parent?: string;
  /** Sublabel ids, for a parent. */
  readonly sublabels?: readonly string[];
  /** False for a parent with sublabels: it cannot be applied. */
  readonly applicable: boolean;
  /** Priority: the index in the flattened order (higher is more sensitive). */
  readonly rank: number;
  readonly protection?: LabelProtection;
  readonly purviewId?: string;
  /** Own markings, else the parent's. */
  readonly markings?: LabelMarkings;
}
