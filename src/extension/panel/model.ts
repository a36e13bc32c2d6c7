/**
 * The access panel's view model, built from what the operations service reports. Pure (no `vscode`), so
 * what crosses to the webview is decided in one place: names, emails, roles, rights and dates — never keys.
 */
import type { PolicyLabel } from '../../core/policy/types.js';
import type { ErrorCode } from '../../core/errors.js';
import { RIGHTS, type Right } from '../../core/rights.js';
import { fingerprint } from '../../core/fingerprint.js';
import { mayAcceptRestore, mayChangeExpiry, type LabeledFile, type ProtectedInfo, type SignerView } from '../../core/app/index.js';
import { ownerWords, signerWords } from '../../core/display.js';
import type { FileActions, FileRow, LabelView, PersonView, SignerRow } from '../../shared/protocol.js';

/** Content findings for a file (issue 5): how many, and the label the content needs. */
export interface PanelFinding {
  readonly count: number;
  /** Label id the content needs at least. */
  readonly minimumLabel: string;
}

/** What every row of one workspace folder shares. */
export interface RowContext {
  /** Prepended to paths: "" in a single-folder workspace, "folder/" in a multi-root one. */
  readonly prefix: string;
  readonly labels: ReadonlyMap<string, PolicyLabel>;
  /** Your identity id, or undefined before you have one. */
  readonly me: string | undefined;
  /** Turns a refusal (the core's code and reason) into words for VS Code. */
  readonly explain?: (denied: { readonly code: ErrorCode; readonly reason: string }) => string;
}

const has = (rights: readonly Right[], r: Right) => rights.includes(r);

/** The policy's labels as the panel shows them. */
export function labelViews(labels: readonly PolicyLabel[]): LabelView[] {
  return labels.map((l) => ({
    id: l.id,
    name: l.displayName,
    description: l.description ?? '',
    color: l.color ?? null,
    rank: l.rank,
    applicable: l.applicable,
    parent: l.parent ?? null,
  }));
}

/** Owner first, then the grantees in the policy's order; the owner's own Co-Owner grant is folded into the owner. */
function people(info: ProtectedInfo, me: string | undefined): PersonView[] {
  const ownerGrant = info.grants.find((g) => g.id === info.owner.id);
  const owner: PersonView = {
    id: info.owner.id,
    name: info.owner.name || null,
    email: info.owner.email,
    // "Owner" only for a key your pins know as that person (issue 9); anyone can sign a policy claiming a name.
    role: ownerWords(info.signedBy).role,
    rights: ownerGrant ? [...ownerGrant.rights] : [],
    owner: true,
    recovery: false,
    you: info.owner.id === me,
    fingerprint: ownerGrant?.fingerprint ?? fingerprint(info.owner.id),
  };
  const others = info.grants
    .filter((g) => g.id !== info.owner.id)
    .map((g): PersonView => ({
      id: g.id,
      name: g.name ?? null,
      email: g.email,
      role: g.recovery ? 'Recovery' : g.role,
      rights: [...g.rights],
      owner: false,
      recovery: g.recovery,
      you: g.id === me,
      fingerprint: g.fingerprint,
    }));
  return [owner, ...others];
}

/** A signer as the panel shows it: the verdict in words, for the row's detail and tooltip. */
function signerRow(v: SignerView): SignerRow {
  return { verified: v.verified, fingerprint: v.fingerprint, name: v.name ?? v.email ?? null, words: signerWords(v) };
}

const NO_ACTIONS: FileActions = { open: false, applyLabel: false, protect: false, grant: false, revoke: false, expiry: false, restore: false };

function findingsOf(label: string | undefined, finding: PanelFinding | undefined, labels: ReadonlyMap<string, PolicyLabel>): FileRow['findings'] {
  if (!finding || finding.count === 0) return null;
  const needed = labels.get(finding.minimumLabel);
  if (!needed) return null;
  const current = label === undefined ? -1 : (labels.get(label)?.rank ?? -1);
  return needed.rank > current ? { count: finding.count, recommended: needed.displayName } : null;
}

/** A row for one labeled or protected file. */
export function fileRow(file: LabeledFile, ctx: RowContext, finding?: PanelFinding): FileRow {
  const known = ctx.labels.get(file.label.id);
  const label = { id: file.label.id, name: known?.displayName ?? file.label.name };
  const base = {
    path: ctx.prefix + file.path,
    label,
    labelRank: known?.rank ?? -1,
    findings: findingsOf(file.label.id, finding, ctx.labels),
    problem: null,
    problemCode: null,
  };
  const info = file.protected;
  if (!info) {
    const by = file.setBy ? file.setBy.name || file.setBy.email : null;
    const canAct = ctx.me !== undefined;
    return {
      ...base,
      protected: false,
      owner: null,
      people: [],
      expires: null,
      expired: false,
      // A plain file protects nothing: whoever has it may do anything with it.
      yourRights: [...RIGHTS],
      yourRole: null,
      denied: null,
      labeledBy: by,
      labeledAt: file.setAt ?? null,
      signedBy: null,
      lastWrittenBy: null,
      rollback: null,
      actions: { ...NO_ACTIONS, open: true, applyLabel: canAct, protect: canAct },
    };
  }
  const list = people(info, ctx.me);
  const mine = list.find((p) => p.you);
  const rights = [...info.yourRights];
  // Owner changes rewrap the envelope: they need OWNER and unexpired content (rights.ts decides the same way).
  const owns = ctx.me !== undefined && has(rights, 'OWNER') && !info.expired;
  return {
    ...base,
    protected: true,
    owner: list[0] ?? null,
    people: list,
    expires: info.expires,
    expired: info.expired,
    yourRights: rights,
    yourRole: mine && rights.length > 0 ? mine.role : null,
    denied: info.denied ? (ctx.explain?.(info.denied) ?? info.denied.reason) : null,
    labeledBy: null,
    labeledAt: null,
    signedBy: signerRow(info.signedBy),
    lastWrittenBy: info.lastWrittenBy ? { signer: signerRow(info.lastWrittenBy.signer), at: info.lastWrittenBy.at } : null,
    rollback: info.rollback ? { version: info.lineage.at(-1)?.version ?? 0, ...info.rollback } : null,
    actions: {
      open: true,
      applyLabel: owns,
      protect: false,
      grant: owns,
      revoke: owns && list.some((p) => !p.owner && !p.recovery),
      expiry: ctx.me !== undefined && mayChangeExpiry(info),
      restore: ctx.me !== undefined && mayAcceptRestore(info),
    },
    doubleKey: info.doubleKey ? { host: new URL(info.doubleKey.url).host, url: info.doubleKey.url } : null,
  };
}

/**
 * A row for a protected file whose header could not be read or fails its checks (a broken lineage, a writer
 * without EDIT): shown with its stable code, so a damaged or forged file is not silently missing, and not openable.
 */
export function problemRow(path: string, message: string, code: string | null = null): FileRow {
  return {
    path,
    label: null,
    labelRank: -1,
    protected: true,
    owner: null,
    people: [],
    expires: null,
    expired: false,
    yourRights: [],
    yourRole: null,
    denied: null,
    labeledBy: null,
    labeledAt: null,
    findings: null,
    problem: message,
    problemCode: code,
    signedBy: null,
    lastWrittenBy: null,
    rollback: null,
    actions: NO_ACTIONS,
  };
}
