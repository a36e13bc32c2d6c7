/** `save`: new content for a protected file, same policy and recipients (needs EDIT). How editors save. */
import { byteSourceOf, replaceEnvelopeContent, type EnvelopeInfo } from '../envelope/index.js';
import { actorOf, keyServiceOf, timeAndChance } from './context.js';
import type { AppContext } from './ports.js';
import { rewriteProtected } from './rewrite.js';

/** Replaces the content of the protected file at `path` in place (atomically, under its lock). */
export async function save(ctx: AppContext, path: string, content: Uint8Array): Promise<EnvelopeInfo> {
  return rewriteProtected(
    ctx,
    path,
    'EDIT',
    (old, sink, id) => replaceEnvelopeContent(old, byteSourceOf(content), sink, id, { size: content.length, ...timeAndChance(ctx), ...keyServiceOf(ctx) }),
    () => ({ action: 'edit', actor: actorOf(ctx), file: path, size: content.length }),
  );
}
