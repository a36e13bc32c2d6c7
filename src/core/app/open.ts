/** `open`: the plaintext of a protected file, to a stream (`cat`) or into memory (editors). Needs VIEW. */
import { memorySink, openEnvelope, readEnvelopeHeader, type EnvelopeInfo } from '../envelope/index.js';
import { isProtectedPath } from '../paths.js';
import type { ByteSink } from '../ports.js';
import { decideAccess, denialError, type Right } from '../rights.js';
import { policySubject } from '../envelope/index.js';
import { actorOf, guarded, requireIdentity, requireProtectedPath, withHandle, keyServiceOf } from './context.js';
import type { AppContext, ReadHandle } from './ports.js';
import { signerView } from './inspect.js';
import { checkNotRolledBack, rememberVersion } from './versions.js';

/**
 * Decides VIEW from the signed policy, refuses a rollback (an older policy version than this user has
 * seen), and records the open before a byte is decrypted: an open that cannot be recorded releases
 * nothing. (The envelope re-decides from the authenticated header while opening.)
 */
export async function recordOpen(ctx: AppContext, path: string, h: ReadHandle): Promise<void> {
  const header = await readEnvelopeHeader(h);
  const signer = await signerView(ctx, header.policy.owner.id, header.policy.owner);
  const d = decideAccess(policySubject(header.policy), ctx.identity?.id, 'VIEW', ctx.clock.now(), signer);
  if (!d.allowed) throw denialError(d);
  await checkNotRolledBack(ctx, header);
  await ctx.audit.append({ action: 'open', actor: actorOf(ctx), file: path });
  await rememberVersion(ctx, header);
}

/**
 * Streams the plaintext of the protected file at `path` to `sink` in one pass through one open handle: a
 * file whose size disagrees with its header (truncated, extended, swapped) releases nothing, and each chunk
 * is released only once it authenticates (docs/FORMAT.md, security notes).
 */
export async function openTo(ctx: AppContext, path: string, sink: ByteSink): Promise<EnvelopeInfo> {
  const id = requireIdentity(ctx);
  requireProtectedPath(path, isProtectedPath(path));
  return guarded(ctx, path, 'VIEW', () =>
    withHandle(ctx, path, async (h) => {
      await recordOpen(ctx, path, h);
      return openEnvelope(h, sink, id, { clock: ctx.clock, ...keyServiceOf(ctx) });
    }),
  );
}

/** The whole plaintext of a protected file in memory, authenticated, with the caller's rights (editors). */
export async function open(ctx: AppContext, path: string): Promise<{ content: Uint8Array; rights: readonly Right[]; info: EnvelopeInfo }> {
  const id = requireIdentity(ctx);
  requireProtectedPath(path, isProtectedPath(path));
  const sink = memorySink();
  const opened = await guarded(ctx, path, 'VIEW', () =>
    withHandle(ctx, path, async (h) => {
      await recordOpen(ctx, path, h);
      return openEnvelope(h, sink, id, { clock: ctx.clock, ...keyServiceOf(ctx) });
    }),
  );
  return { content: sink.bytes(), rights: opened.rights, info: opened };
}
