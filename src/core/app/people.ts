/** `people add`: a person's public identity joins the workspace's directory (a security event: recorded). */
import type { PublicIdentity } from '../identity.js';
import { addPerson } from '../people.js';
import { actorOf } from './context.js';
import type { AppContext } from './ports.js';
import { trustPeople, type PinOptions } from './trust.js';

/**
 * Adds `person` (with `replace`, over the entry with the same email or id), recorded before it is written.
 * The identity must be self-signed, and is pinned: a key other than the one pinned for that email or id is
 * E_KEY_CHANGED unless `acceptNewKey`.
 */
export async function addToPeople(ctx: AppContext, person: PublicIdentity, opts: { replace?: boolean } & PinOptions = {}): Promise<void> {
  await ctx.store.updatePeople(async (people) => {
    const next = addPerson(people, person, { replace: opts.replace ?? false });
    await trustPeople(ctx, [person], opts);
    await ctx.audit.append({
      action: opts.replace ? 'people.change' : 'people.add',
      actor: actorOf(ctx),
      person: { id: person.id, email: person.email, name: person.name },
    });
    return next;
  });
}
