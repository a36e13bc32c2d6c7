/**
 * Rollback: a reader remembers the highest policy version it has seen of each line of versions
 * (`EnvelopeInfo.lineageId`: content id and first version) and refuses an older one — an older copy
 * restored by git, a backup or a merge may still grant people since revoked. An owner who restores a copy
 * on purpose re-signs it above what was seen (`acceptRestore`).
 */
import type { EnvelopeHeader, EnvelopeInfo } from '../envelope/index.js';
import { SensitivityError } from '../errors.js';
import type { AppContext } from './ports.js';

/** E_ROLLBACK when `info` is an older policy version than this user has seen of its line (nothing checked without memory or in format 1). */
export async function checkNotRolledBack(ctx: AppContext, info: EnvelopeHeader | EnvelopeInfo): Promise<void> {
  const seen = await seenAbove(ctx, info);
  if (seen === undefined) return;
  throw rollbackError(info.policy.ver ?? 0, seen, info.policy.owner.email);
}

/** The E_ROLLBACK refusal: `version` is older than the version `seen` of its line. */
export function rollbackError(version: number, seen: number, owner: string): SensitivityError {
  return new SensitivityError(
    'E_ROLLBACK',
    `is an older version of its access policy (version ${version}) than one you have opened before (version ${seen}): it may have been restored from an old copy that still lets revoked people in; if an owner restored it on purpose, they accept it once`,
    undefined,
    { details: { hint: 'accept-restore', version, seen, owner } },
  );
}

/** The highest version seen of `info`'s line when it is above `info`'s own, else undefined. */
export async function seenAbove(ctx: AppContext, info: EnvelopeHeader | EnvelopeInfo): Promise<number | undefined> {
  if (!ctx.versions || info.lineageId === undefined) return undefined;
  const seen = await ctx.versions.highest(info.lineageId);
  return seen !== undefined && seen > info.policy.ver! ? seen : undefined;
}

/** Remembers `info`'s policy version as seen (a no-op without memory or in format 1). */
export async function rememberVersion(ctx: AppContext, info: EnvelopeHeader | EnvelopeInfo): Promise<void> {
  if (ctx.versions && info.lineageId !== undefined) await ctx.versions.remember(info.lineageId, info.policy.ver!);
}
