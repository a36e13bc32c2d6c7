/**
 * Labels follow the content: a copy of a labeled file keeps its label, a move takes its entry along, and
 * text pasted from a more sensitive file raises (or offers to raise, or refuses) the target's label.
 */
import { sameBytes } from '../bytes.js';
import { renamePath, type LabelChange } from '../labels/index.js';
import { SensitivityError } from '../errors.js';
import { findLabel, rankOrUnknown, type PastePolicy, type PolicyLabel } from '../policy/index.js';
import { isProtectedPath } from '../paths.js';
import { actorOf, withHandle } from './context.js';
import { labelOf, setFileLabel } from './label.js';
import type { AppContext, ReadHandle } from './ports.js';

/** Files larger than this are not compared byte for byte when looking for the original of a copy. */
const MAX_COPY_COMPARE = 16 * 1024 * 1024;

/** All of `h` as it was when opened, or nothing when it changed size while read (not a copy we can vouch for). */
async function bytesOf(h: ReadHandle): Promise<Uint8Array> {
  const out = new Uint8Array(h.size);
  let at = 0;
  while (at < out.length) {
    const n = await h.read(out.subarray(at), at);
    if (n === 0) return new Uint8Array(0);
    at += n;
  }
  return (await h.read(new Uint8Array(1), at)) === 0 ? out : new Uint8Array(0);
}

/**
 * Gives the plain file `copy` the label of the labeled plain file it is a byte-for-byte copy of ("Save As",
 * "Duplicate", a copy in the Explorer or a shell). Nothing happens when `copy` has a label already, is
 * empty or large, or matches no labeled file; a match with several labels takes the highest.
 */
export async function labelCopy(ctx: AppContext, copy: string): Promise<{ source: string; change: LabelChange } | undefined> {
  if (isProtectedPath(copy)) return undefined;
  // Every new file in the workspace comes through here: with nothing labeled, or a label already, stop
  // before reading a byte; the copy itself is read only once a labeled file of its size turns up.
  const entries = Object.entries((await ctx.store.manifest()).files).filter(([path]) => path !== copy);
  if (entries.length === 0 || (await labelOf(ctx, copy))) return undefined;
  const size = await withHandle(ctx, copy, async (h) => h.size);
  if (size === 0 || size > MAX_COPY_COMPARE) return undefined;
  let content: Uint8Array | undefined;
  const policy = await ctx.store.policy();
  let best: { path: string; label: string } | undefined;
  for (const [path, entry] of entries) {
    if (best && rankOrUnknown(policy, entry.label) <= rankOrUnknown(policy, best.label)) continue;
    const other = await withHandle(ctx, path, async (h) => (h.size === size ? bytesOf(h) : undefined)).catch(() => undefined);
    if (!other) continue;
    content ??= await withHandle(ctx, copy, bytesOf);
    if (content.length > 0 && sameBytes(other, content)) best = { path, label: entry.label };
  }
  if (!best || rankOrUnknown(policy, best.label) === -Infinity) return undefined;
  return { source: best.path, change: await setFileLabel(ctx, copy, best.label, { copyOf: best.path }) };
}

/**
 * Moves the label of plain file `from` to `to` (after `git mv` or a move outside the editor). `to` must
 * exist; a folder moves every entry under it. E_NOT_FOUND when `from` has no label.
 */
export async function moveLabel(ctx: AppContext, from: string, to: string): Promise<void> {
  if (!(await ctx.files.exists(to))) throw new SensitivityError('E_NOT_FOUND', 'no such file; move the file first', to);
  await ctx.store.updateManifest(async (m) => {
    const next = renamePath(m, from, to);
    if (next === m) throw new SensitivityError('E_NOT_FOUND', 'has no label to move', from);
    await ctx.audit.append({ action: 'label.set', actor: actorOf(ctx), file: to, movedFrom: from });
    return next;
  });
}

/** What pasting text from a file labeled `source` into `target` calls for. */
export type PasteOutcome =
  | { readonly kind: 'fine' }
  | { readonly kind: PastePolicy; readonly source: PolicyLabel; readonly target: { readonly id: string; readonly name: string } | undefined };

/**
 * Compares the label of the copied text with the target's: a paste into a file with the same or a higher
 * label is fine; into a lower one (or none) the policy's `paste` rule applies (default "recommend"). A
 * source label this policy does not know cannot be compared, so it asks nothing.
 */
export async function pasteOutcome(ctx: AppContext, target: string, sourceLabel: string): Promise<PasteOutcome> {
  const policy = await ctx.store.policy();
  const rank = rankOrUnknown(policy, sourceLabel);
  if (rank === -Infinity) return { kind: 'fine' };
  const current = await labelOf(ctx, target);
  if (current && rankOrUnknown(policy, current.label.id) >= rank) return { kind: 'fine' };
  return { kind: policy.paste ?? 'recommend', source: findLabel(policy, sourceLabel), target: current?.label };
}

/**
 * Keeps `target`'s label although text from a file labeled `sourceLabel` was pasted into it: only with a reason
 * (E_JUSTIFICATION_REQUIRED without one), recorded in the audit log (`paste.keep`) before the host forgets the
 * paste. Nothing to keep when the target's label is already at least the source's (E_USAGE).
 */
export async function keepLabelAfterPaste(ctx: AppContext, target: string, sourceLabel: string, justification: string): Promise<void> {
  const reason = justification.trim();
  if (!reason) {
    throw new SensitivityError('E_JUSTIFICATION_REQUIRED', 'keeping the label under pasted text of a higher label needs a reason', target, {
      details: { hint: 'give-justification' },
    });
  }
  const outcome = await pasteOutcome(ctx, target, sourceLabel);
  if (outcome.kind === 'fine') throw new SensitivityError('E_USAGE', 'its label is already at least that of the pasted text', target);
  await ctx.audit.append({
    action: 'paste.keep',
    actor: actorOf(ctx),
    file: target,
    from: outcome.source.id,
    to: outcome.target?.id ?? null,
    justification: reason,
  });
}
