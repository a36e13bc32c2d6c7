/** `inspect`: what a protected file says about itself, from its header alone (no key needed). */
import { policySubject, readEnvelopeHeader, type EnvelopeHeader, type EnvelopeInfo, type EnvelopeLabel } from '../envelope/index.js';
import { ownerWords } from '../display.js';
import { isSensitivityError, SensitivityError, type ErrorCode } from '../errors.js';
import { fingerprint } from '../fingerprint.js';
import { isProtectedPath } from '../paths.js';
import { decideAccess, normalizeRights, roleOfRights, type Right } from '../rights.js';
import { requireProtectedPath, withHandle } from './context.js';
import type { AppContext } from './ports.js';
import { checkHistory, type Witness } from './versions.js';

/** One grantee as shown to people (inspect, the access panel). */
export interface AccessEntry {
  readonly id: string;
  readonly email: string;
  readonly name?: string;
  readonly role: string;
  readonly rights: readonly Right[];
  readonly recovery: boolean;
  /** The identity's fingerprint (six groups of five digits), to compare with what the person sees. */
  readonly fingerprint: string;
}

/**
 * Who signed something (a policy version, a write), as far as this user can tell: `verified` only when it is
 * their own key or their pins know this key as that person (then `email` and `name` are theirs or the pinned
 * ones); otherwise the document's own claim, which anyone could have written, and the key's fingerprint to compare.
 */
export interface SignerView {
  readonly id: string;
  readonly fingerprint: string;
  readonly verified: boolean;
  /** The pinned person's when verified, else what the document claims (untrusted). */
  readonly email?: string;
  readonly name?: string;
}

/** One version of the file's access policy (format 2). */
export interface PolicyVersionView {
  readonly version: number;
  readonly signer: SignerView;
  readonly issued: string;
}

/** What `inspect --json` prints (stable; documented in README): nothing here needs the file key. */
export interface ProtectedInfo {
  /** Workspace-relative path. */
  readonly file: string;
  readonly version: number;
  readonly innerName: string;
  readonly contentType: string;
  readonly size: number;
  readonly contentId: string;
  readonly label: EnvelopeLabel;
  readonly owner: { readonly id: string; readonly email: string; readonly name: string };
  /** Who has access: everyone for holders of VIEWRIGHTSDATA or OWNER, else only the owner and your own entry. */
  readonly grants: readonly AccessEntry[];
  readonly issued: string;
  readonly expires: string | null;
  readonly expired: boolean;
  /** Owners (and recovery recipients) may still extend the expiry after it passed (the signed policy's `renew`). */
  readonly renewable: boolean;
  /** The caller's rights (empty without identity or grant). */
  readonly yourRights: readonly Right[];
  /** Why the caller may not view, when they may not. */
  readonly denied: { readonly code: ErrorCode; readonly reason: string } | null;
  /** Who signed the current policy: "owner" only when `verified`; else "signed by an unverified key". */
  readonly signedBy: SignerView;
  /** Format 2: every policy version, oldest first, the current last (empty in format 1). */
  readonly lineage: readonly PolicyVersionView[];
  /** Format 2: who last wrote the content, and when (null in format 1). */
  readonly lastWrittenBy: { readonly signer: SignerView; readonly at: string } | null;
  /**
   * The newest policy version of this file's history seen when this one is older (read-only here), and where: this
   * user's memory, git's history, or the organisation's witness (a head a Double Key decrypt answered); else null.
   */
  readonly rollback: { readonly seen: number; readonly by: Witness } | null;
  /** Format 1: read-only until an owner migrates it on purpose; null otherwise. */
  readonly notice: string | null;
  /** Double Key: opening also needs this key service (`url` = `<service>/<keyName>`, `kid` its key version). */
  readonly doubleKey: { readonly url: string; readonly kid: string } | null;
}

/**
 * Whether the caller may change the file's expiry (`setExpiry`): holders of OWNER, before it passes, or after
 * it when the policy is renewable. The operation decides again from the authenticated header.
 */
