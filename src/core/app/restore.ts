/**
 * `restore`: an owner accepts an older or forked copy of a protected file on purpose (restored from git or a
 * backup). Its grants, label and expiry are re-signed as the next version of the newest history this user or
 * git has seen, under a new file key, so every reader who saw that history accepts it too.
 */
import { randomAccessOf, readEnvelopeHeader, rewrapEnvelope, type EnvelopeHeader, type EnvelopeInfo } from '../envelope/index.js';
import { SensitivityError } from '../errors.js';
import { actorOf, timeAndChance, withHandle } from './context.js';
import type { AppContext } from './ports.js';
import { rewriteProtected } from './rewrite.js';
import { relate } from './versions.js';

export interface RestoreOptions {
  /** The newest version's envelope to build on; default: the newest version of this file git holds on any branch that extends what this user has seen. */
  readonly onto?: Uint8Array;
}

/** Re-signs the copy at `path` (needs OWNER in it and in the newest version) as the next version of the newest history seen. */
export async function acceptRestore(ctx: AppContext, path: string, options: RestoreOptions = {}): Promise<EnvelopeInfo> {
  const copy = await withHandle(ctx, path, readEnvelopeHeader);
  const onto = options.onto ?? (await newestKnown(ctx, path, copy));
  if (!onto) {
    throw new SensitivityError(
      'E_USAGE',
      'is the newest version of its access history you or git have seen: there is nothing to restore it onto (give the newest version with --onto if it is elsewhere)',
      path,
    );
  }
  return rewriteProtected(
    ctx,
    path,
    'OWNER',
    (old, sink, id) => rewrapEnvelope(old, sink, id, { onto: randomAccessOf(onto) }, timeAndChance(ctx)),
    (info) => ({ action: 'restore', actor: actorOf(ctx), file: path, version: info.policy.ver ?? 0 }),
    { acceptRollback: true },
  );
}

/** The envelope of the newest version git holds of this line (any branch) that does not fork from what memory holds, when it is newer than `copy`. */
async function newestKnown(ctx: AppContext, path: string, copy: EnvelopeHeader): Promise<Uint8Array | undefined> {
  if (copy.lineageId === undefined || !ctx.history) return undefined;
  const seen = await ctx.versions?.head(copy.lineageId);
  const candidates = (await ctx.history.committed(path, 'all')).filter((v) => {
    const r = relate(seen, v.history);
    return v.lineId === copy.lineageId && r !== 'fork' && r !== 'older' && relate(v, copy.history) !== 'same' && v.history.length >= copy.history.length;
  });
  const newest = candidates.sort((a, b) => b.history.length - a.history.length)[0];
  return newest ? ctx.history.read(newest.blob) : undefined;
}
