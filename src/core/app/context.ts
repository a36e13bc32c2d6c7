/** Helpers every operation shares: who acts, how denials and refusals are recorded, how long work is watched. */
import type { AuditActor } from '../audit/index.js';
import { doubleKeyAccess, observed, type DoubleKeyAccess, type EnvelopeLabel, type WitnessHeadHandler } from '../envelope/index.js';
import { cancelledError, isSensitivityError, SensitivityError, type ErrorCode } from '../errors.js';
import type { Identity } from '../identity.js';
import { extName } from '../paths.js';
import type { PolicyLabel } from '../policy/index.js';
import type { Clock, RandomAccessSource, RandomSource } from '../ports.js';
import type { Right } from '../rights.js';
import type { AppContext, Cancellable, ReadHandle } from './ports.js';

/** The acting identity, or E_NO_IDENTITY (hosts say how to create one). */
export function requireIdentity(ctx: AppContext): Identity {
  if (ctx.identity) return ctx.identity;
  throw new SensitivityError('E_NO_IDENTITY', 'you have no identity yet', undefined, { details: { hint: 'create-identity' } });
}

/** The clock and random source of the context, as the envelope functions take them. */
export const timeAndChance = (ctx: AppContext): { clock: Clock; random?: RandomSource } => ({
  clock: ctx.clock,
  ...(ctx.random ? { random: ctx.random } : {}),
});

/** The key service as the envelope functions take it, for Double Key files; the witness head its decrypt answers goes to `onWitnessHead`. */
export const keyServiceOf = (ctx: AppContext, onWitnessHead?: WitnessHeadHandler): { doubleKey?: DoubleKeyAccess } =>
  ctx.keyService ? { doubleKey: doubleKeyAccess(ctx.keyService, onWitnessHead) } : {};

/** The audit log's actor for this context. */
export const actorOf = (ctx: AppContext): AuditActor | null => (ctx.identity ? { id: ctx.identity.id, email: ctx.identity.email } : null);

/** How a label travels inside an envelope. */
export const envelopeLabelOf = (l: PolicyLabel): EnvelopeLabel => ({ id: l.id, name: l.displayName ?? l.name });

const DENIALS: ReadonlySet<ErrorCode> = new Set([
  'E_NO_IDENTITY',
  'E_NOT_GRANTEE',
  'E_RIGHT_MISSING',
  'E_EXPIRED',
  // Double Key: the organisation's key service said no.
  'E_SIGNIN_REQUIRED',
  'E_TOKEN_EXPIRED',
  'E_KEYSERVICE_DENIED',
  'E_KEYSERVICE_REVOKED',
  'E_KEY_RETIRED',
]);
const REFUSALS: ReadonlySet<ErrorCode> = new Set([
  'E_INTEGRITY',
  'E_FORMAT',
  'E_UNSUPPORTED_VERSION',
  'E_POLICY_INVALID',
  'E_LINEAGE',
  'E_WRITER_NOT_ALLOWED',
  'E_ROLLBACK',
  'E_FORK',
  'E_DOWNGRADE',
  'E_WITNESS_INVALID',
  'E_WITNESS_MISSING',
]);

/**
 * Runs `f` on the protected file at `path`. A denial is recorded as `open.denied`, a tampered or corrupt
 * file as `open.refused`, before the error propagates naming the file. If that record cannot be written the
 * audit failure is what propagates (the operation did not take effect either way).
 */
export async function guarded<T>(ctx: AppContext, path: string, right: Right, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (isSensitivityError(e) && (DENIALS.has(e.code) || REFUSALS.has(e.code))) {
      const action = DENIALS.has(e.code) ? 'open.denied' : 'open.refused';
      await ctx.audit.append({ action, actor: actorOf(ctx), file: path, right, code: e.code });
    }
    throw isSensitivityError(e) ? e.withFile(path) : e;
  }
}

/** Opens `path`, runs `f` with the handle, and closes it whatever happens. */
export async function withHandle<T>(ctx: AppContext, path: string, f: (h: ReadHandle) => Promise<T>): Promise<T> {
  const h = await ctx.files.open(path);
  try {
    return await f(h);
  } finally {
    await h.close();
  }
}

/** All `size` bytes of `h` in memory; `shrank` is thrown when the file ends early (it changed while read). */
export async function readWhole(h: RandomAccessSource, size: number, shrank: () => Error): Promise<Uint8Array> {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < bytes.length;) {
    const n = await h.read(bytes.subarray(at), at);
    if (n === 0) throw shrank();
    at += n;
  }
  return bytes;
}

/** `h` as a source that reports bytes read and stops with E_CANCELLED when `c.signal` aborts. */
export function watched(h: RandomAccessSource, c: Cancellable, path: string): RandomAccessSource {
  let read = 0;
  return observed(h, (n) => {
    checkCancelled(c, path);
    read += n;
    c.onProgress?.(read);
  });
}

/** Throws E_CANCELLED when `c.signal` has aborted. */
export function checkCancelled(c: Cancellable, path?: string): void {
  if (c.signal?.aborted) throw cancelledError(path);
}

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.md': 'text/markdown',
  '.txt': 'text/plain',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.ts': 'text/x-typescript',
  '.js': 'text/javascript',
  '.py': 'text/x-python',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.env': 'text/plain',
  '.sql': 'application/sql',
  '.sh': 'text/x-shellscript',
};

/** The media type recorded for a file by its extension. */
export const mediaTypeOf = (path: string): string => MEDIA_TYPES[extName(path)] ?? 'application/octet-stream';

/** E_USAGE unless `path` names a protected envelope. */
export function requireProtectedPath(path: string, isProtected: boolean): void {
  if (!isProtected) throw new SensitivityError('E_USAGE', 'is not a protected file (its name does not end in .protected)', path);
}