export function mayChangeExpiry(info: Pick<ProtectedInfo, 'yourRights' | 'expired' | 'renewable'>): boolean {
  return info.yourRights.includes('OWNER') && (!info.expired || info.renewable);
}

/** Whether the caller may accept this older copy as the current version (`acceptRestore`: OWNER in it). */
export function mayAcceptRestore(info: Pick<ProtectedInfo, 'yourRights' | 'rollback'>): boolean {
  return info.rollback !== null && info.yourRights.includes('OWNER');
}

/** Why the caller may not change the file's expiry, said before asking them for a date; undefined when they may. */
export function expiryRefusal(info: ProtectedInfo): SensitivityError | undefined {
  if (mayChangeExpiry(info)) return undefined;
  if (info.expired && !info.renewable && info.denied?.code === 'E_EXPIRED') return new SensitivityError('E_EXPIRED', info.denied.reason, info.file);
  const words = ownerWords(info.signedBy);
  return new SensitivityError('E_RIGHT_MISSING', `only an owner can change when it expires; ask ${words.ask}`, info.file, {
    details: { hint: 'ask-owner', owner: words.who, ownerEmail: info.owner.email },
  });
}

/** Why the caller may not accept this copy as the current version, said before asking them; undefined when they may. */
export function restoreRefusal(info: ProtectedInfo): SensitivityError | undefined {
  if (mayAcceptRestore(info)) return undefined;
  if (info.rollback === null) return new SensitivityError('E_USAGE', 'is not older than a version you have opened: there is nothing to accept', info.file);
  const words = ownerWords(info.signedBy);
  return new SensitivityError('E_RIGHT_MISSING', `only an owner can accept an older copy as the current version; ask ${words.ask}`, info.file, {
    details: { hint: 'ask-owner', owner: words.who, ownerEmail: info.owner.email },
  });
}

/** What menus offer on a protected file, and the right each needs (the operation decides again from the header). */
const ACTION_RIGHT = { share: 'OWNER', unprotect: 'EXPORT' } as const satisfies Record<string, Right>;
export type FileAction = keyof typeof ACTION_RIGHT;

/** Whether the caller may `action` the file: they can open it and hold the right it needs (OWNER holds every right). */
export function mayDo(info: Pick<ProtectedInfo, 'yourRights' | 'denied'>, action: FileAction): boolean {
  return info.denied === null && (info.yourRights.includes(ACTION_RIGHT[action]) || info.yourRights.includes('OWNER'));
}

/** Why the caller may not `action` the file, said before anything is asked of them; undefined when they may. */
export function actionRefusal(info: ProtectedInfo, action: FileAction): SensitivityError | undefined {
  if (mayDo(info, action)) return undefined;
  const what = action === 'share' ? 'change who has access: only an owner can' : 'unprotect it: that needs the Export right (Co-Owner)';
  const why = info.denied ? `you cannot open this file, so you cannot ${what}` : `you cannot ${what}`;
  const words = ownerWords(info.signedBy);
  return new SensitivityError(info.denied?.code ?? 'E_RIGHT_MISSING', `${why}; ask ${words.ask}`, info.file, {
    details: { hint: 'ask-owner', owner: words.who, ownerEmail: info.owner.email },
  });
}

/** How a signing key appears to this user: verified when it is their own key or their pins know it (absent pins: only their own). */
export async function signerView(ctx: AppContext, id: string, claimed?: { readonly email: string; readonly name?: string }): Promise<SignerView> {
  const known = ctx.identity?.id === id ? ctx.identity : await ctx.pins?.byId(id);
  const who = known ?? claimed;
  return { id, fingerprint: fingerprint(id), verified: known !== undefined, ...(who ? { email: who.email, ...(who.name ? { name: who.name } : {}) } : {}) };
}

/** The format-1 notice. */
export const FORMAT_1_NOTICE =
  'protected-file format 1: read-only, with no history and no writer signature, so nothing is saved, granted or revoked on it; an owner who knows it is the genuine file can migrate it on purpose (sensitivity migrate)';

