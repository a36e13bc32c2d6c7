/**
 * `restore`: an owner accepts a protected file that is older than a version they have seen (restored on
 * purpose from git or a backup). They re-sign its policy as a version above every one they have seen, so
 * that other readers, who may have seen the newer version too, accept it as well.
 */
import { rewrapEnvelope, type EnvelopeInfo } from '../envelope/index.js';
import { actorOf, timeAndChance } from './context.js';
import type { AppContext } from './ports.js';
import { rewriteProtected } from './rewrite.js';

/** Re-signs the protected file at `path` (needs OWNER) above the highest version of it this user has seen. */
export async function acceptRestore(ctx: AppContext, path: string, lineageId?: string): Promise<EnvelopeInfo> {
  const seen = lineageId === undefined ? undefined : await ctx.versions?.highest(lineageId);
  return rewriteProtected(
    ctx,
    path,
    'OWNER',
    (old, sink, id) => rewrapEnvelope(old, sink, id, { minVersion: (seen ?? 0) + 1 }, timeAndChance(ctx)),
    (info) => ({ action: 'restore', actor: actorOf(ctx), file: path, version: info.policy.ver ?? 0 }),
    { acceptRollback: true },
  );
}
