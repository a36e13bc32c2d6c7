/** `label`: set, remove and read the label of a file — in the manifest for plain files, in the envelope for protected ones. */
import { rewrapEnvelope } from '../envelope/index.js';
import { SensitivityError } from '../errors.js';
import { directionOf, getLabel, removeLabel as removeManifestLabel, setLabel, type LabelChange, type ManifestEntry } from '../labels/index.js';
import { isProtectedPath } from '../paths.js';
import { findLabel, requiresProtection, type Policy } from '../policy/index.js';
import { actorOf, keyServiceOf, timeAndChance, envelopeLabelOf, requireIdentity } from './context.js';
import { inspect, type ProtectedInfo } from './inspect.js';
import type { AppContext } from './ports.js';
import { protect, type ProtectRequest } from './protect.js';
import { rewriteProtected } from './rewrite.js';

/** A labeled file, plain or protected, as listings show it. */
export interface LabeledFile {
  /** Workspace-relative POSIX path. */
  readonly path: string;
  /** The label; for a label the policy no longer knows, its id as its name and `unknown` set. */
  readonly label: { readonly id: string; readonly name: string; readonly unknown?: true };
  readonly protected: ProtectedInfo | null;
  /** For plain files: who set the label and when. */
  readonly setBy?: { readonly email: string; readonly name?: string };
  readonly setAt?: string;
  readonly justification?: string;
}

/** The label of a manifest entry as shown, flagged when the policy no longer knows it. */
function shownLabel(policy: Policy, id: string): LabeledFile['label'] {
  try {
    return envelopeLabelOf(findLabel(policy, id));
  } catch {
    return { id, name: id, unknown: true };
  }
}

/** A plain file's manifest entry as a LabeledFile. */
export function labeledPlain(policy: Policy, path: string, entry: ManifestEntry): LabeledFile {
  return {
    path,
    label: shownLabel(policy, entry.label),
    protected: null,
    setBy: entry.setBy,
    setAt: entry.setAt,
    ...(entry.justification ? { justification: entry.justification } : {}),
  };
}

/** The label of the file at `path`: from its envelope when protected (authoritative), else from the manifest. */
export async function labelOf(ctx: AppContext, path: string): Promise<LabeledFile | undefined> {
  if (isProtectedPath(path)) {
    const info = await inspect(ctx, path);
    return { path, label: info.label, protected: info };
  }
  const entry = getLabel(await ctx.store.manifest(), path);
  return entry ? labeledPlain(await ctx.store.policy(), path, entry) : undefined;
}

export interface SetFileLabelOptions {
  readonly justification?: string;
  /**
   * How to protect a plain file when the label's protection is required (encrypt on label): the grants and
   * options of `protect`, whose label is this one. Without it such a label is refused (E_PROTECTION_REQUIRED).
   */
  readonly protect?: Omit<ProtectRequest, 'label' | 'justification'>;
  /**
   * The plain file is a byte-for-byte copy of this plain file and takes its label as it stands (labels follow
   * content): a label requiring protection is recorded, and shows as a warning until the copy is protected.
   */
  readonly copyOf?: string;
}

/** What applying a label did: the change, and for a label that protects, the protected file written. */
export interface LabelApplied extends LabelChange {
  readonly protectedAs?: string;
}

/**
 * Applies a label to a plain file (manifest, under its lock) or a protected one (re-signed envelope; needs
 * OWNER). A label whose protection is required is never recorded on a plain file: with `opts.protect` the
 * file is protected under it in the same step, else E_PROTECTION_REQUIRED and nothing changes.
 */
export async function setFileLabel(ctx: AppContext, path: string, query: string, opts: SetFileLabelOptions = {}): Promise<LabelApplied> {
  const policy = await ctx.store.policy();
  const label = findLabel(policy, query, { applicable: true });
  const id = requireIdentity(ctx);
  const justification = opts.justification?.trim() ? { justification: opts.justification.trim() } : {};
  if (!isProtectedPath(path) && requiresProtection(label) && !opts.copyOf) {
    if (!opts.protect) {
      throw new SensitivityError('E_PROTECTION_REQUIRED', `${label.displayName} requires protection: applying it protects the file`, path, {
        details: { hint: 'protect-with-label', label: label.path },
      });
    }
    const from = getLabel(await ctx.store.manifest(), path)?.label;
    const { output } = await protect(ctx, path, { ...opts.protect, label: label.id, ...justification });
    return { ...(from ? { from } : {}), to: label.id, direction: directionOf(policy, from, label.id), protectedAs: output };
  }
  if (isProtectedPath(path)) {
    const info = await inspect(ctx, path);
    const from = info.label.id;
    const direction = directionOf(policy, from, label.id);
    if (direction === 'downgrade' && policy.requireDowngradeJustification && !justification.justification) {
      throw new SensitivityError('E_JUSTIFICATION_REQUIRED', `lowering the label from ${info.label.name} to ${label.name} needs a justification`, path, {
        details: { hint: 'give-justification', from: info.label.name, to: label.name },
      });
    }
    await rewriteProtected(
      ctx,
      path,
      'OWNER',
      (old, sink, as) => rewrapEnvelope(old, sink, as, { label: envelopeLabelOf(label) }, { ...timeAndChance(ctx), ...keyServiceOf(ctx) }),
      () => ({ action: 'label.set', actor: actorOf(ctx), file: path, from, to: label.id, direction, ...justification }),
    );
    return { from, to: label.id, direction };
  }
  if (!(await ctx.files.exists(path))) throw new SensitivityError('E_NOT_FOUND', 'no such file; check the path', path);
  let change: LabelChange | undefined;
  await ctx.store.updateManifest(async (m) => {
    const next = setLabel(m, path, label.id, { id: id.id, email: id.email, name: id.name }, { policy, now: ctx.clock.now(), ...justification });
    change = next.change;
    await ctx.audit.append({ action: 'label.set', actor: actorOf(ctx), file: path, ...next.change, ...justification });
    return next.change.direction === 'same' ? undefined : next.manifest;
  });
  return change!;
}

/** Removes a plain file's label (a downgrade to none: justification rules apply). */
export async function removeFileLabel(ctx: AppContext, path: string, opts: { justification?: string } = {}): Promise<void> {
  if (isProtectedPath(path)) {
    throw new SensitivityError('E_USAGE', 'a protected file always carries a label; unprotect it first or change its label', path);
  }
  const policy = await ctx.store.policy();
  const justification = opts.justification?.trim() ? { justification: opts.justification.trim() } : {};
  await ctx.store.updateManifest(async (m) => {
    const { manifest, change } = removeManifestLabel(m, path, { policy, ...justification });
    await ctx.audit.append({ action: 'label.remove', actor: actorOf(ctx), file: path, ...change, ...justification });
    return manifest;
  });
}