/** Access entries of a policy's grants, with role names. */
export function accessEntries(info: EnvelopeHeader | EnvelopeInfo): AccessEntry[] {
  return info.policy.grants.map((g) => ({
    id: g.id,
    email: g.email,
    ...(g.name ? { name: g.name } : {}),
    role: roleOfRights(g.rights),
    rights: normalizeRights(g.rights),
    recovery: g.recovery === true,
    fingerprint: fingerprint(g.id),
  }));
}

/** Describes the protected file at `path` from its header (signature-checked, not decrypted) and the caller's rights. */
export async function inspect(ctx: AppContext, path: string): Promise<ProtectedInfo> {
  requireProtectedPath(path, isProtectedPath(path));
  const h = await withHandle(ctx, path, (handle) => readEnvelopeHeader(handle)).catch((e: unknown) => {
    throw isSensitivityError(e) ? e.withFile(path) : e;
  });
  const now = ctx.clock.now();
  const signedBy = await signerView(ctx, h.policy.owner.id, h.policy.owner);
  const view = decideAccess(policySubject(h.policy), ctx.identity?.id, 'VIEW', now, signedBy);
  const chain = h.layout.version === 2 ? [...h.lineage, h.policy] : [];
  const grantOf = (id: string) => h.policy.grants.find((g) => g.id === id);
  const lineage = await Promise.all(
    chain.map(async (p) => ({ version: p.ver!, signer: await signerView(ctx, p.owner.id, p.owner), issued: new Date(p.iat * 1000).toISOString() })),
  );
  // Memory only (git and the organisation's receipts are judged when the file is opened or built on): listings
  // of thousands of files stay cheap.
  const { history: _git, ...memoryOnly } = ctx;
  const standing = await checkHistory(memoryOnly, path, h, 'read', { organisation: false }).catch((e: unknown) => {
    throw isSensitivityError(e) ? e.withFile(path) : e;
  });
  // Who has access is rights data: only holders of VIEWRIGHTSDATA (or OWNER) see the list; anyone else sees
  // the owner and their own entry, as Purview shows a person without access only whom to ask.
  const mine = ctx.identity ? grantOf(ctx.identity.id) : undefined;
  const seesAll = mine !== undefined && normalizeRights(mine.rights).some((r) => r === 'VIEWRIGHTSDATA' || r === 'OWNER');
  const shown = (id: string) => seesAll || id === h.policy.owner.id || id === ctx.identity?.id;
  return {
    file: path,
    version: h.layout.version,
    innerName: h.innerName,
    contentType: h.contentType,
    size: h.layout.plaintextLength,
    contentId: h.policy.cid,
    label: h.policy.label,
    owner: { id: h.policy.owner.id, email: h.policy.owner.email, name: h.policy.owner.name },
    grants: accessEntries(h).filter((g) => shown(g.id)),
    issued: new Date(h.policy.iat * 1000).toISOString(),
    expires: h.policy.exp === undefined ? null : new Date(h.policy.exp * 1000).toISOString(),
    expired: h.policy.exp !== undefined && now.getTime() >= h.policy.exp * 1000,
    renewable: h.policy.renew === true,
    yourRights: view.rights,
    denied: view.allowed ? null : { code: view.code, reason: view.reason },
    signedBy,
    lineage,
    lastWrittenBy:
      h.lastWrite && shown(h.lastWrite.id)
        ? { signer: await signerView(ctx, h.lastWrite.id, grantOf(h.lastWrite.id)), at: new Date(h.lastWrite.at * 1000).toISOString() }
        : null,
    rollback: standing.older ? { seen: standing.older.seen, by: standing.older.by } : null,
    notice: h.layout.version === 1 ? FORMAT_1_NOTICE : null,
    doubleKey: h.policy.dk ? { url: h.policy.dk.url, kid: h.policy.dk.kid } : null,
  };
}
