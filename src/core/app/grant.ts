/** `grant`: people get a role on a protected file (needs OWNER); the file key is kept. */
import { rewrapEnvelope, type EnvelopeInfo } from '../envelope/index.js';
import { actorOf, timeAndChance } from './context.js';
import type { AppContext } from './ports.js';
import { grantRequests, type GrantSpec } from './protect.js';
import { rewriteProtected } from './rewrite.js';
import { trustPeople, type PinOptions } from './trust.js';

/** Grants `specs` on the protected file at `path`; the people must be self-signed and are pinned (see `trustPeople`). */
export async function grant(ctx: AppContext, path: string, specs: readonly GrantSpec[], opts: PinOptions = {}): Promise<EnvelopeInfo> {
  const [policy, people] = await Promise.all([ctx.store.policy(), ctx.store.people()]);
  const requests = await grantRequests(ctx, policy, people, specs, opts);
  await trustPeople(
    ctx,
    requests.map((r) => r.person),
    opts,
  );
  return rewriteProtected(
    ctx,
    path,
    'OWNER',
    (old, sink, id, access) => rewrapEnvelope(old, sink, id, { grant: requests }, { ...timeAndChance(ctx), ...access }),
    () => ({ action: 'grant', actor: actorOf(ctx), file: path, grantees: requests.map((r, i) => ({ email: r.person.email, role: specs[i]!.role })) }),
  );
}
