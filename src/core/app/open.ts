/** `open`: the plaintext of a protected file, to a stream (`cat`) or into memory (editors). Needs VIEW. */
import { memorySink, openEnvelope, readEnvelopeHeader, type EnvelopeInfo, type OpenedEnvelope } from '../envelope/index.js';
import { isProtectedPath } from '../paths.js';
import type { ByteSink } from '../ports.js';
import { decideAccess, denialError, type Right } from '../rights.js';
import { policySubject } from '../envelope/index.js';
import { actorOf, guarded, requireIdentity, requireProtectedPath, withHandle, keyServiceOf } from './context.js';
import type { AppContext, ReadHandle } from './ports.js';
import { signerView } from './inspect.js';
import { checkHistory, rememberVersion, witnessHeadCheck, withWitnessHead, type Standing } from './versions.js';

/** An opened file's envelope, and how it stands to the newest version of its history seen (an older copy says so). */
export interface Opened extends OpenedEnvelope {
  readonly standing: Standing;
}

/**
 * Decides VIEW from the signed policy, judges the version against the access history seen (a fork or a
 * downgrade is refused; an older copy reads, and says so), records the open, then decrypts: an open that
 * cannot be recorded releases nothing. The history's head is remembered only once the body authenticated.
 * (The envelope re-decides from the authenticated header while opening.) `path` names the file for the
 * audit record and git's witness; `h` holds the version read (the file, or a blob of it).
 */
export async function openHandle(ctx: AppContext, path: string, h: ReadHandle, sink: ByteSink | null): Promise<Opened> {
  const id = requireIdentity(ctx);
  const header = await readEnvelopeHeader(h);
  // History first: a fork that revoked the reader says it is a fork, not "ask the owner" (its signer).
  const standing = await checkHistory(ctx, path, header, 'read');
  const signer = await signerView(ctx, header.policy.owner.id, header.policy.owner);
  const d = decideAccess(policySubject(header.policy), ctx.identity?.id, 'VIEW', ctx.clock.now(), signer);
  if (!d.allowed) throw denialError(d);
  await ctx.audit.append({ action: 'open', actor: actorOf(ctx), file: path });
  // A Double Key decrypt answers the organisation witness's head: a newer one makes this an older copy (read-only).
  const head = witnessHeadCheck(ctx, header, 'read');
  const opened = await openEnvelope(h, sink, id, { clock: ctx.clock, ...keyServiceOf(ctx, head.onWitnessHead) });
  await rememberVersion(ctx, opened);
  return { ...opened, standing: withWitnessHead(standing, head) };
}

/**
 * Streams the plaintext of the protected file at `path` to `sink` in one pass through one open handle: a
 * file whose size disagrees with its header (truncated, extended, swapped) releases nothing, and each chunk
 * is released only once it authenticates (docs/FORMAT.md, security notes).
 */
export async function openTo(ctx: AppContext, path: string, sink: ByteSink): Promise<Opened> {
  requireIdentity(ctx);
  requireProtectedPath(path, isProtectedPath(path));
  return guarded(ctx, path, 'VIEW', () => withHandle(ctx, path, (h) => openHandle(ctx, path, h, sink)));
}

/** The whole plaintext of a protected file in memory, authenticated, with the caller's rights (editors). */
export async function open(ctx: AppContext, path: string): Promise<{ content: Uint8Array; rights: readonly Right[]; info: EnvelopeInfo; standing: Standing }> {
  requireIdentity(ctx);
  requireProtectedPath(path, isProtectedPath(path));
  const sink = memorySink();
  const opened = await guarded(ctx, path, 'VIEW', () => withHandle(ctx, path, (h) => openHandle(ctx, path, h, sink)));
  return { content: sink.bytes(), rights: opened.rights, info: opened, standing: opened.standing };
}
