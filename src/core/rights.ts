/**
 * Usage rights and roles, with Microsoft Purview's names, and the one access decision both hosts call.
 * Only VIEW is enforced by cryptography (no slot, no key); every other right is enforced here, by the client.
 */
import { ownerWords, unverifiedSigner, type Signer } from './display.js';
import { SensitivityError, type ErrorDetails } from './errors.js';

export const RIGHTS = ['VIEW', 'EDIT', 'EXTRACT', 'PRINT', 'EXPORT', 'VIEWRIGHTSDATA', 'EDITRIGHTSDATA', 'OWNER'] as const;
export type Right = (typeof RIGHTS)[number];

/** Built-in roles; a policy may add custom ones. */
export const BUILTIN_ROLES: Readonly<Record<string, readonly Right[]>> = {
  Viewer: ['VIEW', 'VIEWRIGHTSDATA'],
  Reviewer: ['VIEW', 'VIEWRIGHTSDATA', 'EDIT'],
  'Co-Author': ['VIEW', 'VIEWRIGHTSDATA', 'EDIT', 'EXTRACT', 'PRINT'],
  'Co-Owner': [...RIGHTS],
};

export function isRight(s: unknown): s is Right {
  return typeof s === 'string' && (RIGHTS as readonly string[]).includes(s);
}

/** Rights of a role, from the built-ins and the policy's custom roles; E_ROLE_UNKNOWN otherwise. */
export function rightsOfRole(role: string, customRoles: Readonly<Record<string, readonly Right[]>> = {}): Right[] {
  const rights = customRoles[role] ?? BUILTIN_ROLES[role];
  if (!rights) {
    const known = [...Object.keys(BUILTIN_ROLES), ...Object.keys(customRoles)].join(', ');
    throw new SensitivityError('E_ROLE_UNKNOWN', `unknown role "${role}"; use one of: ${known}`);
  }
  return normalizeRights(rights);
}

/** OWNER implies every right (as in Rights Management); the result is de-duplicated and in canonical order. */
export function normalizeRights(rights: readonly Right[]): Right[] {
  if (rights.includes('OWNER')) return [...RIGHTS];
  return RIGHTS.filter((r) => rights.includes(r));
}

/** The best-fitting role name for a set of rights (the largest built-in role it equals), or "Custom". */
export function roleOfRights(rights: readonly Right[]): string {
  const set = normalizeRights(rights).join(',');
  for (const [name, r] of Object.entries(BUILTIN_ROLES)) if (normalizeRights(r).join(',') === set) return name;
  return 'Custom';
}

/** What a decision needs to know: the grants of a verified policy and its expiry. */
export interface AccessSubject {
  /** Grants of the verified policy: who (identity thumbprint) has which rights. */
  readonly grants: readonly { readonly kid: string; readonly email: string; readonly rights: readonly Right[] }[];
  /** Expiry as seconds since the epoch, if any. */
  readonly expires?: number | undefined;
  /** Owners may still extend the expiry after it passed (the file's signed `renew`). */
  readonly renewable?: boolean | undefined;
  readonly owner: { readonly kid: string; readonly email: string; readonly name?: string | undefined };
}

/** A refusal: its code, a default wording, and the facts hosts word themselves (owner, expiry, rights). */
export type AccessDenial = {
  readonly allowed: false;
  readonly code: 'E_NO_IDENTITY' | 'E_NOT_GRANTEE' | 'E_RIGHT_MISSING' | 'E_EXPIRED';
  readonly reason: string;
  readonly rights: readonly Right[];
  readonly details: ErrorDetails;
};

export type AccessDecision = { readonly allowed: true; readonly rights: readonly Right[] } | AccessDenial;

/**
 * The one access decision: may the identity `kid` exercise `right` on this content at `now`?
 * Expiry binds everyone, owners included: the content itself has a lifetime.
 */
export function decideAccess(subject: AccessSubject, kid: string | undefined, right: Right, now: Date, signer?: Signer): AccessDecision {
  // Who to ask: "the owner" only when the caller verified the signing key (`signer`, from their pins).
  const words = ownerWords(signer ?? unverifiedSigner(subject.owner.kid, subject.owner));
  const owner = words.who;
  if (kid === undefined) {
    return { allowed: false, code: 'E_NO_IDENTITY', reason: 'you have no identity yet', rights: [], details: { hint: 'create-identity' } };
  }
  const grant = subject.grants.find((g) => g.kid === kid);
  const rights = grant ? normalizeRights(grant.rights) : [];
  const details = { hint: 'ask-owner', owner, ownerEmail: subject.owner.email, rights, right } as const;
  if (!grant) {
    return { allowed: false, code: 'E_NOT_GRANTEE', reason: `you are not granted access; ask ${words.ask}`, rights, details };
  }
  if (subject.expires !== undefined && now.getTime() >= subject.expires * 1000) {
    const when = new Date(subject.expires * 1000).toISOString();
    // Say what is true: either an owner can still extend it, or nobody can open it again.
    const reason = subject.renewable
      ? `access expired on ${when}; an owner can still extend it: ask ${words.ask}`
      : `access expired on ${when}; it cannot be extended, so nobody can open it any more, its owners included`;
    return { allowed: false, code: 'E_EXPIRED', reason, rights, details: { ...details, expired: when, renewable: subject.renewable ? 'yes' : 'no' } };
  }
  if (!rights.includes(right)) {
    return {
      allowed: false,
      code: 'E_RIGHT_MISSING',
      reason: `your rights (${rights.join(', ')}) do not include ${right}; ask ${words.ask}`,
      rights,
      details,
    };
  }
  return { allowed: true, rights };
}

/** Throws the decision's error when access is denied; returns the caller's rights otherwise. */
export function requireAccess(subject: AccessSubject, kid: string | undefined, right: Right, now: Date): readonly Right[] {
  const d = decideAccess(subject, kid, right, now);
  if (!d.allowed) throw denialError(d);
  return d.rights;
}

/** The error of a refusal, with its facts as details. */
export function denialError(d: AccessDenial): SensitivityError {
  return new SensitivityError(d.code, d.reason, undefined, { details: d.details });
}
