/**
 * `expiry`: an owner changes when a protected file expires, or removes the expiry (needs OWNER, before it
 * passes; after it only when the file's signed policy says `renew`, the label's `expiry.ownerCanRenew`).
 */
import { rewrapEnvelope, type EnvelopeInfo } from '../envelope/index.js';
import { actorOf, timeAndChance } from './context.js';
import type { AppContext } from './ports.js';
import { rewriteProtected } from './rewrite.js';

/** Sets the expiry of the protected file at `path` to `expires`, or removes it (null); the file key is kept. */
export async function setExpiry(ctx: AppContext, path: string, expires: Date | null): Promise<EnvelopeInfo> {
  return rewriteProtected(
    ctx,
    path,
    'OWNER',
    (old, sink, id, access) => rewrapEnvelope(old, sink, id, { expires }, { ...timeAndChance(ctx), ...access }),
    () => ({ action: 'expiry', actor: actorOf(ctx), file: path, expires: expires ? expires.toISOString() : null }),
  );
}
