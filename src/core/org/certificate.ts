/**
 * Organisation certificates (docs/KEY-SERVICE.md, "The certified directory"): a compact JWS, typ
 * `sensitivity-cert+jwt`, ES256, in which the organisation's key service binds a person's email (taken
 * from their verified sign-in) to their public identity. The service signs inside its HSM, so signing
 * goes through a `CertificateSigner`; clients verify against pinned keys with jose. Pure: WebCrypto only.
 */
import type { JWK } from 'jose';
import { SensitivityError } from '../errors.js';
import type { PublicIdentity } from '../identity.js';
import { parsePublicIdentity } from '../people.js';
import { signOrgStatement, verifyOrgStatement, type CertificateSigner } from './org-jws.js';

export const CERTIFICATE_TYP = 'sensitivity-cert+jwt';
/** Seconds of clock skew a verifier tolerates on `nbf` and `exp`. */
export const CERTIFICATE_SKEW_SECONDS = 60;

/** A verified certificate: the identity it certifies and who said so, until when. */
export interface VerifiedCertificate {
  readonly identity: PublicIdentity;
  readonly issuer: string;
  /** The certification key (thumbprint) that signed it. */
  readonly kid: string;
  readonly issuedAt: Date;
  readonly notBefore: Date;
  readonly expiresAt: Date;
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/** Issues a certificate for `identity` (already validated, email already checked against the sign-in), valid for `lifetimeSeconds` from `now`. */
export async function issueCertificate(
  identity: PublicIdentity,
  options: { readonly issuer: string; readonly signer: CertificateSigner; readonly now: Date; readonly lifetimeSeconds: number },
): Promise<string> {
  if (!Number.isSafeInteger(options.lifetimeSeconds) || options.lifetimeSeconds <= 0)
    throw new RangeError('a certificate lifetime is a positive number of seconds');
  const iat = seconds(options.now);
  const { id, name, email, sig, enc: encKey, created, proof } = identity;
  const payload = {
    iss: options.issuer,
    sub: email,
    email,
    name,
    id,
    sig,
    enc: encKey,
    created,
    ...(proof ? { proof } : {}),
    iat,
    nbf: iat,
    exp: iat + options.lifetimeSeconds,
  };
  return signOrgStatement(CERTIFICATE_TYP, payload, options.signer);
}

const invalid = (why: string) => new SensitivityError('E_CERTIFICATE_INVALID', `the organisation certificate ${why}`);

/**
 * Verifies a certificate against the pinned certification keys (EC P-256 public JWKs): header (`typ`,
 * ES256 only, a `kid` naming a pinned key by thumbprint), signature, `iss` (when `issuer` is given),
 * `nbf`/`exp` with CERTIFICATE_SKEW_SECONDS, the identity's shape and thumbprints, and the email (when
 * `email` is given). E_CERTIFICATE_INVALID naming what failed.
 */
export async function verifyCertificate(
  jws: string,
  pinned: readonly JWK[],
  options: { readonly now: Date; readonly issuer?: string; readonly email?: string },
): Promise<VerifiedCertificate> {
  const { claims, kid } = await verifyOrgStatement(jws, CERTIFICATE_TYP, pinned, invalid);
  const { iss, sub, iat, nbf, exp } = claims;
  if (typeof iss !== 'string' || typeof iat !== 'number' || typeof nbf !== 'number' || typeof exp !== 'number') throw invalid('lacks iss, iat, nbf or exp');
  if (options.issuer !== undefined && iss !== options.issuer) throw invalid(`was issued by ${iss}, not ${options.issuer}`);
  const now = seconds(options.now);
  if (nbf > now + CERTIFICATE_SKEW_SECONDS) throw invalid('is not valid yet');
  if (exp <= now - CERTIFICATE_SKEW_SECONDS) throw invalid('has expired: renew it');
  let identity: PublicIdentity;
  try {
    const { id, name, email, sig, enc: encKey, created, proof } = claims;
    identity = parsePublicIdentity({ v: 1, id, name, email, sig, enc: encKey, created, ...(proof === undefined ? {} : { proof }) });
  } catch (e) {
    throw invalid(`certifies an invalid identity (${(e as Error).message})`);
  }
  if (sub !== identity.email) throw invalid('has a subject other than its email');
  if (options.email !== undefined && identity.email !== options.email.trim().toLowerCase()) throw invalid(`certifies ${identity.email}, not ${options.email}`);
  return { identity, issuer: iss, kid, issuedAt: new Date(iat * 1000), notBefore: new Date(nbf * 1000), expiresAt: new Date(exp * 1000) };
}
