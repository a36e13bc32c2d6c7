/** `unprotect`: `FILE.protected` back to the plain `FILE` (needs EXPORT); the label moves to the manifest, or inside a document. */
import { openEnvelope, readEnvelopeHeader } from '../envelope/index.js';
import { isSensitivityError } from '../errors.js';
import { setLabel } from '../labels/index.js';
import { isProtectedPath, plainPathOf } from '../paths.js';
import { findLabel, type Policy, type PolicyLabel } from '../policy/index.js';
import { actorOf, guarded, requireIdentity, requireProtectedPath, watched, withHandle, keyServiceOf } from './context.js';
import { labelGoesInside, labelInside, writeLabelInside } from './document-label.js';
import { checkHistory, witnessHeadCheck } from './versions.js';
import type { AppContext, Cancellable } from './ports.js';

/** Puts `label` inside the unprotected document unless it is there already; false when the document cannot take it. */
async function keepInside(ctx: AppContext, policy: Policy, path: string, label: PolicyLabel): Promise<boolean> {
  try {
    if ((await labelInside(ctx, policy, path))?.policyLabel?.id !== label.id)
      await writeLabelInside(ctx, policy, path, label, 'Privileged', async () => undefined);
    return true;
  } catch (e) {
    if (isSensitivityError(e) && e.code.startsWith('E_DOCUMENT_')) return false;
    throw e;
  }
}

/** The policy's applicable label with this id, if the policy still knows it. */
function knownLabel(policy: Policy, id: string): PolicyLabel | undefined {
  try {
    return findLabel(policy, id, { applicable: true });
  } catch {
    return undefined;
  }
}

/**
 * Writes the plaintext of the envelope at `path` to the plain path beside it, created exclusively (never
 * over an existing or racing file) with the envelope's permission bits, in one decrypting pass into a 0600
 * temp file that only takes the name once every chunk has authenticated and the event is recorded.
 */
export async function unprotect(ctx: AppContext, path: string, opts: { keep?: boolean } & Cancellable = {}): Promise<{ output: string; label: string }> {
  const id = requireIdentity(ctx);
  requireProtectedPath(path, isProtectedPath(path));
  const output = plainPathOf(path);
  const opened = await guarded(ctx, path, 'EXPORT', () =>
    withHandle(ctx, path, async (h) => {
      // A fork or a format-1 stand-in is not exported as the file's content; an older version is (it reads).
      const header = await readEnvelopeHeader(h);
      await checkHistory(ctx, path, header, 'read');
      const head = witnessHeadCheck(ctx, header, 'read');
      return ctx.files.create(
        output,
        h.mode,
        async (sink) => {
          const result = await openEnvelope(watched(h, opts, path), sink, id, { right: 'EXPORT', clock: ctx.clock, ...keyServiceOf(ctx, head.onWitnessHead) });
          await ctx.audit.append({ action: 'unprotect', actor: actorOf(ctx), file: path, label: result.policy.label.id });
          return result;
        },
        { durable: !opts.keep },
      );
    }),
  );
  const policy = await ctx.store.policy();
  const known = knownLabel(policy, opened.policy.label.id);
  // A document whose label maps to Purview keeps it inside (written there when it differs); others in the manifest.
  const inside = known && labelGoesInside(policy, output, known) && (await keepInside(ctx, policy, output, known));
  if (known && !inside) {
    await ctx.store.updateManifest(
      (m) => setLabel(m, output, known.id, { id: id.id, email: id.email, name: id.name }, { policy, now: ctx.clock.now(), force: true }).manifest,
    );
  }
  if (!opts.keep) await ctx.files.remove(path);
  return { output, label: opened.policy.label.id };
}
