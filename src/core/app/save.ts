/** `save`: new content for a protected file, same policy and recipients (needs EDIT). How editors save. */
import { byteSourceOf, replaceEnvelopeContent, type EnvelopeInfo } from '../envelope/index.js';
import { actorOf, timeAndChance } from './context.js';
import type { AppContext } from './ports.js';
import { rewriteProtected } from './rewrite.js';

export interface SaveOptions {
  /**
   * The `policyDigest` of the file as the content was opened (editors keep it): if a grant, revoke or expiry
   * change happened since, nothing is saved (E_FILE_CHANGED: reopen, then save).
   */
  readonly expectPolicy?: string;
}

/** Replaces the content of the protected file at `path` in place (atomically, under its lock), signed by the saver. */
export async function save(ctx: AppContext, path: string, content: Uint8Array, options: SaveOptions = {}): Promise<EnvelopeInfo> {
  return rewriteProtected(
    ctx,
    path,
    'EDIT',
    (old, sink, id, { doubleKey }) =>
      replaceEnvelopeContent(old, byteSourceOf(content), sink, id, {
        size: content.length,
        ...timeAndChance(ctx),
        ...(doubleKey ? { doubleKey } : {}),
        ...options,
      }),
    () => ({ action: 'edit', actor: actorOf(ctx), file: path, size: content.length }),
  );
}
