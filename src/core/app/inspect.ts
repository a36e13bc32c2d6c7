/** `inspect`: what a protected file says about itself, from its header alone (no key needed). */
import { policySubject, readEnvelopeHeader, type EnvelopeHeader, type EnvelopeInfo, type EnvelopeLabel } from '../envelope/index.js';
import { isSensitivityError, type ErrorCode } from '../errors.js';
import { isProtectedPath } from '../paths.js';
import { decideAccess, normalizeRights, roleOfRights, type Right } from '../rights.js';
import { requireProtectedPath, withHandle } from './context.js';
import type { AppContext } from './ports.js';

/** One grantee as shown to people (inspect, the access panel). */
export interface AccessEntry {
  readonly id: string;
  readonly email: string;
  readonly name?: string;
  readonly role: string;
  readonly rights: readonly Right[];
  readonly recovery: boolean;
}

/** What `inspect --json` prints (stable; documented in README): nothing here needs the file key. */
export interface ProtectedInfo {
  /** Workspace-relative path. */
  readonly file: string;
  readonly version: number;
  readonly innerName: string;
  readonly contentType: string;
  readonly size: number;
  readonly contentId: string;
  readonly label: EnvelopeLabel;
  readonly owner: { readonly id: string; readonly email: string; readonly name: string };
  readonly grants: readonly AccessEntry[];
  readonly issued: string;
  readonly expires: string | null;
  readonly expired: boolean;
  /** The caller's rights (empty without identity or grant). */
  readonly yourRights: readonly Right[];
  /** Why the caller may not view, when they may not. */
  readonly denied: { readonly code: ErrorCode; readonly reason: string } | null;
  /** Double Key: opening also needs this key service (`url` = `<service>/<keyName>`, `kid` its key version). */
  readonly doubleKey: { readonly url: string; readonly kid: string } | null;
}

/** Access entries of a policy's grants, with role names. */
export function accessEntries(info: EnvelopeHeader | EnvelopeInfo): AccessEntry[] {
  return info.policy.grants.map((g) => ({
    id: g.id,
    email: g.email,
    ...(g.name ? { name: g.name } : {}),
    role: roleOfRights(g.rights),
    rights: normalizeRights(g.rights),
    recovery: g.recovery === true,
  }));
}

/** Describes the protected file at `path` from its header (signature-checked, not decrypted) and the caller's rights. */
export async function inspect(ctx: AppContext, path: string): Promise<ProtectedInfo> {
  requireProtectedPath(path, isProtectedPath(path));
  const h = await withHandle(ctx, path, (handle) => readEnvelopeHeader(handle)).catch((e: unknown) => {
    throw isSensitivityError(e) ? e.withFile(path) : e;
  });
  const now = ctx.clock.now();
  const view = decideAccess(policySubject(h.policy), ctx.identity?.id, 'VIEW', now);
  return {
    file: path,
    version: h.layout.version,
    innerName: h.innerName,
    contentType: h.contentType,
    size: h.layout.plaintextLength,
    contentId: h.policy.cid,
    label: h.policy.label,
    owner: { id: h.policy.owner.id, email: h.policy.owner.email, name: h.policy.owner.name },
    grants: accessEntries(h),
    issued: new Date(h.policy.iat * 1000).toISOString(),
    expires: h.policy.exp === undefined ? null : new Date(h.policy.exp * 1000).toISOString(),
    expired: h.policy.exp !== undefined && now.getTime() >= h.policy.exp * 1000,
    yourRights: view.rights,
    denied: view.allowed ? null : { code: view.code, reason: view.reason },
    doubleKey: h.policy.dk ? { url: h.policy.dk.url, kid: h.policy.dk.kid } : null,
  };
}
