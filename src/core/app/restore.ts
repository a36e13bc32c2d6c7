/**
 * `restore`: an owner accepts an older or forked copy of a protected file on purpose (restored from git or a
 * backup). Its grants, label and expiry are re-signed as the next version of the newest history this user or
 * git has seen, under a new file key, so every reader who saw that history accepts it too.
 */
import { randomAccessOf, readEnvelopeHeader, rewrapEnvelope, type EnvelopeHeader, type EnvelopeInfo, type SignedHistory } from '../envelope/index.js';
import { SensitivityError } from '../errors.js';
import { actorOf, timeAndChance, withHandle } from './context.js';
import type { AppContext } from './ports.js';
import { rewriteProtected } from './rewrite.js';
import { relate } from './versions.js';

export interface RestoreOptions {
  /**
   * A copy of the newest version to build on. Default: the newest of the history kept with this user's memory
   * (their own or an owner's change they opened) and the versions git holds on any branch.
   */
  readonly onto?: Uint8Array;
}

/** Re-signs the copy at `path` (needs OWNER in it and in the newest version) as the next version of the newest history seen. */
export async function acceptRestore(ctx: AppContext, path: string, options: RestoreOptions = {}): Promise<EnvelopeInfo> {
  const copy = await withHandle(ctx, path, readEnvelopeHeader);
  const onto = options.onto ? (await readEnvelopeHeader(randomAccessOf(options.onto))).signed : await newestKnown(ctx, path, copy);
  if (!onto) {
    throw new SensitivityError(
      'E_USAGE',
      'is the newest version of its access history you or git have seen, or the newest is not at hand: there is nothing to restore it onto (give a copy of the newest version with --onto)',
      path,
    );
  }
  return rewriteProtected(
    ctx,
    path,
    'OWNER',
    (old, sink, id, access) => rewrapEnvelope(old, sink, id, { onto }, { ...timeAndChance(ctx), ...access }),
    (info) => ({ action: 'restore', actor: actorOf(ctx), file: path, version: info.policy.ver ?? 0 }),
    { acceptRollback: true },
  );
}

/**
 * The newest signed history of `copy`'s line that does not fork from what memory holds and is newer than the
 * copy: kept with the memory, or the newest version git holds on any branch.
 */
async function newestKnown(ctx: AppContext, path: string, copy: EnvelopeHeader): Promise<SignedHistory | undefined> {
  const line = copy.lineageId;
  if (line === undefined) return undefined;
  const seen = await ctx.versions?.head(line);
  const newer = (history: readonly string[]) => {
    const r = relate(seen, history);
    return r !== 'fork' && r !== 'older' && history.length > copy.history.length;
  };
  const kept = await ctx.versions?.signed(line);
  const committed = ctx.history ? (await ctx.history.committed(path, 'all')).filter((v) => v.lineId === line && newer(v.history)) : [];
  const best = committed.sort((a, b) => b.history.length - a.history.length)[0];
  const keptLength = kept ? kept.lineage.length + 1 : 0;
  if (best && ctx.history && best.history.length > keptLength) return (await readEnvelopeHeader(randomAccessOf(await ctx.history.read(best.blob)))).signed;
  return kept && newer(seen?.history ?? []) ? kept : undefined;
}
