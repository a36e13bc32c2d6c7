/** The one way a protected file is rewritten in place: locked, read through one handle, replaced atomically. */
import type { AuditEvent } from '../audit/index.js';
import type { ByteSink, RandomAccessSource } from '../ports.js';
import type { Right } from '../rights.js';
import type { Identity } from '../identity.js';
import { isProtectedPath } from '../paths.js';
import { guarded, requireIdentity, requireProtectedPath, withHandle } from './context.js';
import type { AppContext } from './ports.js';

/**
 * Rewrites the protected file at `path` as the context's identity through `transform` (which checks
 * `right` as it opens the old envelope) under the file's lock, keeping its permission bits. `event` is recorded before the new envelope
 * replaces the old one, so an unrecordable change does not take effect.
 */
export async function rewriteProtected<T>(
  ctx: AppContext,
  path: string,
  right: Right,
  transform: (old: RandomAccessSource, sink: ByteSink, as: Identity) => Promise<T>,
  event: (result: T) => AuditEvent,
): Promise<T> {
  const id = requireIdentity(ctx);
  requireProtectedPath(path, isProtectedPath(path));
  return guarded(ctx, path, right, () =>
    ctx.files.withLock(path, () =>
      withHandle(ctx, path, (h) =>
        ctx.files.replace(path, h.mode, async (sink) => {
          const result = await transform(h, sink, id);
          await ctx.audit.append(event(result));
          return result;
        }),
      ),
    ),
  );
}
