/**
 * Whom an operation believes: people are used only with a verified self-signature and, when the host
 * keeps pins, as pinned (first use pins, a changed key is refused until confirmed); a workspace policy's
 * keys only once this user accepted them.
 */
import { SensitivityError } from '../errors.js';
import type { PublicIdentity } from '../identity.js';
import { fingerprint } from '../fingerprint.js';
import { findPerson, verifyIdentity } from '../people.js';
import { pinIn } from '../pins.js';
import type { Policy } from '../policy/index.js';
import { describeWorkspaceKeys, workspaceKeys, workspaceKeysDigest } from '../workspace-keys.js';
import { actorOf } from './context.js';
import type { CertifiedPerson } from './directory.js';
import type { AppContext, PinStore } from './ports.js';

/**
 * What to do about people's keys: `acceptNewKey` confirms a change from the pinned key (a person's, or an
 * organisation's certification key the policy does not fix); `onPin` hears each outcome, `onCertified` each
 * person found in the organisation's directory.
 */
export interface PinOptions {
  readonly acceptNewKey?: boolean;
  readonly onPin?: (person: PublicIdentity, outcome: 'new' | 'same' | 'changed') => void;
  readonly onCertified?: (found: CertifiedPerson) => void;
}

/** The pins for `p`'s email and for its id (none, one, or two different ones). */
async function pinsOf(pins: PinStore, p: PublicIdentity): Promise<PublicIdentity[]> {
  return (await Promise.all([pins.byEmail(p.email), pins.byId(p.id)])).filter((q): q is PublicIdentity => q !== undefined);
}

/**
 * Verifies each person's self-signature and pins them (E_IDENTITY_UNSIGNED, E_IDENTITY_SIGNATURE,
 * E_KEY_CHANGED refuse; nothing is pinned unless all pass the check). A confirmed change is recorded.
 */
export async function trustPeople(ctx: AppContext, people: readonly PublicIdentity[], opts: PinOptions = {}): Promise<void> {
  for (const p of people) await verifyIdentity(p);
  const pins = ctx.pins;
  if (!pins) return;
  // Check every person before pinning any, so a refusal (E_KEY_CHANGED) leaves the pins as they were.
  if (!opts.acceptNewKey) {
    for (const p of people) pinIn({ version: 1, pins: await pinsOf(pins, p) }, p);
  }
  for (const p of people) {
    const outcome = await pins.pin(p, { confirmChange: opts.acceptNewKey ?? false });
    if (outcome === 'changed') await ctx.audit.append({ action: 'pin.change', actor: actorOf(ctx), person: { id: p.id, email: p.email, name: p.name } });
    opts.onPin?.(p, outcome);
  }
}

/**
 * The recovery recipients a protect adds: the policy's, self-signatures verified, when this user accepted
 * that exact set (E_POLICY_UNACCEPTED with their fingerprints otherwise); none when the host ignores
 * workspace keys (VS Code's restricted mode).
 */
export async function acceptedRecovery(ctx: AppContext, policy: Policy): Promise<PublicIdentity[]> {
  const keys = workspaceKeys(policy);
  if (keys.length === 0 || ctx.acceptance?.mode === 'ignore') return [];
  for (const k of keys) await verifyIdentity(k.identity);
  const digest = workspaceKeysDigest(keys);
  if (ctx.acceptance && (await ctx.acceptance.isAccepted(digest))) return keys.map((k) => k.identity);
  throw new SensitivityError(
    'E_POLICY_UNACCEPTED',
    `the workspace policy names keys you have not accepted (${describeWorkspaceKeys(keys).join('; ')}); files are not protected for them until you accept them`,
    undefined,
    { details: { hint: 'accept-policy', digest, keys: describeWorkspaceKeys(keys) } },
  );
}

/** Accepts the policy's keys (verified first) for this user, recorded; returns what was accepted. */
export async function acceptWorkspaceKeys(ctx: AppContext, policy: Policy): Promise<{ digest: string; keys: string[] }> {
  const keys = workspaceKeys(policy);
  for (const k of keys) await verifyIdentity(k.identity);
  const digest = workspaceKeysDigest(keys);
  const described = describeWorkspaceKeys(keys);
  if (!ctx.acceptance || ctx.acceptance.mode === 'ignore') {
    throw new SensitivityError('E_USAGE', 'workspace keys cannot be accepted here (the workspace is not trusted)');
  }
  await ctx.audit.append({ action: 'policy.accept', actor: actorOf(ctx), digest, keys: described });
  await ctx.acceptance.accept(digest, described);
  return { digest, keys: described };
}

/** What `people verify` shows: the listed person, their fingerprint, and whether they are pinned with this key. */
export interface PersonCheck {
  readonly person: PublicIdentity;
  readonly fingerprint: string;
  readonly pinned: boolean;
}

/**
 * The workspace's entry for `who` (email or id) with its fingerprint, checked against the pins: E_KEY_CHANGED
 * when it is not the key pinned for that email or id, the entry's refusal when it is unsigned or forged.
 */
export async function checkPerson(ctx: AppContext, who: string): Promise<PersonCheck> {
  const person = await verifyIdentity(findPerson(await ctx.store.people(), who));
  const pinned = ctx.pins ? await pinsOf(ctx.pins, person) : [];
  pinIn({ version: 1, pins: pinned }, person);
  return { person, fingerprint: fingerprint(person.id), pinned: pinned.length > 0 };
}
