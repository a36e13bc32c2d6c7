/**
 * The certified directory, client side (issue 10; docs/KEY-SERVICE.md, "The certified directory"): when the
 * workspace policy names an organisation, a person granted by email is whoever its directory certifies now —
 * a current certificate that verifies against the organisation's certification key this user accepted with
 * the workspace's keys, for an identity whose self-signature verifies. The caller then checks them against
 * the pins like anyone else (a different key from the one pinned is E_KEY_CHANGED until confirmed).
 */
import { decodeProtectedHeader } from 'jose';
import { SensitivityError } from '../errors.js';
import { fingerprint } from '../fingerprint.js';
import type { PublicIdentity } from '../identity.js';
import { certificationKeyId, verifyCertificate, type VerifiedCertificate } from '../org/index.js';
import { findPerson, verifyIdentity, type PeopleDirectory } from '../people.js';
import type { Policy } from '../policy/index.js';
import type { AppContext } from './ports.js';
import type { PinOptions } from './trust.js';
import { acceptedOrganisation, organisationKeyChanged } from './workspace-keys.js';

/** What the organisation said about a person, checked. */
export interface CertifiedPerson {
  readonly identity: PublicIdentity;
  readonly certificate: VerifiedCertificate;
  /** The fingerprint of the organisation's certification key that vouched for them (the one accepted). */
  readonly organisationKey: { readonly fingerprint: string };
}

/** The signing key's thumbprint a certificate names (unverified: only to say which key it claims). */
function claimedKid(jws: string): string | undefined {
  try {
    const kid = decodeProtectedHeader(jws).kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Looks `email` up in the directory of the organisation `policy` names and checks what it gives: the
 * organisation must be accepted with the workspace's keys (see `acceptedOrganisation`); the certificate must
 * be signed by its accepted key (E_ORG_KEY_CHANGED when it names another), by the organisation's URL, now
 * valid, for that email (E_CERTIFICATE_INVALID), and the identity's self-signature must verify. Nothing is
 * pinned here. E_DIRECTORY_NOT_LISTED when the directory has no current certificate (never published,
 * expired, or revoked by the organisation).
 */
export async function certifiedPerson(ctx: AppContext, policy: Policy, email: string): Promise<CertifiedPerson> {
  const org = await acceptedOrganisation(ctx, policy);
  const directory = ctx.directory;
  if (!directory) throw new SensitivityError('E_USAGE', `the organisation's directory at ${org.url} cannot be used here`);
  const jws = await directory.certificate(org.url, email);
  const kid = claimedKid(jws);
  if (kid !== undefined && kid !== (await certificationKeyId(org.key))) throw organisationKeyChanged(org.url, org.fingerprint, [fingerprint(kid)], 'accepted');
  const certificate = await verifyCertificate(jws, [org.key], { now: ctx.clock.now(), issuer: org.url, email });
  const identity = await verifyIdentity(certificate.identity);
  return { identity, certificate, organisationKey: { fingerprint: org.fingerprint } };
}

/**
 * The person `who` names. When the policy names an organisation (and the host has its directory, and uses the
 * workspace's keys), an email is resolved through the directory every time (see `certifiedPerson`), never
 * from people.json or the pins; otherwise, and for an identity id, from the workspace's people directory.
 * The caller pins and verifies as for anyone else.
 */
export async function findGrantee(ctx: AppContext, policy: Policy, people: PeopleDirectory, who: string, opts: PinOptions = {}): Promise<PublicIdentity> {
  if (policy.organisation && ctx.directory && ctx.acceptance?.mode !== 'ignore' && who.includes('@')) {
    const found = await certifiedPerson(ctx, policy, who);
    opts.onCertified?.(found);
    return found.identity;
  }
  return findPerson(people, who);
}
