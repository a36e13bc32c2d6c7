/**
 * `migrate`: an owner moves a format-1 file to format 2 on purpose — the only write format 1 allows (it has no
 * history and no writer signature, so a save or grant on it could start from anyone's copy). The format-1
 * policy's signer must be this user or a person they pinned, and the content id must never have been seen in
 * format 2 (by memory or in git's history): otherwise the copy is an old one standing in for the real file.
 */
import { readEnvelopeHeader, rewrapEnvelope, type EnvelopeInfo } from '../envelope/index.js';
import { SensitivityError } from '../errors.js';
import { actorOf, requireIdentity, timeAndChance, withHandle } from './context.js';
import type { AppContext } from './ports.js';
import { rewriteProtected } from './rewrite.js';

/** Migrates the format-1 file at `path` to format 2 (needs OWNER; its lineage starts at version 1, same grants). */
export async function migrate(ctx: AppContext, path: string): Promise<EnvelopeInfo> {
  const me = requireIdentity(ctx);
  const h = await withHandle(ctx, path, readEnvelopeHeader);
  if (h.layout.version !== 1) throw new SensitivityError('E_USAGE', 'is already in format 2: there is nothing to migrate', path);
  const signer = h.policy.owner.id;
  if (signer !== me.id && !(await ctx.pins?.byId(signer))) {
    throw new SensitivityError(
      'E_RIGHT_MISSING',
      `its format-1 policy is signed by a key you have not pinned (claiming ${h.policy.owner.email}); only a file whose signer you know is migrated`,
      path,
      { details: { hint: 'ask-owner', owner: h.policy.owner.email } },
    );
  }
  // rewriteProtected judges the history (E_DOWNGRADE for a content id seen in format 2) before anything is written.
  return rewriteProtected(
    ctx,
    path,
    'OWNER',
    (old, sink, id, access) => rewrapEnvelope(old, sink, id, { migrate: true }, { ...timeAndChance(ctx), ...access }),
    (info) => ({ action: 'migrate', actor: actorOf(ctx), file: path, version: info.policy.ver ?? 1 }),
  );
}
