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

/** One side of a key change: the identity (when known here), its fingerprint, and where it came from. */
export interface KeySide {
  readonly identity?: PublicIdentity;
  readonly fingerprint: string;
  /** 'pins': your home folder's pins; 'workspace': the workspace's people.json; 'offered': neither (a directory, a file being added). */
  readonly source: 'pins' | 'workspace' | 'offered';
  /** When it was pinned (ISO 8601), where the pin store records it. */
  readonly since?: string;
}

/** A changed key, side by side (issue 22): the key you pinned and the one offered now, as E_KEY_CHANGED names them. */
export interface KeyChange {
  readonly email: string;
  readonly pinned: KeySide;
  readonly offered: KeySide;
}

/** The key change that an E_KEY_CHANGED error describes (`details.pinnedId`, `details.newId`), looked up in the pins and the workspace. */
export async function reviewKeyChange(
  ctx: AppContext,
  change: { readonly email: string; readonly pinnedId: string; readonly newId: string },
): Promise<KeyChange> {
  const pinned = await ctx.pins?.byId(change.pinnedId);
  const since = await ctx.pins?.pinnedSince?.(change.pinnedId);
  const listed = (await ctx.store.people()).people.find((p) => p.id === change.newId);
  return {
    email: change.email,
    pinned: { ...(pinned ? { identity: pinned } : {}), fingerprint: fingerprint(change.pinnedId), source: 'pins', ...(since ? { since } : {}) },
    offered: { ...(listed ? { identity: listed } : {}), fingerprint: fingerprint(change.newId), source: listed ? 'workspace' : 'offered' },
  };
}

/**
 * Replaces the pins of a person by the key the workspace lists under `newId` (never automatic: the caller asked the
 * user, naming the risk); recorded as `pin.change`. Returns the identities it unpinned, for Undo (`trustPeople` with
 * `acceptNewKey` pins them back). E_PERSON_UNKNOWN when the workspace does not list that key.
 */
export async function replacePinnedKey(ctx: AppContext, newId: string): Promise<PublicIdentity[]> {
  const person = await verifyIdentity(findPerson(await ctx.store.people(), newId));
  const before = ctx.pins ? await pinsOf(ctx.pins, person) : [];
  await trustPeople(ctx, [person], { acceptNewKey: true });
  return before.filter((p) => p.id !== person.id || p.email !== person.email);
}
