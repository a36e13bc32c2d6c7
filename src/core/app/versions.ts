/**
 * Access history (docs/FORMAT.md §14.4): a reader remembers the head of each file's history it accepted — the
 * digest of every policy version, not only the newest number — and takes a version only if it extends that
 * head. One that does not is a fork (E_FORK), whoever signed it; one the head extends is an older copy, which
 * can be read but not built on (E_ROLLBACK). git's history of the file is a second witness, for readers who
 * never saw the newer version. A format-1 file whose content id was seen in format 2 is a downgrade.
 */
import { holdsOwner, type EnvelopeHeader, type EnvelopeInfo, type WitnessHeadHandler } from '../envelope/index.js';
import { SensitivityError } from '../errors.js';
import { fingerprint } from '../fingerprint.js';
import type { AppContext, CommittedVersion, HistoryHead, OrganisationHead } from './ports.js';
import { acceptedWitness, checkWitnessed, judgeWitnessHead } from './witness.js';

/** How a history stands to a head: first seen, the same, extending it, an ancestor of it, or a fork. */
export type Relation = 'new' | 'same' | 'extends' | 'older' | 'fork';

/**
 * How `history` (policy digests, version 1 first) stands to `head`. Digests chain (each version names the one
 * before, and numbers advance by one), so comparing the digests at one position decides.
 */
export function relate(head: HistoryHead | undefined, history: readonly string[]): Relation {
  if (!head) return 'new';
  const known = head.history;
  const at = Math.min(known.length, history.length) - 1;
  if (at < 0) return history.length === 0 ? 'same' : 'extends';
  if (known[at] !== history[at]) return 'fork';
  return history.length === known.length ? 'same' : history.length > known.length ? 'extends' : 'older';
}

/** The head a file's committed versions witness for `lineId`: each version extending the one before takes over; forks in history are skipped. */
export function witnessedHead(committed: readonly CommittedVersion[], lineId: string): CommittedVersion | undefined {
  let head: CommittedVersion | undefined;
  for (const v of committed) {
    if (v.lineId !== lineId) continue;
    const r = relate(head, v.history);
    if (r === 'new' || r === 'extends') head = v;
  }
  return head;
}

/** Where a head was seen: memory, git's history, or the organisation's witness (a Double Key decrypt's answer). */
export type Witness = 'memory' | 'git' | 'organisation';

/** How a file's version stands to the newest seen: undefined when it is the newest (or nothing is known). */
export interface Standing {
  /** The newest version seen when it is newer than this file's (an older copy: readable, not to build on), and where. */
  readonly older?: { readonly seen: number; readonly by: Witness };
}

/** The head of `header`'s own history, as memory stores it. */
export const headOf = (header: EnvelopeHeader | EnvelopeInfo): HistoryHead => ({
  history: header.history,
  signer: { id: header.policy.owner.id, email: header.policy.owner.email },
});

/**
 * Judges `header`, the version of `path` about to be read ('read') or built on ('build': save, grant, revoke,
 * expiry, merge): E_DOWNGRADE for a format-1 file whose content id memory or git knows in format 2; E_FORK
 * for a version that does not extend a head memory or git holds; E_ROLLBACK to build on an older one; in a
 * workspace that names an organisation, E_WITNESS_MISSING / E_WITNESS_INVALID for versions its witness did not
 * register (`checkWitnessed`; not when `organisation` is false: listings judge by memory alone). Reading an
 * older one is allowed and said (`Standing.older`).
 */
