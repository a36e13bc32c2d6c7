/**
 * The certified directory, client side (issue 10; docs/KEY-SERVICE.md, "The certified directory"): a
 * person you have never met is found by email at the organisation the workspace policy names, and
 * accepted only with a certificate that verifies against the organisation's certification key — the one
 * the policy's `organisation.certificationKey` fingerprint names, else the one this user pinned on first
 * use — and an identity whose self-signature verifies.
 */
import { SensitivityError, isSensitivityError } from '../errors.js';
import { fingerprint } from '../fingerprint.js';
import type { PublicIdentity } from '../identity.js';
import { certificationKeyId, verifyCertificate, type VerifiedCertificate } from '../org/index.js';
import { findPerson, verifyIdentity, type PeopleDirectory } from '../people.js';
import type { Organisation, Policy } from '../policy/index.js';
import type { AppContext, OrganisationKey } from './ports.js';
import type { PinOptions } from './trust.js';

/** What the organisation said about a person, checked. */
export interface CertifiedPerson {
  readonly identity: PublicIdentity;
  readonly certificate: VerifiedCertificate;
  /** The organisation's certification key's fingerprint, and whether this lookup pinned it. */
  readonly organisationKey: { readonly fingerprint: string; readonly pinned: 'new' | 'same' | 'changed' };
}

const keyFingerprint = async (k: OrganisationKey) => fingerprint(await certificationKeyId(k));

function keyChanged(url: string, expected: string, offered: readonly string[], whose: 'pinned' | 'policy'): SensitivityError {
  const said = whose === 'policy' ? 'the workspace policy names' : 'you pinned';
  return new SensitivityError(
    'E_ORG_KEY_CHANGED',
    `the organisation at ${url} certifies people with a key other than the one ${said} (expected fingerprint ${expected}, offered ${offered.join(', ') || 'none'}): ` +
      'someone may be impersonating it, or it changed its key; confirm the new fingerprint with your administrator',
    undefined,
    { details: { hint: 'ask-admin', service: url, expectedFingerprint: expected, offeredFingerprints: offered, whose } },
  );
}

/** The organisation the workspace names, or E_USAGE. */
export function organisationOf(policy: Policy): Organisation {
  if (policy.organisation) return policy.organisation;
  throw new SensitivityError('E_USAGE', 'the workspace policy names no organisation (`organisation.url`), so there is no directory to ask');
}

/**
 * Looks `email` up in `org`'s directory and checks what it gives: the certification key (the policy's
 * fingerprint, else the pinned one, else pinned now — `acceptNewKey` re-pins a changed key when the policy
 * names none), the certificate (signature, issuer = the organisation's URL, times, email) and the
 * identity's self-signature. Nothing is pinned unless all of it verifies. The person is not pinned here.
 * Not where the workspace's keys are ignored (Restricted Mode): E_USAGE.
 */
export async function certifiedPerson(ctx: AppContext, org: Organisation, email: string, opts: PinOptions = {}): Promise<CertifiedPerson> {
  const directory = ctx.directory;
  if (!directory) throw new SensitivityError('E_USAGE', `the organisation's directory at ${org.url} cannot be used here`);
  // The organisation comes with the workspace's policy: where its keys are not used (VS Code's Restricted Mode), neither is it.
  if (ctx.acceptance?.mode === 'ignore')
    throw new SensitivityError('E_USAGE', `this workspace is not trusted, so its organisation's directory (${org.url}) is not used`);
  const [offered, jws] = await Promise.all([directory.certificationKeys(org.url), directory.certificate(org.url, email)]);
  const offeredFingerprints = await Promise.all(offered.map(keyFingerprint));
  const pinned = await ctx.organisations?.get(org.url);
  const fixed = org.certificationKey;
  if (fixed && pinned && pinned.fingerprint !== fixed) throw keyChanged(org.url, fixed, [pinned.fingerprint], 'policy');
  const expected = fixed ?? (opts.acceptNewKey ? undefined : pinned?.fingerprint);
  let candidates = offered;
  if (expected) {
    const i = offeredFingerprints.indexOf(expected);
    if (i < 0) throw keyChanged(org.url, expected, offeredFingerprints, fixed ? 'policy' : 'pinned');
    candidates = [offered[i]!];
  }
  const certificate = await verifyCertificate(jws, candidates, { now: ctx.clock.now(), issuer: org.url, email });
  const identity = await verifyIdentity(certificate.identity);
  const key = candidates[(await Promise.all(candidates.map(certificationKeyId))).indexOf(certificate.kid)]!;
  const keyPrint = await keyFingerprint(key);
  const outcome = pinned?.fingerprint === keyPrint ? 'same' : pinned ? 'changed' : 'new';
  if (outcome !== 'same') await ctx.organisations?.pin(org.url, { kty: 'EC', crv: 'P-256', x: key.x, y: key.y }, keyPrint);
  return { identity, certificate, organisationKey: { fingerprint: keyPrint, pinned: outcome } };
}

/**
 * The person `who` names: from the workspace's people directory; for an email it lacks, when the policy
 * names an organisation and the host has its directory, the identity pinned for that email, else the
 * organisation's certified one (see `certifiedPerson`). The caller pins and verifies as for anyone else.
 */
export async function findGrantee(ctx: AppContext, policy: Policy, people: PeopleDirectory, who: string, opts: PinOptions = {}): Promise<PublicIdentity> {
  try {
    return findPerson(people, who);
  } catch (e) {
    const org = policy.organisation;
    if (!org || !ctx.directory || !isSensitivityError(e, 'E_PERSON_UNKNOWN') || !who.includes('@')) throw e;
    const pinned = await ctx.pins?.byEmail(who);
    if (pinned) return pinned;
    const found = await certifiedPerson(ctx, org, who, opts);
    opts.onCertified?.(found);
    return found.identity;
  }
}
