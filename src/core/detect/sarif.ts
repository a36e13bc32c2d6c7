/**
 * Scan results as SARIF 2.1.0 (OASIS, "Static Analysis Results Interchange Format Version 2.1.0"),
 * for code-scanning tools. Messages carry masked excerpts only, never a matched value.
 */
import { BUILTIN_TYPES } from './builtins.js';
import type { Evaluation } from './evaluate.js';
import type { Finding, InfoType } from './types.js';

/** One scanned file: its findings and, when rules were evaluated, the decision. */
export interface FileScan {
  /** Path relative to the scan root, with `/` separators. */
  readonly path: string;
  readonly findings: readonly Finding[];
  readonly evaluation?: Evaluation;
  /** The file's current label id, if any (named in messages). */
  readonly labelId?: string;
}

export interface SarifOptions {
  readonly toolVersion: string;
  /** Types to describe as rules (custom types of the policy); built-in types are always known. */
  readonly types?: readonly InfoType[];
  /** Display name of a label id (defaults to the id). */
  readonly labelName?: (labelId: string) => string;
  /** Absolute `file:` URI of the scan root, ending in `/`; makes result paths resolvable. */
  readonly srcRoot?: string;
  readonly informationUri?: string;
}

type Level = 'error' | 'warning' | 'note';

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  defaultConfiguration: { level: Level };
  properties: { tags: string[]; precision: string };
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: Level;
  message: { text: string };
  locations: {
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId: string };
      region: { startLine: number; startColumn: number; endLine: number; endColumn: number };
    };
  }[];
  /** Our property bag (SARIF §3.8): the confidence, the reasons for it, and whether the value is a published sample. */
  properties: { confidence: string; why: readonly string[]; sample: boolean };
}

/** The subset of a SARIF 2.1.0 log this module writes. */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: { driver: { name: string; version: string; semanticVersion?: string; informationUri?: string; rules: SarifRule[] } };
    columnKind: 'utf16CodeUnits';
    originalUriBaseIds?: Record<string, { uri: string }>;
    results: SarifResult[];
  }[];
}

const SRCROOT = '%SRCROOT%';

/** A relative path as a URI reference: each segment percent-encoded (RFC 3986 §2.1). */
function pathUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** "Payment card number" → "PaymentCardNumber", SARIF's customary rule name shape. */
function pascal(name: string): string {
  return name.replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase()).replace(/^./, (c) => c.toUpperCase());
}

/** Builds one SARIF run: a rule per type that has findings, a result per finding. */
export function toSarif(files: readonly FileScan[], options: SarifOptions): SarifLog {
  const known = new Map<string, InfoType>([...BUILTIN_TYPES, ...(options.types ?? [])].map((t) => [t.id, t]));
  const labelName = options.labelName ?? ((id: string) => id);
  const rules: SarifRule[] = [];
  const ruleIndex = new Map<string, number>();
  const results: SarifResult[] = [];

  const ruleFor = (f: Finding): number => {
    let i = ruleIndex.get(f.typeId);
    if (i === undefined) {
      const t = known.get(f.typeId) ?? { id: f.typeId, name: f.typeName, description: f.typeName };
      i =
        rules.push({
          id: t.id,
          name: pascal(t.name),
          shortDescription: { text: t.name },
          fullDescription: { text: t.description },
          defaultConfiguration: { level: 'warning' },
          properties: { tags: ['security', 'sensitive-information'], precision: 'high' },
        }) - 1;
      ruleIndex.set(f.typeId, i);
    }
    return i;
  };

  for (const file of files) {
    const ev = file.evaluation;
    // By type and offset, not identity: the evaluation may come from another scan of the same text.
    const key = (f: Finding): string => `${f.typeId}@${f.offset}`;
    const triggering = new Set((ev?.outranks ? (ev.required?.findings ?? []) : []).map(key));
    const need =
      ev?.outranks && ev.required
        ? ` — this file should be at least ${labelName(ev.required.labelId)}${file.labelId ? ` (it is ${labelName(file.labelId)})` : ' (it has no label)'}`
        : '';
    for (const f of file.findings) {
      const hit = triggering.has(key(f));
      results.push({
        ruleId: f.typeId,
        ruleIndex: ruleFor(f),
        level: hit ? 'error' : f.confidence === 'low' ? 'note' : 'warning',
        message: { text: `${f.typeName} (${f.excerpt})${hit ? need : ''}` },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: pathUri(file.path), uriBaseId: SRCROOT },
              // SARIF regions are 1-based; the end column is the one just past the region (§3.30.5–3.30.8).
              region: { startLine: f.line + 1, startColumn: f.column + 1, endLine: f.endLine + 1, endColumn: f.endColumn + 1 },
            },
          },
        ],
        properties: { confidence: f.confidence, why: f.why, sample: f.sample },
      });
    }
  }

  const driver = {
    name: 'sensitivity',
    version: options.toolVersion,
    ...(/^\d+\.\d+\.\d+/.test(options.toolVersion) ? { semanticVersion: options.toolVersion } : {}),
    ...(options.informationUri ? { informationUri: options.informationUri } : {}),
    rules,
  };
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver },
        columnKind: 'utf16CodeUnits',
        ...(options.srcRoot ? { originalUriBaseIds: { [SRCROOT]: { uri: options.srcRoot } } } : {}),
        results,
      },
    ],
  };
}
