/**
 * The organisation witness in a workspace that names an organisation (issue 21; docs/FORMAT.md §16.1,
 * docs/KEY-SERVICE.md "The witness"): writers register every new access-policy version at the organisation's key
 * service and seal its receipt into the envelope; readers require a valid receipt, verified against the
 * organisation key they pinned, for every version from the first one registered — so a fork built on an old
 * copy (which the witness refuses to register) is refused even by a reader who remembers nothing.
 */
import type { WitnessEntry, WitnessHook } from '../envelope/index.js';
import { policyDigest, type EnvelopeHeader, type EnvelopeInfo } from '../envelope/index.js';
import { SensitivityError } from '../errors.js';
import { verifyWitnessReceipt, WITNESS_KIND, type WitnessClaim } from '../org/index.js';
import type { AppContext } from './ports.js';
import { acceptedOrganisation, type AcceptedOrganisation } from './workspace-keys.js';

/** The organisation witnessing this workspace's files, as this user accepted it; undefined when the policy names none. */
async function workspaceWitness(ctx: AppContext): Promise<{ org: AcceptedOrganisation; unwitnessed: 'refuse' | 'accept' } | undefined> {
  const policy = await ctx.store.policy();
  if (!policy.organisation) return undefined;
  if (ctx.acceptance?.mode === 'ignore') {
    throw new SensitivityError(
      'E_USAGE',
      `this workspace is not trusted, so its organisation (${policy.organisation.url}) cannot witness its protected files' access history: trust the workspace first`,
    );
  }
  return { org: await acceptedOrganisation(ctx, policy), unwitnessed: policy.organisation.witness === 'optional' ? 'accept' : 'refuse' };
}

/**
 * The hook that registers a new policy version at the workspace's organisation and returns its receipt (none when
 * the policy names no organisation). Called only when a version is made (never for a plain save): E_FORK when the
 * witness holds a head the version does not extend, E_KEYSERVICE_* when it cannot be reached — the write then
 * fails and nothing is written. The receipt is verified before it is sealed in.
 */
export function witnessHook(ctx: AppContext): { readonly witness: WitnessHook } {
  return {
    witness: async (v) => {
      const w = await workspaceWitness(ctx);
      if (!w) return undefined;
      if (!ctx.witness)
        throw new SensitivityError('E_USAGE', `access changes in this workspace need its organisation's witness at ${w.org.url}, which cannot be used here`);
      const claim: WitnessClaim = { line: v.cid, pd: v.digest, prev: v.ver === 1 ? null : policyDigest(v.lineage.at(-1)!), ver: v.ver };
      const receipt = await ctx.witness.register(w.org.url, claim);
      await verifyWitnessReceipt(receipt, [w.org.key], { issuer: w.org.url, line: claim.line, pd: claim.pd, ver: claim.ver });
      return { pd: claim.pd, kind: WITNESS_KIND, value: receipt };
    },
  };
}

/**
 * Judges `header`'s receipts in a workspace that names an organisation: every organisation receipt must verify
 * (E_WITNESS_INVALID), and every version from the first one witnessed to the newest must have one
 * (E_WITNESS_MISSING). A file with no receipt at all (format 1 included) is refused for reading unless the policy
 * says `organisation.witness: "optional"`; building on it is allowed, since that registers it.
 */
export async function checkWitnessed(ctx: AppContext, header: EnvelopeHeader | EnvelopeInfo, use: 'read' | 'build'): Promise<void> {
  const w = await workspaceWitness(ctx);
  if (!w) return;
  const receipts = new Map<string, WitnessEntry>(
    (header.lineageId === undefined ? [] : header.witness).filter((e) => e.kind === WITNESS_KIND).map((e) => [e.pd, e]),
  );
  const { history } = header;
  const line = header.policy.cid;
  for (const [i, pd] of history.entries()) {
    const r = receipts.get(pd);
    if (r) await verifyWitnessReceipt(r.value, [w.org.key], { issuer: w.org.url, line, pd, ver: i + 1 });
  }
  const first = history.findIndex((pd) => receipts.has(pd));
  if (first < 0) {
    if (w.unwitnessed === 'accept' || use === 'build') return;
    throw missing(
      w.org.url,
      history.length,
      'carries no receipt from the organisation that witnesses this workspace: a copy made elsewhere, a fork stripped of its receipts, or a file from before the workspace named the organisation (its owner registers it with any access change)',
    );
  }
  const gap = history.findIndex((pd, i) => i > first && !receipts.has(pd));
  if (gap >= 0) throw missing(w.org.url, gap + 1, `has no receipt for version ${gap + 1} of its access policy, though version ${first + 1} was witnessed`);
}

function missing(url: string, version: number, why: string): SensitivityError {
  return new SensitivityError(
    'E_WITNESS_MISSING',
    `${why} (${url}); the organisation never registered this version, so it may be a fork built on an old copy: do not trust it`,
    undefined,
    { details: { witness: url, version } },
  );
}
