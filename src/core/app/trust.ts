/**
 * Whom an operation believes: people are used only with a verified self-signature and, when the host
 * keeps pins, as pinned (first use pins, a changed key is refused until confirmed). A workspace policy's
 * keys are accepted in workspace-keys.ts.
 */
import type { PublicIdentity } from '../identity.js';
import { fingerprint } from '../fingerprint.js';
import { findPerson, verifyIdentity } from '../people.js';
import { pinIn } from '../pins.js';
import { actorOf } from './context.js';
import type { CertifiedPerson } from './directory.js';
import type { AppContext, PinStore } from './ports.js';

/**
 * What to do about people's keys: `acceptNewKey` confirms a change from a person's pinned key (an
 * organisation's key changes only by accepting the workspace's keys again); `onPin` hears each outcome,
 * `onCertified` each person found in the organisation's directory.
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
