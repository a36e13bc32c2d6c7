/**
 * The labels of plain files: `.sensitivity/labels.json`, workspace-relative POSIX path → label id, who set
 * it, when and why. It travels with git, so it serializes stably. Every function returns a new manifest.
 */
import { SensitivityError } from '../errors.js';
import { findLabel, isDowngrade, labelDisplayName } from '../policy/labels.js';
import { checkVersion, parseJsonText, validateSchema } from '../policy/schema.js';
import type { Policy } from '../policy/types.js';

/** Who set a label. */
export interface LabelActor {
  readonly id: string;
  readonly email: string;
  readonly name: string;
}

export interface ManifestEntry {
  /** Label id. */
  readonly label: string;
  readonly setBy: LabelActor;
  /** ISO 8601. */
  readonly setAt: string;
  readonly justification?: string;
}

export interface LabelsManifest {
  readonly version: 1;
  /** Keyed by normalized workspace-relative POSIX path. */
  readonly files: Readonly<Record<string, ManifestEntry>>;
}

export type LabelDirection = 'upgrade' | 'downgrade' | 'same' | 'new';

/** The direction of a change from label `from` (undefined: none) to `to`, by the policy's priority. */
export function directionOf(policy: Policy, from: string | undefined, to: string): LabelDirection {
  return from === undefined ? 'new' : from === to ? 'same' : isDowngrade(policy, from, to) ? 'downgrade' : 'upgrade';
}

/** What a `setLabel` changed: label ids, and the direction by the policy's priority. */
export interface LabelChange {
  readonly from?: string;
  readonly to: string;
  readonly direction: LabelDirection;
}

/** What a `removeLabel` changed: a removal is a downgrade to no label. */
export interface LabelRemoval {
  readonly from: string;
  readonly direction: 'downgrade';
}

export const EMPTY_MANIFEST: LabelsManifest = { version: 1, files: {} };

const WHAT = 'invalid labels manifest';

/**
 * A workspace-relative POSIX path in its one spelling: no `./`, no doubled or trailing `/`. Absolute paths
 * and `.`/`..` segments are refused (E_USAGE): the manifest only speaks of files inside the workspace.
 */
export function normalizeRelPath(path: string): string {
  const p = path
    .replace(/\/{2,}/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/\/$/, '');
  if (p === '' || p.startsWith('/') || p.split('/').some((s) => s === '.' || s === '..')) {
    throw new SensitivityError('E_USAGE', `"${path}" is not a path inside the workspace`);
  }
  return p;
}

/** Own entry only: a path named "__proto__" or "constructor" is just a path. */
const entryAt = (m: LabelsManifest, p: string): ManifestEntry | undefined => (Object.hasOwn(m.files, p) ? m.files[p] : undefined);

