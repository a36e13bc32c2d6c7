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
import { verifyWitnessReceipt, WITNESS_KIND, type VerifiedReceipt, type WitnessClaim } from '../org/index.js';
import type { AppContext } from './ports.js';
import { acceptedOrganisation, type AcceptedOrganisation } from './workspace-keys.js';

/**
 * The organisation witnessing this workspace's files, as this user accepted it: undefined when the policy names
 * none, 'ignored' where the workspace's keys are not used (VS Code's Restricted Mode).
 */
async function workspaceWitness(ctx: AppContext): Promise<{ org: AcceptedOrganisation; unwitnessed: 'refuse' | 'accept' } | 'ignored' | undefined> {
  const policy = await ctx.store.policy();
  if (!policy.organisation) return undefined;
  if (ctx.acceptance?.mode === 'ignore') return 'ignored';
  return { org: await acceptedOrganisation(ctx, policy), unwitnessed: policy.organisation.witness === 'optional' ? 'accept' : 'refuse' };
}

/** The organisation witnessing this workspace as this user accepted it, when its keys are used here (not in Restricted Mode). */
export async function acceptedWitness(ctx: AppContext): Promise<AcceptedOrganisation | undefined> {
  const w = await workspaceWitness(ctx);
  return w && w !== 'ignored' ? w.org : undefined;
}

/**
 * How a file stands to the witness's head that a Double Key decrypt answer carries (FORMAT §16.1, "The head a decrypt
 * answers"), pure: the receipt must verify against `org.key` for this file's line (E_WITNESS_INVALID). Then `same`
 * (the file is the head), `older` (the head is a later version: this is an older copy), `fork` (a head at the file's
 * version with another digest, or the file's next version replacing another one), `behind` (the head is older than the
 * file, whose own receipts were judged: an administrator reset the line), `downgrade` (a format-1 copy of a line the
 * witness holds in format 2).
 */
export async function judgeWitnessHead(
  header: Pick<EnvelopeInfo, 'lineageId' | 'history' | 'policy'>,
  org: Pick<AcceptedOrganisation, 'url' | 'key'>,
  receipt: string,
): Promise<{ readonly relation: 'same' | 'older' | 'fork' | 'behind' | 'downgrade'; readonly head: VerifiedReceipt }> {
  const head = await verifyWitnessReceipt(receipt, [org.key], { issuer: org.url, line: header.policy.cid });
  const { history } = header;
  const n = history.length;
  const relation =
    header.lineageId === undefined
      ? 'downgrade'
      : head.ver < n
        ? 'behind'
        : head.ver === n
          ? head.pd === history[n - 1]
            ? 'same'
            : 'fork'
          : head.ver === n + 1 && head.prev !== history[n - 1]
            ? 'fork'
            : 'older';
  return { relation, head };
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
      // Untrusted, a new line (protect, migrate) goes unregistered (readers there refuse it until an owner registers
      // it); a later version is refused, since the witness would then hold a head this file can never extend.
      if (w === 'ignored') {
        if (v.ver === 1) return undefined;
        throw new SensitivityError(
          'E_USAGE',
          "this workspace is not trusted, so its organisation's witness cannot register this access change: trust it first",
        );
      }
      if (!ctx.witness)
        throw new SensitivityError('E_USAGE', `access changes in this workspace need its organisation's witness at ${w.org.url}, which cannot be used here`);
      // The policies go with the claim: the witness registers a version only when an owner of the one before signed it.
      const prevPolicy = v.ver === 1 ? null : v.lineage.at(-1)!;
      const claim: WitnessClaim = { line: v.cid, pd: v.digest, prev: prevPolicy === null ? null : policyDigest(prevPolicy), ver: v.ver };
      const receipt = await ctx.witness.register(w.org.url, { ...claim, policy: v.policy, prevPolicy });
      await verifyWitnessReceipt(receipt, [w.org.key], { issuer: w.org.url, ...claim });
      return { pd: claim.pd, kind: WITNESS_KIND, value: receipt };
    },
  };
}

/**
 * Judges `header`'s receipts in a workspace that names an organisation (not in Restricted Mode, where its keys are
 * not used and memory and git alone judge): `judgeWitnessReceipts` under the workspace's rule.
 */
export async function checkWitnessed(ctx: AppContext, header: EnvelopeHeader | EnvelopeInfo, use: 'read' | 'build'): Promise<void> {
  const w = await workspaceWitness(ctx);
  if (!w || w === 'ignored') return;
  await judgeWitnessReceipts(header, w.org, { unwitnessed: use === 'build' ? 'accept' : w.unwitnessed });
}

/**
 * The reader's rule for organisation receipts (FORMAT §16.1, "Reading"), pure: every `org-witness` receipt must
 * verify against `org.key` and be bound to the version it names — issuer, line (the content id), digest, the
 * digest of the version before, number (E_WITNESS_INVALID) — and every version from the first one witnessed to the
 * newest must have one (E_WITNESS_MISSING). With no receipt at all (format 1 included), E_WITNESS_MISSING unless
 * `unwitnessed` is 'accept'. Returns the witnessed versions, oldest first.
 */
export async function judgeWitnessReceipts(
  header: Pick<EnvelopeInfo, 'lineageId' | 'witness' | 'history' | 'policy'>,
  org: Pick<AcceptedOrganisation, 'url' | 'key'>,
  { unwitnessed }: { readonly unwitnessed: 'refuse' | 'accept' },
): Promise<number[]> {
  const receipts = new Map<string, WitnessEntry>(
    (header.lineageId === undefined ? [] : header.witness).filter((e) => e.kind === WITNESS_KIND).map((e) => [e.pd, e]),
  );
  const { history } = header;
  const line = header.policy.cid;
  const witnessed: number[] = [];
  for (const [i, pd] of history.entries()) {
    const r = receipts.get(pd);
    if (!r) continue;
    // `prev` too: the witness sees digests only, so a receipt whose `prev` is not this file's version before was
    // registered as the successor of some other head (a fork presented as the next version of the genuine one).
    await verifyWitnessReceipt(r.value, [org.key], { issuer: org.url, line, pd, prev: i === 0 ? null : history[i - 1]!, ver: i + 1 });
    witnessed.push(i + 1);
  }
  const first = witnessed[0];
  if (first === undefined) {
    if (unwitnessed === 'accept') return witnessed;
    throw missing(
      org.url,
      history.length,
      'carries no receipt from the organisation that witnesses this workspace: a copy made elsewhere, a fork stripped of its receipts, or a file from before the workspace named the organisation (its owner registers it with any access change)',
    );
  }
  const gap = history.findIndex((pd, i) => i >= first && !receipts.has(pd));
  if (gap >= 0) throw missing(org.url, gap + 1, `has no receipt for version ${gap + 1} of its access policy, though version ${first} was witnessed`);
  return witnessed;
}
function missing(url: string, version: number, why: string): SensitivityError {
  return new SensitivityError(
    'E_WITNESS_MISSING',
    `${why} (${url}); the organisation never registered this version, so it may be a fork built on an old copy: do not trust it`,
    undefined,
    { details: { witness: url, version } },
  );
}
