/**
 * The organisation's witness of access history (docs/KEY-SERVICE.md, "The witness"; FORMAT §16): the key
 * service registers each access-policy version of a file's line (its content id's history), refuses one
 * that does not extend the head it holds (E_FORK), and signs a receipt — a compact JWS, typ
 * `sensitivity-witness+jwt`, ES256 by the organisation's certification key — over
 * `{iss, line, pd, prev, ver, iat}`. The receipt travels in the envelope's `witness` metadata with kind
 * WITNESS_KIND; a reader verifies it against the organisation key it pinned. Pure: WebCrypto only.
 */
import type { JWK } from 'jose';
import { policyDigest, verifyLineageStep } from '../envelope/policy.js';
import { isSensitivityError, SensitivityError } from '../errors.js';
import { signOrgStatement, verifyOrgStatement, type CertificateSigner } from './org-jws.js';

export const WITNESS_TYP = 'sensitivity-witness+jwt';
/** The `kind` of the organisation witness's entries in an envelope's `witness` metadata (FORMAT §16). */
export const WITNESS_KIND = 'org-witness';

/** What the witness holds per line: the newest registered version. */
export interface WitnessHead {
  /** b64u SHA-256 of the version's policy JWS (FORMAT §16's `pd`). */
  readonly pd: string;
  readonly ver: number;
}

/** A registration: version `ver` with digest `pd`, replacing the version with digest `prev` (null for the first). */
export interface WitnessClaim extends WitnessHead {
  readonly line: string;
  readonly prev: string | null;
}

/**
 * What a writer sends to register a version (`POST /witness`): the claim, and the policies that show an owner made it —
 * the version's policy JWS (its digest is `pd`) and the one it replaces (its digest is `prev`; null for version 1).
 */
export interface WitnessRegistration extends WitnessClaim {
  readonly policy: string;
  readonly prevPolicy: string | null;
}

export interface VerifiedReceipt extends WitnessClaim {
  readonly issuer: string;
  readonly issuedAt: Date;
  /** The organisation key (thumbprint) that signed it. */
  readonly kid: string;
}

const B64U_DIGEST = /^[A-Za-z0-9_-]{43}$/;
/** A line: the content id of a file's access history, 1–256 printable characters. */
const LINE = /^[\x21-\x7e]{1,256}$/;

/** Whether `claim` is a well-formed registration (digests b64u SHA-256, a version from 1, a line). */
export function isWitnessClaim(v: unknown): v is WitnessClaim {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return (
    typeof c.line === 'string' &&
    LINE.test(c.line) &&
    typeof c.pd === 'string' &&
    B64U_DIGEST.test(c.pd) &&
    (c.prev === null || (typeof c.prev === 'string' && B64U_DIGEST.test(c.prev))) &&
    typeof c.ver === 'number' &&
    Number.isSafeInteger(c.ver) &&
    c.ver >= 1 &&
    (c.ver === 1) === (c.prev === null)
  );
}

/**
 * The witness's one rule: may `claim` be registered over `head`? With no head, any version (the first
 * registration of a line the witness never saw); the same version again (idempotent); or exactly the next
 * version, replacing the head. Anything else — another version at the head's number or below, a version
 * that replaces something other than the head, a skipped number — is a fork or an old copy.
 */
export function extendsWitnessHead(head: WitnessHead | undefined, claim: WitnessClaim): boolean {
  if (!head) return true;
  if (claim.pd === head.pd) return claim.ver === head.ver;
  return claim.prev === head.pd && claim.ver === head.ver + 1;
}

const notAnOwners = (why: string) => new SensitivityError('E_LINEAGE', `the witness registers only versions an owner made: ${why}`);

/**
 * The witness's check of who made a registration (docs/KEY-SERVICE.md, "The witness"), before its head is consulted:
 * `policy` is the version `pd` names, for the claim's line, number and version before; `prevPolicy` is the version
 * `prev` names; and `policy` follows it by the owner-lineage rule (FORMAT §14.2, `verifyLineageStep`): signed by a
 * key that held OWNER in it — or, as version 1, by a key it makes an owner. With the head's own rule
 * (`extendsWitnessHead`: `prev` is the head), only an owner of the head can make its successor. E_LINEAGE otherwise.
 */
export async function verifyWitnessRegistration(r: WitnessRegistration): Promise<void> {
  if (policyDigest(r.policy) !== r.pd) throw notAnOwners('the policy sent is not the version it names (pd)');
  if ((r.prevPolicy === null) !== (r.prev === null) || (r.prevPolicy !== null && policyDigest(r.prevPolicy) !== r.prev))
    throw notAnOwners('the policy sent as the version before is not the one it names (prev)');
  const policy = await verifyLineageStep(r.prevPolicy, r.policy).catch((e: unknown) => {
    if (!isSensitivityError(e)) throw e;
    throw notAnOwners(e.code === 'E_LINEAGE' ? e.message : 'a policy sent is malformed or its signature does not verify');
  });
  if (policy.cid !== r.line || policy.ver !== r.ver) throw notAnOwners(`the policy is not version ${r.ver} of that file`);
}

/** The receipt for a registered claim. */
export function issueWitnessReceipt(
  claim: WitnessClaim,
  options: { readonly issuer: string; readonly signer: CertificateSigner; readonly now: Date },
): Promise<string> {
  const { line, pd, prev, ver } = claim;
  return signOrgStatement(WITNESS_TYP, { iss: options.issuer, line, pd, prev, ver, iat: Math.floor(options.now.getTime() / 1000) }, options.signer);
}

const invalid = (why: string) => new SensitivityError('E_WITNESS_INVALID', `the organisation's witness receipt ${why}`);

/**
 * Verifies a receipt against the pinned organisation keys, and that it is for `expect` (line, digest, previous
 * digest and version, each when given) from `issuer` (when given). E_WITNESS_INVALID naming what failed.
 */
export async function verifyWitnessReceipt(
  jws: string,
  pinned: readonly JWK[],
  expect: { readonly issuer?: string; readonly line?: string; readonly pd?: string; readonly prev?: string | null; readonly ver?: number } = {},
): Promise<VerifiedReceipt> {
  const { claims, kid } = await verifyOrgStatement(jws, WITNESS_TYP, pinned, invalid);
  const { iss, iat } = claims;
  if (typeof iss !== 'string' || !Number.isSafeInteger(iat) || !isWitnessClaim(claims)) throw invalid('lacks iss, iat, line, pd, prev or ver');
  if (expect.issuer !== undefined && iss !== expect.issuer) throw invalid(`was issued by ${iss}, not ${expect.issuer}`);
  if (expect.line !== undefined && claims.line !== expect.line) throw invalid('is for another file');
  if (expect.pd !== undefined && claims.pd !== expect.pd) throw invalid('is for another version of this file');
  if (expect.prev !== undefined && claims.prev !== expect.prev) throw invalid('names another version before this one: it registered a fork');
  if (expect.ver !== undefined && claims.ver !== expect.ver) throw invalid(`is for version ${claims.ver}, not ${expect.ver}`);
  return { line: claims.line, pd: claims.pd, prev: claims.prev, ver: claims.ver, issuer: iss, issuedAt: new Date((iat as number) * 1000), kid };
}
