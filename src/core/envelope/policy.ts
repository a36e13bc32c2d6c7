/**
 * The envelope's usage policy: claims signed by the owner as a compact JWS, `alg: "EdDSA"` (RFC 7515,
 * RFC 8037 — not jose 6's "Ed25519" identifier, which python3-jwcrypto 1.1 refuses). Format 2 numbers
 * the versions of a file's policy and chains each to the one it replaces (its lineage, docs/FORMAT.md §3).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { base64url } from 'jose';
import { integrityError, SensitivityError } from '../errors.js';
import type { Identity, PublicIdentity, PublicOkpJwk } from '../identity.js';
import { isRight, normalizeRights, type AccessSubject, type Right } from '../rights.js';
import { arr, B64U, formatError, int, obj, optStr, str, type Obj } from './check.js';
import { parseDoubleKeyClaim, type DoubleKeyClaim } from './double-key.js';
import { ID, jwsParts, signEdDSA, thumbprintMatches, verifyEdDSA } from './jws.js';

/** JWS `typ` of a policy, so no other document signed by the same key passes for one. */
export const POLICY_TYP = 'sensitivity-policy+json';

/** The label a protected file carries. */
export interface EnvelopeLabel {
  readonly id: string;
  readonly name: string;
}

type SigJwk = PublicIdentity['sig'];
type EncJwk = PublicIdentity['enc'];

/** The owner of record: whoever signed the policy last. */
export interface PolicyOwner {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly sig: SigJwk;
}

/** One person's grant. `enc` is the X25519 key their slot wraps to; `recovery` marks a policy recovery recipient. */
export interface PolicyGrant {
  readonly id: string;
  readonly email: string;
  readonly name?: string;
  readonly rights: readonly Right[];
  readonly enc: EncJwk;
  readonly recovery?: true;
}

/** The signed policy claims (docs/FORMAT.md §Policy). Times are seconds since the epoch. */
export interface EnvelopePolicy {
  /** Claims version: 1 in format-1 files, 2 in format 2. */
  readonly v: 1 | 2;
  /** Format 2: this policy's version, 1 for the one that protected the file, higher for each change. */
  readonly ver?: number;
  /** Format 2, versions after the first: b64u SHA-256 of the policy JWS this one replaces. */
  readonly prev?: string;
  /** Content id: stays with the content across grant, revoke and edits. */
  readonly cid: string;
  readonly label: EnvelopeLabel;
  readonly owner: PolicyOwner;
  readonly grants: readonly PolicyGrant[];
  readonly iat: number;
  readonly exp?: number;
  /** Format 2: after `exp`, holders of OWNER may still extend it (the label's `expiry.ownerCanRenew`). */
  readonly renew?: true;
  /** Double Key: the key service and key version the organisation secret is encrypted to (docs/FORMAT.md §15). */
  readonly dk?: DoubleKeyClaim;
  /** base64url key commitment: binds this policy to the file key it was signed for. */
  readonly cmt: string;
}

/** The policy as `decideAccess` / `requireAccess` (rights.ts) want it. */
export function policySubject(policy: EnvelopePolicy): AccessSubject {
  return {
    owner: { kid: policy.owner.id, email: policy.owner.email, name: policy.owner.name },
    grants: policy.grants.map((g) => ({ kid: g.id, email: g.email, rights: g.rights })),
    expires: policy.exp,
    renewable: policy.renew === true,
  };
}

/** The owner claim of an identity. */
export function ownerClaim(owner: PublicIdentity): PolicyOwner {
  return { id: owner.id, email: owner.email, name: owner.name, sig: okp(owner.sig) };
}

/** A grant claim for a person (rights normalized; key order fixed so signatures are reproducible). */
export function grantClaim(person: PublicIdentity, rights: readonly Right[], recovery = false): PolicyGrant {
  return {
    id: person.id,
    email: person.email,
    ...(person.name ? { name: person.name } : {}),
    rights: normalizeRights(rights),
    enc: okp(person.enc),
    ...(recovery ? { recovery: true as const } : {}),
  };
}