export async function checkHistory(
  ctx: AppContext,
  path: string,
  header: EnvelopeHeader | EnvelopeInfo,
  use: 'read' | 'build',
  { organisation = true }: { readonly organisation?: boolean } = {},
): Promise<Standing> {
  const committed = ctx.history ? await ctx.history.committed(path, 'head') : [];
  if (header.lineageId === undefined) {
    const cid = header.policy.cid;
    if ((await ctx.versions?.seenInFormat2(cid)) || committed.some((v) => v.lineId !== undefined && v.cid === cid)) throw downgradeError();
    if (organisation) await checkWitnessed(ctx, header, use);
    return {};
  }
  const heads: [HistoryHead | undefined, Witness][] = [
    [await ctx.versions?.head(header.lineageId), 'memory'],
    [witnessedHead(committed, header.lineageId), 'git'],
  ];
  let older: Standing['older'];
  for (const [head, by] of heads) {
    const r = relate(head, header.history);
    if (r === 'fork') throw forkError(header, head!, by);
    if (r === 'older' && (!older || head!.history.length > older.seen)) older = { seen: head!.history.length, by };
  }
  // The organisation's head a decrypt answered earlier: a number and a digest, so it can only say "older" (read-only),
  // never "fork" — a stale or bogus head must not make a file unreadable before the next decrypt corrects it.
  const org = await ctx.versions?.organisationHead(header.lineageId);
  if (org && org.ver > header.history.length && org.ver > (older?.seen ?? 0)) older = { seen: org.ver, by: 'organisation' };
  if (older && use === 'build') throw rollbackError(header.history.length, older.seen, header.policy.owner.email);
  if (organisation) await checkWitnessed(ctx, header, use);
  return older ? { older } : {};
}

/** What the witness's head in a Double Key decrypt answer said of a file: `seen`, the newer version it holds, if any. */
export interface WitnessHeadCheck {
  readonly onWitnessHead: WitnessHeadHandler;
  /** Whether the organisation answered a head that verified (then its verdict replaces the one memory kept). */
  answered(): boolean;
  seen(): number | undefined;
}

/** Whether `fresh`, a verified head of the organisation, replaces the `kept` one: the one the witness signed last stands. */
export function replacesOrganisationHead(kept: OrganisationHead | undefined, fresh: OrganisationHead): boolean {
  return !kept || (fresh.iat >= kept.iat && (fresh.ver !== kept.ver || fresh.pd !== kept.pd));
}

/**
 * Judges the organisation witness's head that a Double Key decrypt answer carries (FORMAT §16.1), for `header` about
 * to be read or built on, before any plaintext is released or anything written: E_WITNESS_INVALID unless it verifies,
 * E_FORK, E_DOWNGRADE; a newer head makes the file an older copy, which reads (`seen`) but is not built on
 * (E_ROLLBACK). Ignored when the service that answered is not the workspace's organisation, or none is used here.
 */
export function witnessHeadCheck(ctx: AppContext, header: EnvelopeHeader | EnvelopeInfo, use: 'read' | 'build'): WitnessHeadCheck {
  let seen: number | undefined;
  let answered = false;
  return {
    seen: () => seen,
    answered: () => answered,
    onWitnessHead: async (receipt, service) => {
      const org = await acceptedWitness(ctx);
      if (!org || org.url !== service) return;
      // The organisation holds no head for this file now (an administrator removed it): memory keeps none either.
      if (receipt === undefined) {
        answered = true;
        if (ctx.versions && header.lineageId !== undefined) await ctx.versions.forgetOrganisationHead(header.lineageId);
        return;
      }
      const { relation, head } = await judgeWitnessHead(header, org, receipt);
      if (relation === 'downgrade') throw downgradeError();
      if (relation === 'fork') throw witnessForkError(header, head, service);
      answered = true;
      // Memory learns what the receipt proves (this line's version `ver` is `pd`), so inspect, listings and offline
      // opens know an older copy as one without asking again; a newer word of the organisation replaces it.
      if (ctx.versions && header.lineageId !== undefined)
        await ctx.versions.rememberOrganisationHead(header.lineageId, { ver: head.ver, pd: head.pd, iat: Math.floor(head.issuedAt.getTime() / 1000) });
      if (relation !== 'older') return;
      if (use === 'build') throw rollbackError(header.history.length, head.ver, header.policy.owner.email);
      seen = head.ver;
    },
  };
}

