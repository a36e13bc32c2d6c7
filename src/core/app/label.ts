/**
 * `label`: set, remove and read the label of a file — in the envelope for protected files, inside the
 * document for Office files and PDFs whose label maps to a Purview label (document-label.ts), in the
 * manifest for everything else. One label per file: writing one store clears the other.
 */
import { rewrapEnvelope } from '../envelope/index.js';
import { SensitivityError } from '../errors.js';
import { directionOf, getLabel, removeLabel as removeManifestLabel, removePath, setLabel, type LabelChange, type ManifestEntry } from '../labels/index.js';
import { isProtectedPath } from '../paths.js';
import { findLabel, requiresProtection, type Policy, type PolicyLabel } from '../policy/index.js';
import { actorOf, timeAndChance, envelopeLabelOf, requireIdentity } from './context.js';
import { isDocumentPath, labelGoesInside, labelInside, writeLabelInside, type LabelInside } from './document-label.js';
import { inspect, type ProtectedInfo } from './inspect.js';
import { markPlainFile, markProtectedFile, type MarkingOutcome } from './markings.js';
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
  /** For a label carried inside the document (MSIP metadata): its Purview label and tenant, and how it was set. */
  readonly document?: {
    readonly purviewId: string;
    readonly tenantId: string;
    readonly method?: string;
    /** Not the policy's tenant: set by another organisation. */
    readonly foreignTenant?: true;
  };
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

/** A label found inside a document as a LabeledFile: the policy's label for its Purview GUID, else its own name and GUID, flagged. */
export function labeledDocument(policy: Policy, path: string, inside: LabelInside): LabeledFile {
  const m = inside.metadata;
  const tenant = policy.purview?.tenantId.toLowerCase();
  return {
    path,
    label: inside.policyLabel ? envelopeLabelOf(inside.policyLabel) : { id: m.labelId, name: m.name ? `${m.name} (${m.labelId})` : m.labelId, unknown: true },
    protected: null,
    ...(m.setDate ? { setAt: m.setDate } : {}),
    document: {
      purviewId: m.labelId,
      tenantId: m.siteId,
      ...(m.method ? { method: m.method } : {}),
      ...(tenant !== undefined && m.siteId !== tenant ? { foreignTenant: true as const } : {}),
    },
  };
}

/** The label inside a document, or undefined for other files and for documents that do not parse (they carry none we can read). */
export async function readableInside(ctx: AppContext, policy: Policy, path: string): Promise<LabelInside | undefined> {
  return labelInside(ctx, policy, path).catch((e: unknown) => {
    if (e instanceof SensitivityError && e.code.startsWith('E_DOCUMENT_')) return undefined;
    throw e;
  });
}

/** The label of a plain file: inside it when it is a document carrying one, else from the manifest. */
export async function plainLabelOf(ctx: AppContext, path: string, policy?: Policy): Promise<LabeledFile | undefined> {
  const p = policy ?? (await ctx.store.policy());
  const inside = await readableInside(ctx, p, path);
  if (inside) return labeledDocument(p, path, inside);
  const entry = getLabel(await ctx.store.manifest(), path);
  return entry ? labeledPlain(p, path, entry) : undefined;
}

/** The label of the file at `path`: from its envelope when protected (authoritative), else inside the document, else from the manifest. */
export async function labelOf(ctx: AppContext, path: string): Promise<LabeledFile | undefined> {
  if (isProtectedPath(path)) {
    const info = await inspect(ctx, path);
    return { path, label: info.label, protected: info };
  }
  return plainLabelOf(ctx, path);
}

/** The direction of a change from `from` to `to` (none: a removal), and E_JUSTIFICATION_REQUIRED for an unjustified downgrade the policy forbids. */
function justifiedDirection(
  policy: Policy,
  path: string,
  from: LabeledFile['label'] | undefined,
  to: PolicyLabel | undefined,
  justified: boolean,
): LabelChange['direction'] {
  const direction = to ? directionOf(policy, from?.id, to.id) : 'downgrade';
  if (direction === 'downgrade' && policy.requireDowngradeJustification && !justified) {
    const what = to ? `lowering the label from ${from!.name} to ${to.displayName}` : `removing the label ${from!.name} is a downgrade and`;
    throw new SensitivityError('E_JUSTIFICATION_REQUIRED', `${what} needs a justification`, path, {
      details: { hint: 'give-justification', from: from!.name, ...(to ? { to: to.displayName } : {}) },
    });
  }
  return direction;
}

/**
 * Sets the label of a document whose label goes inside it (or whose current label is inside it): the
 * document is rewritten with the MSIP metadata, any manifest entry for it dropped, the change audited.
 */