function okp<J extends SigJwk | EncJwk>(j: J): J {
  return { kty: j.kty, crv: j.crv, x: j.x, kid: j.kid } as J;
}

/** Signs the claims with the owner's Ed25519 key (deterministic: RFC 8032 signatures are). */
export async function signPolicy(policy: EnvelopePolicy, owner: Identity): Promise<string> {
  return signEdDSA(policy, POLICY_TYP, owner);
}

/**
 * Verifies a policy JWS with the owner key it names and returns its claims. Shape errors are E_FORMAT;
 * a bad signature, header or key thumbprint is the fixed E_INTEGRITY.
 */
export async function verifyPolicy(jws: string): Promise<EnvelopePolicy> {
  const { header, payload } = jwsParts(jws, 'policy');
  const claims = parsePolicy(payload);
  if (claims.owner.id !== claims.owner.sig.kid || !claims.grants.every((g) => thumbprintMatches(g.enc))) throw integrityError();
  await verifyEdDSA(jws, header, POLICY_TYP, claims.owner.sig);
  return claims;
}

function parseJwk<C extends 'Ed25519' | 'X25519'>(v: unknown, crv: C, at: string): PublicOkpJwk & { readonly crv: C } {
  const o = obj(v, at);
  if (o.kty !== 'OKP' || o.crv !== crv) throw formatError(`${at} is not an ${crv} key`);
  return { kty: 'OKP', crv, x: str(o.x, `${at}.x`, ID), kid: str(o.kid, `${at}.kid`, ID) };
}

function parseRights(v: unknown, at: string): Right[] {
  const list = arr(v, at);
  if (!list.every(isRight) || !list.includes('VIEW')) throw formatError(`${at} are not rights including VIEW`);
  return normalizeRights(list as Right[]);
}

function parseGrant(v: unknown, at: string): PolicyGrant {
  const o = obj(v, at);
  const name = optStr(o.name, `${at}.name`);
  if (o.recovery !== undefined && o.recovery !== true) throw formatError(`${at}.recovery is malformed`);
  return {
    id: str(o.id, `${at}.id`, ID),
    email: str(o.email, `${at}.email`),
    ...(name !== undefined ? { name } : {}),
    rights: parseRights(o.rights, `${at}.rights`),
    enc: parseJwk(o.enc, 'X25519', `${at}.enc`),
    ...(o.recovery ? { recovery: true as const } : {}),
  };
}

/** Checks the shape of decoded claims (not their signature). */
function parsePolicy(v: unknown): EnvelopePolicy {
  const o: Obj = obj(v, 'policy');
  if (o.v !== 1 && o.v !== 2) throw formatError('policy version is not 1 or 2');
  const ver = o.v === 2 ? int(o.ver, 'policy.ver') : undefined;
  if (ver !== undefined && ver < 1) throw formatError('policy.ver is not positive');
  const prev = o.v === 2 && o.prev !== undefined ? str(o.prev, 'policy.prev', ID) : undefined;
  if (o.v === 2 && o.renew !== undefined && o.renew !== true) throw formatError('policy.renew is malformed');
  const label = obj(o.label, 'policy.label');
  const owner = obj(o.owner, 'policy.owner');
  const grants = arr(o.grants, 'policy.grants').map((g, i) => parseGrant(g, `policy.grants[${i}]`));
  if (grants.length === 0) throw formatError('policy.grants is empty');
  if (new Set(grants.map((g) => g.id)).size !== grants.length || new Set(grants.map((g) => g.enc.kid)).size !== grants.length) {
    throw formatError('policy.grants names someone twice');
  }
  const exp = o.exp === undefined ? undefined : int(o.exp, 'policy.exp');
  return {
    v: o.v,
    ...(ver !== undefined ? { ver } : {}),
    ...(prev !== undefined ? { prev } : {}),
    cid: str(o.cid, 'policy.cid', B64U, 64),
    label: { id: str(label.id, 'policy.label.id'), name: str(label.name, 'policy.label.name') },
    owner: {
      id: str(owner.id, 'policy.owner.id', ID),
      email: str(owner.email, 'policy.owner.email'),
      name: str(owner.name, 'policy.owner.name'),
      sig: parseJwk(owner.sig, 'Ed25519', 'policy.owner.sig'),
    },
    grants,
    iat: int(o.iat, 'policy.iat'),
    ...(exp !== undefined ? { exp } : {}),
    ...(o.v === 2 && o.renew === true ? { renew: true as const } : {}),
    ...(o.dk !== undefined ? { dk: parseDoubleKeyClaim(o.dk) } : {}),
    cmt: str(o.cmt, 'policy.cmt', ID),
  };
}

