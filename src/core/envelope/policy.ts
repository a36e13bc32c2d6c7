/**
 * The envelope's usage policy: claims signed by the owner as a compact JWS, `alg: "EdDSA"` (RFC 7515,
 * RFC 8037 — not jose 6's "Ed25519" identifier, which python3-jwcrypto 1.1 refuses).
 */
import { base64url, calculateJwkThumbprint, CompactSign, compactVerify, importJWK } from 'jose';
import { integrityError } from '../errors.js';
import type { Identity, PublicIdentity, PublicOkpJwk } from '../identity.js';
import { isRight, normalizeRights, type AccessSubject, type Right } from '../rights.js';
import { arr, B64U, formatError, int, json, obj, optStr, str, type Obj } from './check.js';
import { parseDoubleKeyClaim, type DoubleKeyClaim } from './double-key.js';

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
  readonly v: 1;
  /** Content id: stays with the content across grant, revoke and edits. */
  readonly cid: string;
  readonly label: EnvelopeLabel;
  readonly owner: PolicyOwner;
  readonly grants: readonly PolicyGrant[];
  readonly iat: number;
  readonly exp?: number;
  /** Double Key: the key service and key version the organisation secret is encrypted to (docs/FORMAT.md §Double Key). */
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
  const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: owner.sigPrivate.x, d: owner.sigPrivate.d }, 'EdDSA');
  return new CompactSign(new TextEncoder().encode(JSON.stringify(policy))).setProtectedHeader({ alg: 'EdDSA', typ: POLICY_TYP, kid: owner.sig.kid }).sign(key);
}

/**
 * Verifies a policy JWS with the owner key it names and returns its claims. Shape errors are E_FORMAT;
 * a bad signature, header or key thumbprint is the fixed E_INTEGRITY.
 */
export async function verifyPolicy(jws: string): Promise<EnvelopePolicy> {
  const [head = '', payload = ''] = jws.split('.');
  const claims = parsePolicy(json(decodeUtf8(payload, 'policy'), 'policy'));
  const header = obj(json(decodeUtf8(head, 'policy header'), 'policy header'), 'policy header');
  const { sig } = claims.owner;
  if (header.alg !== 'EdDSA' || header.typ !== POLICY_TYP || header.kid !== sig.kid || claims.owner.id !== sig.kid) throw integrityError();
  if (!(await thumbprintMatches(sig)) || !(await allMatch(claims.grants.map((g) => g.enc)))) throw integrityError();
  try {
    const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: sig.x }, 'EdDSA');
    await compactVerify(jws, key, { algorithms: ['EdDSA'] });
  } catch {
    throw integrityError();
  }
  return claims;
}

async function thumbprintMatches(j: SigJwk | EncJwk): Promise<boolean> {
  return (await calculateJwkThumbprint({ kty: j.kty, crv: j.crv, x: j.x }, 'sha256')) === j.kid;
}

async function allMatch(keys: readonly EncJwk[]): Promise<boolean> {
  return (await Promise.all(keys.map(thumbprintMatches))).every(Boolean);
}

function decodeUtf8(segment: string, at: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(base64url.decode(segment));
  } catch {
    throw formatError(`${at} is not base64url UTF-8`);
  }
}

/** 32 bytes in base64url: an RFC 7638 SHA-256 thumbprint, or an X25519 / Ed25519 public key. */
const ID = /^[A-Za-z0-9_-]{43}$/;

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
  if (o.v !== 1) throw formatError('policy version is not 1');
  const label = obj(o.label, 'policy.label');
  const owner = obj(o.owner, 'policy.owner');
  const grants = arr(o.grants, 'policy.grants').map((g, i) => parseGrant(g, `policy.grants[${i}]`));
  if (grants.length === 0) throw formatError('policy.grants is empty');
  if (new Set(grants.map((g) => g.id)).size !== grants.length || new Set(grants.map((g) => g.enc.kid)).size !== grants.length) {
    throw formatError('policy.grants names someone twice');
  }
  const exp = o.exp === undefined ? undefined : int(o.exp, 'policy.exp');
  return {
    v: 1,
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
    ...(o.dk !== undefined ? { dk: parseDoubleKeyClaim(o.dk) } : {}),
    cmt: str(o.cmt, 'policy.cmt', ID),
  };
}