async function setDocumentLabel(
  ctx: AppContext,
  policy: Policy,
  path: string,
  label: PolicyLabel,
  justification: { justification?: string },
): Promise<LabelChange> {
  const current = await plainLabelOf(ctx, path, policy);
  const direction = justifiedDirection(policy, path, current?.label, label, !!justification.justification);
  const change: LabelChange = { ...(current ? { from: current.label.id } : {}), to: label.id, direction };
  const event = () => ctx.audit.append({ action: 'label.set', actor: actorOf(ctx), file: path, ...change, ...justification });
  const inside = labelGoesInside(policy, path, label);
  if (!inside && current?.document?.foreignTenant) {
    throw new SensitivityError(
      'E_USAGE',
      `the document carries another organisation's label (${current.label.name}); only a label mapped to a Purview label can be set beside it`,
      path,
    );
  }
  if (direction === 'same' && inside === (current?.document !== undefined)) {
    await event();
    return change;
  }
  if (inside) await writeLabelInside(ctx, policy, path, label, 'Privileged', event);
  else if (current?.document) await writeLabelInside(ctx, policy, path, null, 'Privileged', async () => undefined);
  await ctx.store.updateManifest(async (m) => {
    if (inside) return getLabel(m, path) ? removePath(m, path) : undefined;
    const next = setLabel(
      m,
      path,
      label.id,
      { id: ctx.identity!.id, email: ctx.identity!.email, name: ctx.identity!.name },
      { policy, now: ctx.clock.now(), force: true, ...justification },
    );
    await event();
    return next.manifest;
  });
  return change;
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

/** What applying a label did: the change, for a label that protects the protected file written, and what became of the file's markings. */
export interface LabelApplied extends LabelChange {
  readonly protectedAs?: string;
  /** Absent when the label has no markings and the file had none. */
  readonly markings?: MarkingOutcome;
}

const withMarkings = (markings: MarkingOutcome | undefined) => (markings ? { markings } : {});

/**
 * Applies a label to a plain file (manifest, under its lock) or a protected one (re-signed envelope; needs
 * OWNER). A label whose protection is required is never recorded on a plain file: with `opts.protect` the
 * file is protected under it in the same step, else E_PROTECTION_REQUIRED and nothing changes. A text file then
 * carries the label's markings, and only those (markings.ts): in its content, encrypted for a protected file.
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
    const from = (await plainLabelOf(ctx, path, policy))?.label.id;
    // A document keeps the label inside too, so Office shows it once the file is unprotected.
    if (labelGoesInside(policy, path, label)) await writeLabelInside(ctx, policy, path, label, 'Privileged', async () => undefined);
    const { output, markings } = await protect(ctx, path, { ...opts.protect, label: label.id, ...justification });
    return { ...(from ? { from } : {}), to: label.id, direction: directionOf(policy, from, label.id), protectedAs: output, ...withMarkings(markings) };
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
      (old, sink, as, access) => rewrapEnvelope(old, sink, as, { label: envelopeLabelOf(label) }, { ...timeAndChance(ctx), ...access }),
      () => ({ action: 'label.set', actor: actorOf(ctx), file: path, from, to: label.id, direction, ...justification }),
    );
    return { from, to: label.id, direction, ...withMarkings(await markProtectedFile(ctx, path, label, info.size)) };
  }
  if (!(await ctx.files.exists(path))) throw new SensitivityError('E_NOT_FOUND', 'no such file; check the path', path);
  if (isDocumentPath(path) && (labelGoesInside(policy, path, label) || (await readableInside(ctx, policy, path)))) {
    return setDocumentLabel(ctx, policy, path, label, justification);
  }
  let change: LabelChange | undefined;
  await ctx.store.updateManifest(async (m) => {
    const next = setLabel(m, path, label.id, { id: id.id, email: id.email, name: id.name }, { policy, now: ctx.clock.now(), ...justification });
    change = next.change;
    await ctx.audit.append({ action: 'label.set', actor: actorOf(ctx), file: path, ...next.change, ...justification });
    return next.change.direction === 'same' ? undefined : next.manifest;
  });
  // A copy is byte for byte its source, markings included.
  return opts.copyOf ? change! : { ...change!, ...withMarkings(await markPlainFile(ctx, path, label)) };
}

/** Removes a plain file's label (a downgrade to none: justification rules apply), and its markings with it. */
export async function removeFileLabel(ctx: AppContext, path: string, opts: { justification?: string } = {}): Promise<{ markings?: MarkingOutcome }> {
  if (isProtectedPath(path)) {
    throw new SensitivityError('E_USAGE', 'a protected file always carries a label; unprotect it first or change its label', path);
  }
  const policy = await ctx.store.policy();
  const justification = opts.justification?.trim() ? { justification: opts.justification.trim() } : {};
  const inside = await readableInside(ctx, policy, path);
  if (inside) {
    const current = labeledDocument(policy, path, inside);
    if (current.document?.foreignTenant) {
      throw new SensitivityError('E_USAGE', "the document's label was set by another organisation; only it can remove it", path);
    }
    justifiedDirection(policy, path, current.label, undefined, !!justification.justification);
    await writeLabelInside(ctx, policy, path, null, 'Privileged', () =>
      ctx.audit.append({ action: 'label.remove', actor: actorOf(ctx), file: path, from: current.label.id, direction: 'downgrade', ...justification }),
    );
    return {};
  }
  await ctx.store.updateManifest(async (m) => {
    const { manifest, change } = removeManifestLabel(m, path, { policy, ...justification });
    await ctx.audit.append({ action: 'label.remove', actor: actorOf(ctx), file: path, ...change, ...justification });
    return manifest;
  });
  return withMarkings(await markPlainFile(ctx, path, undefined));
}