/** b64u SHA-256 of a policy JWS's ASCII bytes: how a version names the one it replaces (`prev`). */
export function policyDigest(jws: string): string {
  return base64url.encode(sha256(new TextEncoder().encode(jws)));
}

/** True when the grant of `id` in `policy` holds OWNER. */
export const holdsOwner = (policy: EnvelopePolicy, id: string): boolean => policy.grants.some((g) => g.id === id && g.rights.includes('OWNER'));

function lineageError(why: string): SensitivityError {
  return new SensitivityError('E_LINEAGE', `the protected file's access policy ${why}: it was not changed by an owner; do not trust it`);
}

/**
 * Verifies a format-2 policy chain, oldest first, the current policy last (docs/FORMAT.md §3): every
 * signature (E_INTEGRITY), and the lineage (E_LINEAGE): version 1 has no `prev` and is signed by a key
 * it grants OWNER; each later version has the same `cid`, `ver` one more, `prev` naming the one
 * before, and is signed by a key that held OWNER in it. Returns the claims in the same order.
 */
export async function verifyLineage(chain: readonly string[]): Promise<EnvelopePolicy[]> {
  const policies = await Promise.all(chain.map(verifyPolicy));
  policies.forEach((p, i) => checkStep(i === 0 ? undefined : { jws: chain[i - 1]!, policy: policies[i - 1]! }, p));
  return policies;
}

/**
 * Verifies one step of a lineage by verifyLineage's rule: `jws` as version 1 (`before` null) or as the version after
 * `before` — both signatures (E_INTEGRITY), then the step (E_LINEAGE). What the organisation's witness checks of a
 * registration (docs/KEY-SERVICE.md, "The witness"). Returns the claims of `jws`.
 */
export async function verifyLineageStep(before: string | null, jws: string): Promise<EnvelopePolicy> {
  const [prior, policy] = await Promise.all([before === null ? undefined : verifyPolicy(before), verifyPolicy(jws)]);
  if (prior) checkFormat2(prior);
  checkStep(prior && { jws: before!, policy: prior }, policy);
  return policy;
}

function checkFormat2(p: EnvelopePolicy): void {
  if (p.v !== 2 || p.ver === undefined) throw lineageError('mixes format versions');
}

/** The lineage rule for `p` after `before` (its JWS and verified claims), or as version 1 when there is none. */
function checkStep(before: { readonly jws: string; readonly policy: EnvelopePolicy } | undefined, p: EnvelopePolicy): void {
  checkFormat2(p);
  if (!before) {
    if (p.ver !== 1 || p.prev !== undefined) throw lineageError('does not start at version 1');
    if (!holdsOwner(p, p.owner.id)) throw lineageError('was first signed by someone it does not make an owner');
    return;
  }
  const { policy: prior, jws } = before;
  if (p.cid !== prior.cid) throw lineageError('mixes versions of different files');
  // One more than the version before, never a jump: a number nobody can push out of reach of the real history.
  if (p.ver !== prior.ver! + 1 || p.prev !== policyDigest(jws)) throw lineageError(`version ${p.ver} does not follow version ${prior.ver}`);
  if (!holdsOwner(prior, p.owner.id)) throw lineageError(`version ${p.ver} is signed by a key that was not an owner in version ${prior.ver}`);
}
