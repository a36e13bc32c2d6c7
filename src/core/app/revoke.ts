/** `revoke`: people lose their access to a protected file (needs OWNER); the file key is rotated. */
import { rewrapEnvelope, type EnvelopeInfo } from '../envelope/index.js';
import { isProtectedPath } from '../paths.js';
import { actorOf, requireIdentity, requireProtectedPath } from './context.js';
import type { AppContext } from './ports.js';
import { rewriteProtected } from './rewrite.js';

/** Removes the grants of `who` (emails or identity ids) and re-encrypts under a fresh file key. */
export async function revoke(ctx: AppContext, path: string, who: readonly string[]): Promise<EnvelopeInfo> {
  const id = requireIdentity(ctx);
  requireProtectedPath(path, isProtectedPath(path));
  return rewriteProtected(
    ctx,
    path,
    'OWNER',
    (old, sink) => rewrapEnvelope(old, sink, id, { revoke: who }, { clock: ctx.clock, ...(ctx.random ? { random: ctx.random } : {}) }),
    () => ({ action: 'revoke', actor: actorOf(ctx), file: path, revoked: [...who], rotated: true }),
  );
}