/** `standing` with the witness head's verdict added: an older copy when the head is newer than any head seen before. */
export function withWitnessHead(standing: Standing, check: WitnessHeadCheck): Standing {
  // A head answered now replaces the organisation's verdict memory gave (an administrator may have reset the line).
  const kept = check.answered() && standing.older?.by === 'organisation' ? {} : standing;
  const seen = check.seen();
  return seen !== undefined && seen > (kept.older?.seen ?? 0) ? { older: { seen, by: 'organisation' } } : kept;
}

/**
 * Remembers `info`'s history head once its body authenticated (a no-op without memory, in format 1, or when it
 * extends nothing); for an owner, with its signed history, so a later restore can build on it without git.
 */
export async function rememberVersion(ctx: AppContext, info: EnvelopeInfo): Promise<void> {
  if (!ctx.versions || info.lineageId === undefined) return;
  const owner = ctx.identity !== undefined && holdsOwner(info.policy, ctx.identity.id);
  await ctx.versions.remember(info.lineageId, headOf(info), owner ? info.signed : undefined);
}

/** The E_ROLLBACK refusal: building on `version`, older than the version `seen` of its history. */
export function rollbackError(version: number, seen: number, owner: string): SensitivityError {
  return new SensitivityError(
    'E_ROLLBACK',
    `is an older version of its access policy (version ${version}) than one you, git or your organisation's witness have seen (version ${seen}): it can be read, but nothing is saved, granted, revoked or merged on it, since it may still let in people removed since; if an owner restored it on purpose, they accept it once (sensitivity restore)`,
    undefined,
    { details: { hint: 'accept-restore', version, seen, owner } },
  );
}

/** E_FORK, naming both heads and their signers (claimed emails and key fingerprints). */
function forkError(header: EnvelopeHeader | EnvelopeInfo, head: HistoryHead, by: Witness): SensitivityError {
  const theirs = headOf(header);
  const words = (h: HistoryHead) =>
    `version ${h.history.length} (${(h.history.at(-1) ?? '').slice(0, 12)}) signed by a key claiming ${h.signer.email}, ${fingerprint(h.signer.id)}`;
  const where = by === 'memory' ? 'you have seen' : "git's history of this file holds";
  return new SensitivityError(
    'E_FORK',
    `does not extend the access history ${where}: this file is ${words(theirs)}, but ${where} ${words(head)}. Someone built on an older copy (a former owner's, perhaps); do not trust it`,
    undefined,
    {
      details: {
        witness: by,
        version: theirs.history.length,
        head: theirs.history.at(-1) ?? '',
        signer: theirs.signer.email,
        signerId: theirs.signer.id,
        seenVersion: head.history.length,
        seenHead: head.history.at(-1) ?? '',
        seenSigner: head.signer.email,
        seenSignerId: head.signer.id,
      },
    },
  );
}

/** E_FORK against the organisation witness's head (digests only: the witness never sees who signed a version). */
function witnessForkError(header: EnvelopeHeader | EnvelopeInfo, head: { readonly pd: string; readonly ver: number }, service: string): SensitivityError {
  const n = header.history.length;
  const mine = header.history.at(-1) ?? '';
  return new SensitivityError(
    'E_FORK',
    `does not extend the access history the organisation's witness at ${service} registered: this file is version ${n} (${mine.slice(0, 12)}), the witness holds version ${head.ver} (${head.pd.slice(0, 12)})${head.ver > n ? `, which replaces another version ${n}` : ''}. Someone built on an older copy (a former owner's, perhaps); do not trust it`,
    undefined,
    { details: { witness: 'organisation', service, version: n, head: mine, seenVersion: head.ver, seenHead: head.pd } },
  );
}

/** E_DOWNGRADE: a format-1 file with the content id of a format-2 one. */
function downgradeError(): SensitivityError {
  return new SensitivityError(
    'E_DOWNGRADE',
    'is in the old format 1, but this file has been seen in format 2: it is an old copy or a re-emitted one without its history and writer signature; do not trust it (nothing is built on it)',
  );
}
