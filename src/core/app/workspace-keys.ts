/**
 * A workspace policy's keys (issue 9; the organisation, issue 10): its recovery recipients and the
 * organisation it names — the certification key that vouches for the people granted by email, and the key
 * service Double Key files depend on. Reviewed with fingerprints, accepted once per user (recorded and
 * audited; the organisation's key pinned then), and checked offline by every operation that uses them.
 */
import { SensitivityError } from '../errors.js';
import { fingerprint } from '../fingerprint.js';
import type { PublicIdentity } from '../identity.js';
import { certificationKeyId } from '../org/index.js';
import { verifyIdentity } from '../people.js';
import type { Organisation, Policy } from '../policy/index.js';
import { describeWorkspaceKeys, workspaceKeys, workspaceKeysDigest } from '../workspace-keys.js';
import { actorOf } from './context.js';
import type { AppContext, OrganisationKey } from './ports.js';

/** E_ORG_KEY_CHANGED, both fingerprints named: accepting the workspace's keys again (after checking the new one) takes it. */
export function organisationKeyChanged(url: string, expected: string, offered: readonly string[], whose: 'accepted' | 'policy'): SensitivityError {
  const said = whose === 'policy' ? 'the workspace policy names' : 'you accepted';
  return new SensitivityError(
    'E_ORG_KEY_CHANGED',
    `the organisation at ${url} certifies people with a key other than the one ${said} (expected fingerprint ${expected}, offered ${offered.join(', ') || 'none'}): ` +
      'someone may be impersonating it, or it changed its key; confirm the new fingerprint with your administrator',
    undefined,
    { details: { hint: 'accept-policy', service: url, expectedFingerprint: expected, offeredFingerprints: offered, whose } },
  );
}

/** The organisation the workspace names, or E_USAGE. */
export function organisationOf(policy: Policy): Organisation {
  if (policy.organisation) return policy.organisation;
  throw new SensitivityError('E_USAGE', 'the workspace policy names no organisation (`organisation.url`), so there is no directory to ask');
}

/** What this user is asked to accept: the keys as they stand now, and whether exactly these are accepted. */
export interface WorkspaceKeysReview {
  /** One line per key with its fingerprint (see `describeWorkspaceKeys`). */
  readonly keys: readonly string[];
  readonly digest: string;
  readonly accepted: boolean;
  /** The organisation's certification key its directory offers now; `pinned`: the fingerprint accepted before, when another. */
  readonly organisation?: { readonly url: string; readonly key: OrganisationKey; readonly fingerprint: string; readonly pinned?: string };
}

/** The organisation key to accept: the one with the policy's fingerprint (E_ORG_KEY_CHANGED when not offered), else the directory's newest. */
async function offeredKey(ctx: AppContext, org: Organisation): Promise<{ key: OrganisationKey; fingerprint: string }> {
  if (!ctx.directory) throw new SensitivityError('E_USAGE', `the organisation's directory at ${org.url} cannot be used here`);
  const offered = await ctx.directory.certificationKeys(org.url);
  const prints = await Promise.all(offered.map(async (k) => fingerprint(await certificationKeyId(k))));
  const i = org.certificationKey ? prints.indexOf(org.certificationKey) : 0;
  if (org.certificationKey && i < 0) throw organisationKeyChanged(org.url, org.certificationKey, prints, 'policy');
  if (!offered[i]) throw new SensitivityError('E_KEYSERVICE_PROTOCOL', `the organisation's directory at ${org.url} offers no certification key`);
  return { key: offered[i], fingerprint: prints[i]! };
}

const untrusted = () =>
  new SensitivityError('E_USAGE', 'this workspace is not trusted, so its keys (recovery recipients, organisation, Double Key services) are not used here');

/**
 * The policy's keys with their fingerprints, the organisation's as its directory offers it now (network only
 * when the policy names an organisation), and whether this user accepted exactly them. E_USAGE where the
 * workspace's keys are ignored (Restricted Mode); E_ORG_KEY_CHANGED when the policy fixes a key the directory
 * does not offer; a recovery identity whose self-signature fails is refused with its code.
 */
export async function reviewWorkspaceKeys(ctx: AppContext, policy: Policy): Promise<WorkspaceKeysReview> {
  if (ctx.acceptance?.mode === 'ignore') throw untrusted();
  for (const r of policy.recovery ?? []) await verifyIdentity(r);
  const org = policy.organisation;
  const offered = org ? await offeredKey(ctx, org) : undefined;
  const pinned = org ? await ctx.organisations?.get(org.url) : undefined;
  const keys = workspaceKeys(policy, offered?.fingerprint);
  const digest = workspaceKeysDigest(keys);
  const accepted = keys.length === 0 || ((await ctx.acceptance?.isAccepted(digest)) === true && (!offered || pinned?.fingerprint === offered.fingerprint));
  return {
    keys: describeWorkspaceKeys(keys),
    digest,
    accepted,
    ...(org && offered
      ? { organisation: { url: org.url, ...offered, ...(pinned && pinned.fingerprint !== offered.fingerprint ? { pinned: pinned.fingerprint } : {}) } }
      : {}),
  };
}

/** E_POLICY_UNACCEPTED for `review` (details: hint, digest, keys). */
function unaccepted(review: WorkspaceKeysReview, why = 'they are not used, and what needs them is refused, until you accept them'): SensitivityError {
  const was = review.organisation?.pinned ? ` (the organisation's key you accepted before: ${review.organisation.pinned})` : '';
  return new SensitivityError(
    'E_POLICY_UNACCEPTED',
    `the workspace policy names keys you have not accepted (${review.keys.join('; ')})${was}; ${why}`,
    undefined,
    {
      details: {
        hint: 'accept-policy',
        digest: review.digest,
        keys: review.keys,
        ...(review.organisation?.pinned ? { previous: review.organisation.pinned } : {}),
      },
    },
  );
}

