/** `revoke`: people lose their access to a protected file (needs OWNER); the file key is rotated. */
import { rewrapEnvelope, type EnvelopeInfo } from '../envelope/index.js';
import { actorOf, timeAndChance } from './context.js';
import type { AppContext } from './ports.js';
import { rewriteProtected } from './rewrite.js';

/** Removes the grants of `who` (emails or identity ids) and re-encrypts under a fresh file key. */
export async function revoke(ctx: AppContext, path: string, who: readonly string[]): Promise<EnvelopeInfo> {
  return rewriteProtected(
    ctx,
    path,
    'OWNER',
    (old, sink, id, access) => rewrapEnvelope(old, sink, id, { revoke: who }, { ...timeAndChance(ctx), ...access }),
    () => ({ action: 'revoke', actor: actorOf(ctx), file: path, revoked: [...who], rotated: true }),
  );
}