/** Parses labels.json (undefined text: no file yet, an empty manifest). E_MANIFEST_INVALID names the bad field. */
export function parseManifest(text: string | undefined, file?: string): LabelsManifest {
  if (text === undefined) return EMPTY_MANIFEST;
  const json = parseJsonText(text, 'E_MANIFEST_INVALID', WHAT, file);
  checkVersion(json, 1, WHAT, file);
  const m = validateSchema<LabelsManifest>('manifest', json, 'E_MANIFEST_INVALID', WHAT, file);
  for (const path of Object.keys(m.files)) {
    let normal: string | undefined;
    try {
      normal = normalizeRelPath(path);
    } catch {
      normal = undefined;
    }
    if (normal !== path) throw new SensitivityError('E_MANIFEST_INVALID', `${WHAT}: /files: "${path}" is not a normalized workspace-relative path`, file);
  }
  return { version: 1, files: m.files };
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** labels.json text: paths sorted, fields in a fixed order, 2-space JSON, trailing newline (clean git diffs). */
export function serializeManifest(manifest: LabelsManifest): string {
  const files = Object.keys(manifest.files)
    .sort(byCodeUnit)
    .map((path) => {
      const e = manifest.files[path]!;
      const entry = {
        label: e.label,
        setBy: { id: e.setBy.id, email: e.setBy.email, name: e.setBy.name },
        setAt: e.setAt,
        ...(e.justification ? { justification: e.justification } : {}),
      };
      return [path, entry] as const;
    });
  return JSON.stringify({ version: 1, files: Object.fromEntries(files) }, null, 2) + '\n';
}

/** The entry of a file, or undefined when it carries no label. */
export function getLabel(manifest: LabelsManifest, path: string): ManifestEntry | undefined {
  return entryAt(manifest, normalizeRelPath(path));
}

function withFiles(entries: Iterable<readonly [string, ManifestEntry]>): LabelsManifest {
  return { version: 1, files: Object.fromEntries(entries) };
}

export interface SetLabelOptions {
  readonly policy: Policy;
  readonly now: Date;
  readonly justification?: string;
  /** Record the label without the downgrade rule: for labels the system carries over (unprotect), not for people's choices. */
  readonly force?: boolean;
}

/**
 * Sets a file's label (any query `findLabel` accepts; parents with sublabels are refused). A downgrade
 * without a justification is refused with E_JUSTIFICATION_REQUIRED when the policy requires one. The same
 * label again changes nothing (direction `same`, manifest returned as is).
 */
export function setLabel(
  manifest: LabelsManifest,
  path: string,
  label: string,
  actor: LabelActor,
  options: SetLabelOptions,
): { manifest: LabelsManifest; change: LabelChange } {
  const p = normalizeRelPath(path);
  const { policy } = options;
  const target = findLabel(policy, label, { applicable: true });
  const from = entryAt(manifest, p)?.label;
  const direction = directionOf(policy, from, target.id);
  const change: LabelChange = { ...(from !== undefined ? { from } : {}), to: target.id, direction };
  if (direction === 'same') return { manifest, change };
  const justification = options.justification?.trim();
  if (direction === 'downgrade' && policy.requireDowngradeJustification && !justification && !options.force) {
    throw new SensitivityError(
      'E_JUSTIFICATION_REQUIRED',
      `lowering the label from ${labelDisplayName(policy, from!)} to ${target.displayName} needs a justification`,
      p,
      { details: { hint: 'give-justification', from: labelDisplayName(policy, from!), to: target.displayName } },
    );
  }
  const entry: ManifestEntry = {
    label: target.id,
    setBy: { id: actor.id, email: actor.email, name: actor.name },
    setAt: options.now.toISOString(),
    ...(justification ? { justification } : {}),
  };
  // Spread and computed keys define own properties: a path named "__proto__" stays a path.
  return { manifest: { version: 1, files: { ...manifest.files, [p]: entry } }, change };
}

/**
 * Removes a file's label: a downgrade to no label, so the policy's justification rule applies
 * (E_JUSTIFICATION_REQUIRED). E_NOT_FOUND when the file has no label.
 */
export function removeLabel(
  manifest: LabelsManifest,
  path: string,
  options: { policy: Policy; justification?: string; force?: boolean },
): { manifest: LabelsManifest; change: LabelRemoval } {
  const p = normalizeRelPath(path);
  const current = entryAt(manifest, p);
  if (!current) throw new SensitivityError('E_NOT_FOUND', 'has no label in the workspace manifest; nothing to remove', p);
  if (options.policy.requireDowngradeJustification && !options.justification?.trim() && !options.force) {
    throw new SensitivityError(
      'E_JUSTIFICATION_REQUIRED',
      `removing the label ${labelDisplayName(options.policy, current.label)} is a downgrade and needs a justification`,
      p,
      { details: { hint: 'give-justification', from: labelDisplayName(options.policy, current.label) } },
    );
  }
  const files = { ...manifest.files };
  delete files[p];
  return { manifest: { version: 1, files }, change: { from: current.label, direction: 'downgrade' } };
}

const isAtOrUnder = (key: string, p: string) => key === p || key.startsWith(`${p}/`);

/** Keeps labels in step with a rename of a file or a directory (everything under it moves; the destination's entries are replaced). */
export function renamePath(manifest: LabelsManifest, from: string, to: string): LabelsManifest {
  const src = normalizeRelPath(from);
  const dst = normalizeRelPath(to);
  if (src === dst) return manifest;
  const moved = Object.entries(manifest.files)
    .filter(([k]) => isAtOrUnder(k, src))
    .map(([k, e]) => [dst + k.slice(src.length), e] as const);
  if (moved.length === 0) return manifest;
  const movedKeys = new Set(moved.map(([k]) => k));
  const kept = Object.entries(manifest.files).filter(([k]) => !isAtOrUnder(k, src) && !movedKeys.has(k));
  return withFiles([...kept, ...moved]);
}

/** Forgets the labels of a deleted file or directory (everything under it). */
export function removePath(manifest: LabelsManifest, path: string): LabelsManifest {
  const p = normalizeRelPath(path);
  const kept = Object.entries(manifest.files).filter(([k]) => !isAtOrUnder(k, p));
  return kept.length === Object.keys(manifest.files).length ? manifest : withFiles(kept);
}