/**
 * Accepts the policy's keys for this user, as `reviewWorkspaceKeys` shows them (`digest`: refuse unless they
 * are still what the user was shown); pins the organisation's key. Recorded in the audit log first.
 */
export async function acceptWorkspaceKeys(ctx: AppContext, policy: Policy, opts: { readonly digest?: string } = {}): Promise<WorkspaceKeysReview> {
  if (!ctx.acceptance || ctx.acceptance.mode === 'ignore')
    throw new SensitivityError('E_USAGE', 'workspace keys cannot be accepted here (the workspace is not trusted)');
  const review = await reviewWorkspaceKeys(ctx, policy);
  if (opts.digest !== undefined && opts.digest !== review.digest) throw unaccepted(review, 'they changed since you were shown them: review them again');
  const org = review.organisation;
  if (org && !ctx.organisations) throw new SensitivityError('E_USAGE', `the organisation at ${org.url} cannot be accepted here (no place to pin its key)`);
  await ctx.audit.append({ action: 'policy.accept', actor: actorOf(ctx), digest: review.digest, keys: review.keys });
  if (org) await ctx.organisations?.pin(org.url, { kty: 'EC', crv: 'P-256', x: org.key.x, y: org.key.y }, org.fingerprint);
  await ctx.acceptance.accept(review.digest, review.keys);
  return { ...review, accepted: true };
}

/**
 * Whether this user accepted the policy's keys as they stand, without the network: the organisation's key
 * pinned (the policy's fingerprint, when it names one) and the set's digest accepted. Returns the pinned
 * organisation key; E_ORG_KEY_CHANGED when the pin is not the key the policy names.
 */
async function acceptedState(ctx: AppContext, policy: Policy): Promise<{ accepted: boolean; key?: OrganisationKey; fingerprint?: string }> {
  const org = policy.organisation;
  const pinned = org ? await ctx.organisations?.get(org.url) : undefined;
  if (org?.certificationKey && pinned && pinned.fingerprint !== org.certificationKey)
    throw organisationKeyChanged(org.url, org.certificationKey, [pinned.fingerprint], 'policy');
  if (org && !pinned) return { accepted: false };
  const accepted = (await ctx.acceptance?.isAccepted(workspaceKeysDigest(workspaceKeys(policy, pinned?.fingerprint)))) === true;
  return { accepted, ...(pinned ? { key: pinned.key, fingerprint: pinned.fingerprint } : {}) };
}

/** `acceptedState`, or E_POLICY_UNACCEPTED with the keys as they stand (fetched to show their fingerprints). */
async function requireAccepted(ctx: AppContext, policy: Policy): Promise<{ key?: OrganisationKey; fingerprint?: string }> {
  const state = await acceptedState(ctx, policy);
  if (state.accepted) return state;
  throw unaccepted(await reviewWorkspaceKeys(ctx, policy));
}

/**
 * The recovery recipients a protect adds: the policy's, self-signatures verified, when this user accepted
 * the policy's keys (E_POLICY_UNACCEPTED with their fingerprints otherwise); none when the host ignores
 * workspace keys (VS Code's Restricted Mode).
 */
export async function acceptedRecovery(ctx: AppContext, policy: Policy): Promise<PublicIdentity[]> {
  const recovery = policy.recovery ?? [];
  if (recovery.length === 0 || ctx.acceptance?.mode === 'ignore') return [];
  for (const r of recovery) await verifyIdentity(r);
  await requireAccepted(ctx, policy);
  return [...recovery];
}

/** The organisation the policy names, as this user accepted it: its URL and pinned certification key. */
export interface AcceptedOrganisation {
  readonly url: string;
  readonly key: OrganisationKey;
  readonly fingerprint: string;
}

/**
 * The organisation the policy names, once this user accepted the policy's keys (offline): E_USAGE when it
 * names none or the workspace's keys are ignored here (Restricted Mode), E_POLICY_UNACCEPTED until accepted,
 * E_ORG_KEY_CHANGED when the key pinned is not the one the policy names.
 */
export async function acceptedOrganisation(ctx: AppContext, policy: Policy): Promise<AcceptedOrganisation> {
  const org = organisationOf(policy);
  if (ctx.acceptance?.mode === 'ignore') throw new SensitivityError('E_USAGE', `this workspace is not trusted, so its organisation (${org.url}) is not used`);
  const { key, fingerprint: print } = await requireAccepted(ctx, policy);
  return { url: org.url, key: key!, fingerprint: print! };
}

/**
 * The Double Key service at `url` (named by one of the policy's labels), once this user accepted the policy's
 * keys, offline: a workspace's policy cannot make files depend on a service nobody agreed to. E_USAGE where
 * the workspace's keys are ignored (Restricted Mode), E_POLICY_UNACCEPTED until accepted, and the organisation's
 * checks (`acceptedOrganisation`) when the policy names one.
 */
export async function acceptedKeyService(ctx: AppContext, policy: Policy, url: string): Promise<void> {
  if (ctx.acceptance?.mode === 'ignore') throw new SensitivityError('E_USAGE', `this workspace is not trusted, so its Double Key service (${url}) is not used`);
  await requireAccepted(ctx, policy);
}
