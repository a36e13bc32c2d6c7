/** The one way a protected file is rewritten in place: locked, read through one handle, re-checked, replaced atomically. */
import type { AuditEvent } from '../audit/index.js';
import { readEnvelopeHeader, type DoubleKeyAccess, type EnvelopeInfo, type WitnessHook } from '../envelope/index.js';
import { SensitivityError } from '../errors.js';
import type { PatchableSink, RandomAccessSource } from '../ports.js';
import type { Right } from '../rights.js';
import type { Identity } from '../identity.js';
import { isProtectedPath } from '../paths.js';
import { guarded, keyServiceOf, requireIdentity, requireProtectedPath, withHandle } from './context.js';
import type { AppContext } from './ports.js';
import { checkHistory, rememberVersion, witnessHeadCheck } from './versions.js';
import { witnessHook } from './witness.js';

/** Magic, version, sizes and the salt: a fresh random salt on every write makes these bytes name one write. */
const WRITE_ID_LENGTH = 54;

/** What a rewrite hands its transform: the witness for a new policy version, and the key service for a Double Key file. */
export interface WriteAccess {
  readonly witness: WitnessHook;
  /** Judging the witness head the decrypt answers: building on an older copy is E_ROLLBACK (not in a restore). */
  readonly doubleKey?: DoubleKeyAccess;
}

export interface RewriteOptions {
  /** An owner restoring an older or forked copy on purpose (its new version extends the newest history): no history check. */
  readonly acceptRollback?: boolean;
}

/**
 * Rewrites the protected file at `path` as the context's identity through `transform` (which checks
 * `right` as it opens the old envelope, and hands `witness` to a rewrap: a new policy version is registered at
 * the workspace's organisation) under the file's lock, keeping its permission bits. Building on a
 * version that is not the newest of its history seen (E_ROLLBACK), a fork of it (E_FORK) or a format-1 copy of
 * a format-2 file (E_DOWNGRADE) is refused. Just before the new envelope replaces the
 * old one, the file is re-checked: if anything replaced it meanwhile (a writer that does not take our lock,
 * such as git) nothing is written (E_FILE_CHANGED). `event` is recorded before the replacement, so an
 * unrecordable change does not take effect; the new policy version is remembered after it.
 */
export async function rewriteProtected(
  ctx: AppContext,
  path: string,
  right: Right,
  transform: (old: RandomAccessSource, sink: PatchableSink, as: Identity, access: WriteAccess) => Promise<EnvelopeInfo>,
  event: (result: EnvelopeInfo) => AuditEvent,
  options: RewriteOptions = {},
): Promise<EnvelopeInfo> {
  const id = requireIdentity(ctx);
  requireProtectedPath(path, isProtectedPath(path));
  const result = await guarded(ctx, path, right, () =>
    ctx.files.withLock(path, () =>
      withHandle(ctx, path, async (h) => {
        const header = await readEnvelopeHeader(h);
        if (!options.acceptRollback) await checkHistory(ctx, path, header, 'build');
        const access = { ...witnessHook(ctx), ...keyServiceOf(ctx, options.acceptRollback ? undefined : witnessHeadCheck(ctx, header, 'build').onWitnessHead) };
        const before = await writeId(h);
        return ctx.files.replace(path, h.mode, async (sink) => {
          const result = await transform(h, sink, id, access);
          const now = await withHandle(ctx, path, writeId);
          if (!now.every((b, i) => b === before[i])) {
            throw new SensitivityError(
              'E_FILE_CHANGED',
              'was replaced by another program while it was being written; nothing was saved: reopen it, then try again',
              undefined,
              {
                details: { hint: 'reopen' },
              },
            );
          }
          await ctx.audit.append(event(result));
          return result;
        });
      }),
    ),
  );
  await rememberVersion(ctx, result);
  return result;
}

async function writeId(h: RandomAccessSource): Promise<Uint8Array> {
  const buf = new Uint8Array(WRITE_ID_LENGTH);
  let got = 0;
  while (got < buf.length) {
    const n = await h.read(buf.subarray(got), got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}
