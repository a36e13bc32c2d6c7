/**
 * The application service both hosts call: label, protect, open, edit, grant, revoke and list files on
 * disk, with the policy applied and every action audited. The CLI and the extension are thin shells over
 * these functions, so a rule is enforced in one place.
 */
import { promises as fs } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { SensitivityError, isSensitivityError, type ErrorCode } from '../core/errors.js';
import type { Identity, PublicIdentity } from '../core/identity.js';
import {
  byteSourceOf,
  decideAccess,
  defaultExpiry,
  findLabel,
  findPerson,
  getLabel,
  isDowngrade,
  memorySink,
  normalizeRights,
  openEnvelope,
  protect,
  readEnvelopeHeader,
  removeLabel as removeManifestLabel,
  removePath,
  replaceEnvelopeContent,
  resolveProtectionGrants,
  rewrapEnvelope,
  rightsOfRole,
  roleOfRights,
  setLabel,
  policySubject,
  type AuditEvent,
  type EnvelopeHeader,
  type EnvelopeInfo,
  type EnvelopeLabel,
  type GrantRequest,
  type Policy,
  type PolicyLabel,
  type Right,
} from '../core/index.js';
import type { ByteSink, ByteSource, Clock } from '../core/ports.js';
import { withLock } from './lock.js';
import { createExclusive, requireAbsent, requireFile, withAtomicFile, withReadHandle } from './node-io.js';
import type { Workspace } from './workspace.js';

export const PROTECTED_EXT = '.protected';

/** Who acts, where, when, and where their actions are recorded. */
export interface Session {
  readonly workspace: Workspace;
  readonly identity: Identity | undefined;
  readonly clock: Clock;
  audit(event: AuditEvent): Promise<void>;
}

/** A grant as people write it: an email (or identity id) and a role name. */
export interface GrantSpec {
  readonly who: string;
  readonly role: string;
}

/** One grantee as shown to people (inspect, the access panel). */
export interface AccessEntry {
  readonly id: string;
  readonly email: string;
  readonly name?: string;
  readonly role: string;
  readonly rights: readonly Right[];
  readonly recovery: boolean;
}

/** What `inspect --json` prints (stable; documented in README): nothing here needs the file key. */
export interface ProtectedInfo {
  readonly file: string;
  readonly version: number;
  readonly innerName: string;
  readonly contentType: string;
  readonly size: number;
  readonly contentId: string;
  readonly label: EnvelopeLabel;
  readonly owner: { readonly id: string; readonly email: string; readonly name: string };
  readonly grants: readonly AccessEntry[];
  readonly issued: string;
  readonly expires: string | null;
  readonly expired: boolean;
  /** The caller's rights (empty without identity or grant). */
  readonly yourRights: readonly Right[];
  /** Why the caller may not view, when they may not. */
  readonly denied: { readonly code: ErrorCode; readonly reason: string } | null;
}

/** A labeled file, plain or protected, as listings show it. */
export interface LabeledFile {
  /** Workspace-relative POSIX path. */
  readonly path: string;
  readonly label: EnvelopeLabel;
  readonly protected: ProtectedInfo | null;
  /** For plain files: who set the label and when. */
  readonly setBy?: { readonly email: string; readonly name?: string };
  readonly setAt?: string;
  readonly justification?: string;
}

const isProtectedPath = (p: string) => p.endsWith(PROTECTED_EXT);

function requireIdentity(s: Session): Identity {
  if (s.identity) return s.identity;
  throw new SensitivityError('E_NO_IDENTITY', 'you have no identity; create one with `sensitivity id new` (or "Sensitivity: My Identity" in VS Code)');
}

const actor = (s: Session) => (s.identity ? { id: s.identity.id, email: s.identity.email } : null);

const DENIALS: readonly ErrorCode[] = ['E_NO_IDENTITY', 'E_NOT_GRANTEE', 'E_RIGHT_MISSING', 'E_EXPIRED'];

/** Runs `f` on a protected file; a denial is audited as `open.denied` before it propagates. Names the file in errors. */
async function guarded<T>(s: Session, abs: string, right: Right, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (isSensitivityError(e) && DENIALS.includes(e.code)) {
      await s.audit({ action: 'open.denied', actor: actor(s), file: s.workspace.relPath(abs), right, code: e.code, reason: e.message });
    }
    throw isSensitivityError(e) ? e.withFile(abs) : e;
  }
}

const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.md': 'text/markdown', '.txt': 'text/plain', '.json': 'application/json', '.csv': 'text/csv', '.html': 'text/html',
  '.ts': 'text/x-typescript', '.js': 'text/javascript', '.py': 'text/x-python', '.yaml': 'application/yaml',
  '.yml': 'application/yaml', '.xml': 'application/xml', '.pdf': 'application/pdf', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.env': 'text/plain', '.sql': 'application/sql', '.sh': 'text/x-shellscript',
};

/** The label a plain file carries in the manifest, or undefined. */
async function manifestLabel(s: Session, rel: string) {
  return getLabel(await s.workspace.manifest(), rel);
}

function toEnvelopeLabel(l: PolicyLabel): EnvelopeLabel {
  return { id: l.id, name: l.displayName ?? l.name };
}

/** Access entries of a policy's grants, with role names (custom roles from the workspace policy). */
function accessEntries(info: EnvelopeHeader | EnvelopeInfo): AccessEntry[] {
  return info.policy.grants.map((g) => ({
    id: g.id,
    email: g.email,
    ...(g.name ? { name: g.name } : {}),
    role: roleOfRights(g.rights),
    rights: normalizeRights(g.rights),
    recovery: g.recovery === true,
  }));
}

/** Describes a protected file from its header alone (no decryption) and the caller's rights. */
export async function inspectProtected(s: Session, abs: string): Promise<ProtectedInfo> {
  const h = await withReadHandle(abs, (file) => readEnvelopeHeader(file.source())).catch((e: unknown) => {
    throw isSensitivityError(e) ? e.withFile(abs) : e;
  });
  const now = s.clock.now();
  const view = decideAccess(policySubject(h.policy), s.identity?.id, 'VIEW', now);
  return {
    file: s.workspace.relPath(abs),
    version: h.layout.version,
    innerName: h.innerName,
    contentType: h.contentType,
    size: h.layout.plaintextLength,
    contentId: h.policy.cid,
    label: h.policy.label,
    owner: { id: h.policy.owner.id, email: h.policy.owner.email, name: h.policy.owner.name },
    grants: accessEntries(h),
    issued: new Date(h.policy.iat * 1000).toISOString(),
    expires: h.policy.exp === undefined ? null : new Date(h.policy.exp * 1000).toISOString(),
    expired: h.policy.exp !== undefined && now.getTime() >= h.policy.exp * 1000,
    yourRights: view.rights,
    denied: view.allowed ? null : { code: view.code, reason: view.reason },
  };
}

/** The label of a file: from its envelope when protected (authoritative), else from the manifest. */
export async function labelOf(s: Session, abs: string): Promise<LabeledFile | undefined> {
  const rel = s.workspace.relPath(abs);
  if (isProtectedPath(abs)) {
    const info = await inspectProtected(s, abs);
    return { path: rel, label: info.label, protected: info };
  }
  const entry = await manifestLabel(s, rel);
  if (!entry) return undefined;
  const policy = await s.workspace.policy();
  const label = findLabel(policy, entry.label);
  return {
    path: rel,
    label: toEnvelopeLabel(label),
    protected: null,
    setBy: entry.setBy,
    setAt: entry.setAt,
    ...(entry.justification ? { justification: entry.justification } : {}),
  };
}

/** Applies a label to a plain file (manifest) or a protected one (re-signed envelope; needs OWNER). */
export async function applyLabel(s: Session, abs: string, query: string, opts: { justification?: string } = {}): Promise<{ from?: string; to: string; direction: string }> {
  const policy = await s.workspace.policy();
  const label = findLabel(policy, query, { applicable: true });
  const rel = s.workspace.relPath(abs);
  const id = requireIdentity(s);
  if (isProtectedPath(abs)) {
    const info = await inspectProtected(s, abs);
    const from = info.label.id;
    const direction = from === label.id ? 'same' : isDowngrade(policy, from, label.id) ? 'downgrade' : 'upgrade';
    if (direction === 'downgrade' && policy.requireDowngradeJustification && !opts.justification?.trim()) {
      throw new SensitivityError('E_JUSTIFICATION_REQUIRED', `lowering the label from ${info.label.name} to ${label.name} needs a justification (--justification TEXT)`, abs);
    }
    await rewriteProtected(s, abs, 'OWNER', (src, sink) => rewrapEnvelope(src, sink, id, { label: toEnvelopeLabel(label) }, { clock: s.clock }), {
      action: 'label.set', actor: actor(s), file: rel, from, to: label.id, direction, ...(opts.justification ? { justification: opts.justification } : {}),
    });
    return { from, to: label.id, direction };
  }
  await requireFile(abs);
  const { change } = await s.workspace.updateManifest(async (m) => {
    const r = setLabel(m, rel, label.id, { id: id.id, email: id.email, name: id.name }, {
      policy,
      now: s.clock.now(),
      ...(opts.justification ? { justification: opts.justification } : {}),
    });
    // Logged before labels.json changes: a change that cannot be logged does not happen.
    await s.audit({ action: 'label.set', actor: actor(s), file: rel, ...r.change, ...(opts.justification ? { justification: opts.justification } : {}) });
    return r;
  });
  return change;
}

/** Removes a plain file's label (a downgrade to none: justification rules apply). */
export async function removeLabel(s: Session, abs: string, opts: { justification?: string } = {}): Promise<void> {
  if (isProtectedPath(abs)) throw new SensitivityError('E_USAGE', 'a protected file always carries a label; unprotect it first or change its label', abs);
  const rel = s.workspace.relPath(abs);
  const policy = await s.workspace.policy();
  await s.workspace.updateManifest(async (m) => {
    const r = removeManifestLabel(m, rel, { policy, ...(opts.justification ? { justification: opts.justification } : {}) });
    await s.audit({ action: 'label.remove', actor: actor(s), file: rel, ...r.change, ...(opts.justification ? { justification: opts.justification } : {}) });
    return r;
  });
}

/** Resolves grant specs against the people directory and the policy's roles. */
async function grantRequests(s: Session, policy: Policy, specs: readonly GrantSpec[]): Promise<GrantRequest[]> {
  const people = await s.workspace.people();
  return specs.map((g) => ({ person: findPerson(people, g.who), rights: rightsOfRole(g.role, policy.roles ?? {}) }));
}

/** Long-running file work: cancelled through `signal` (the temp file is removed), progress in bytes read. */
export interface Cancellable {
  readonly signal?: AbortSignal;
  readonly onProgress?: (bytesRead: number) => void;
}

/** `source` reporting bytes read and stopping with "cancelled" when `c.signal` aborts. */
async function* watchedSource(source: ByteSource, abs: string, c: Cancellable): AsyncIterable<Uint8Array> {
  let read = 0;
  for await (const chunk of source) {
    if (c.signal?.aborted) throw new SensitivityError('E_USAGE', 'cancelled', abs);
    read += chunk.length;
    c.onProgress?.(read);
    yield chunk;
  }
}

export interface ProtectRequest extends Cancellable {
  /** Label query; default: the file's manifest label, else the policy's default label. */
  readonly label?: string;
  readonly grants?: readonly GrantSpec[];
  /** Overrides the label's default expiry. */
  readonly expires?: Date;
  /** Keep the plain file (default: removed once the envelope is safely in place). */
  readonly keep?: boolean;
  readonly justification?: string;
}

/** Protects a plain file into `FILE.protected` (atomic); the owner is always Co-Owner. */
export async function protectFile(s: Session, abs: string, req: ProtectRequest = {}): Promise<{ output: string; info: EnvelopeInfo }> {
  const owner = requireIdentity(s);
  if (isProtectedPath(abs)) throw new SensitivityError('E_USAGE', 'is already protected', abs);
  const stat = await fs.stat(abs).catch(() => undefined);
  if (!stat?.isFile()) throw new SensitivityError('E_NOT_FOUND', 'no such file; check the path', abs);
  const output = abs + PROTECTED_EXT;
  await requireAbsent(output, 'unprotect or remove it first');
  const rel = s.workspace.relPath(abs);
  const policy = await s.workspace.policy();
  const current = await manifestLabel(s, rel);
  const query = req.label ?? current?.label ?? policy.defaultLabel;
  if (!query) throw new SensitivityError('E_USAGE', 'has no label and the policy has no default label; pass --label LABEL', abs);
  const label = findLabel(policy, query, { applicable: true });
  if (current && current.label !== label.id && isDowngrade(policy, current.label, label.id) && policy.requireDowngradeJustification && !req.justification?.trim()) {
    throw new SensitivityError('E_JUSTIFICATION_REQUIRED', `protecting with ${label.name} lowers the file's label; give a justification`, abs);
  }
  const people = await s.workspace.people();
  const defaults = resolveProtectionGrants(policy, label, people);
  const explicit = await grantRequests(s, policy, req.grants ?? []);
  // Explicit grants win over the label's defaults for the same person.
  const grants = [...defaults.filter((d) => !explicit.some((e) => e.person.id === d.person.id)), ...explicit];
  const expires = req.expires ?? defaultExpiry(label, s.clock.now());
  const info = await withReadHandle(abs, (src) =>
    createExclusive(
      output,
      (sink) =>
        protect(watchedSource(src.source(), abs, req), sink, {
          owner,
          label: toEnvelopeLabel(label),
          grants,
          recovery: (policy.recovery ?? []) as PublicIdentity[],
          ...(expires ? { expires } : {}),
          innerName: basename(abs),
          contentType: MEDIA_TYPES[extname(abs).toLowerCase()] ?? 'application/octet-stream',
          size: src.size,
          clock: s.clock,
        }),
      {
        // Logged before the envelope appears: an action that cannot be logged does not happen.
        beforeCommit: (made) =>
          s.audit({
            action: 'protect',
            actor: actor(s),
            file: s.workspace.relPath(output),
            label: label.id,
            grantees: made.policy.grants.map((g) => ({ email: g.email, role: roleOfRights(g.rights) })),
            ...(made.policy.exp ? { expires: new Date(made.policy.exp * 1000).toISOString() } : {}),
          }),
      },
    ),
  ).catch((e: unknown) => {
    throw isSensitivityError(e) ? e.withFile(abs) : e;
  });
  if (!req.keep) {
    await fs.rm(abs);
    if (current) await s.workspace.updateManifest((m) => ({ manifest: removePath(m, rel) }));
  }
  return { output, info };
}

/** Writes the plain content of `FILE.protected` back to `FILE` (needs EXPORT), atomically; the label moves to the manifest. */
export async function unprotectFile(s: Session, abs: string, opts: { keep?: boolean } & Cancellable = {}): Promise<{ output: string }> {
  const id = requireIdentity(s);
  if (!isProtectedPath(abs)) throw new SensitivityError('E_USAGE', `is not a protected file (no ${PROTECTED_EXT} extension)`, abs);
  const output = abs.slice(0, -PROTECTED_EXT.length);
  // The plaintext gets the envelope's mode, is created exclusively (never over a file that appears
  // meanwhile), and is logged before it becomes visible.
  const opened = await withReadHandle(abs, async (src) => {
    await requireAbsent(output, 'move it away first so nothing is overwritten');
    return guarded(s, abs, 'EXPORT', () =>
      createExclusive(output, (sink) => openEnvelope(watchedSource(src.source(), abs, opts), sink, id, { right: 'EXPORT', sourceLength: src.size, clock: s.clock }), {
        mode: src.mode,
        beforeCommit: (o) => s.audit({ action: 'unprotect', actor: actor(s), file: s.workspace.relPath(abs), label: o.policy.label.id }),
      }),
    );
  });
  const rel = s.workspace.relPath(output);
  const policy = await s.workspace.policy();
  const known = safeFindLabel(policy, opened.policy.label.id);
  if (known) {
    await s.workspace.updateManifest((m) => setLabel(m, rel, known.id, { id: id.id, email: id.email, name: id.name }, { policy, now: s.clock.now(), force: true }));
  }
  if (!opts.keep) await fs.rm(abs);
  return { output };
}

function safeFindLabel(policy: Policy, id: string): PolicyLabel | undefined {
  try {
    return findLabel(policy, id, { applicable: true });
  } catch {
    return undefined;
  }
}

/**
 * Streams the plaintext of a protected file to `sink` (needs VIEW). The whole file is authenticated
 * first (a verify-only pass), so a terminal never shows a byte of a tampered or truncated file.
 */
export async function catProtected(s: Session, abs: string, sink: ByteSink): Promise<void> {
  const id = requireIdentity(s);
  // One descriptor for both passes: a file swapped under the name meanwhile is never read.
  await withReadHandle(abs, (src) =>
    guarded(s, abs, 'VIEW', async () => {
      const opts = { sourceLength: src.size, clock: s.clock };
      await openEnvelope(src.source(), null, id, opts);
      await s.audit({ action: 'open', actor: actor(s), file: s.workspace.relPath(abs) });
      await openEnvelope(src.source(), sink, id, opts);
    }),
  );
}

/** The whole plaintext of a protected file in memory, authenticated, with the caller's rights (editors). */
export async function readProtected(s: Session, abs: string): Promise<{ content: Uint8Array; rights: readonly Right[]; info: EnvelopeInfo }> {
  const id = requireIdentity(s);
  const sink = memorySink();
  const opened = await withReadHandle(abs, (src) => guarded(s, abs, 'VIEW', () => openEnvelope(src.source(), sink, id, { sourceLength: src.size, clock: s.clock })));
  await s.audit({ action: 'open', actor: actor(s), file: s.workspace.relPath(abs) });
  return { content: sink.bytes(), rights: opened.rights, info: opened };
}

/** Replaces the content of a protected file in place, same policy and recipients (needs EDIT), atomically. */
export async function writeProtected(s: Session, abs: string, content: Uint8Array): Promise<void> {
  const id = requireIdentity(s);
  await rewriteProtected(s, abs, 'EDIT', (src, sink) => replaceEnvelopeContent(src, byteSourceOf(content), sink, id, { size: content.length, clock: s.clock }), {
    action: 'edit', actor: actor(s), file: s.workspace.relPath(abs), size: content.length,
  });
}

/**
 * Rewrites a protected file through `transform` into a temp file renamed over it, holding its lock (one
 * rewriter at a time); `event` is logged before the new file replaces the old (not logged: not done).
 */
async function rewriteProtected(s: Session, abs: string, right: Right, transform: (src: AsyncIterable<Uint8Array>, sink: ByteSink) => Promise<unknown>, event: AuditEvent): Promise<void> {
  await requireFile(abs);
  await withLock(abs, () =>
    withReadHandle(abs, (src) =>
      guarded(s, abs, right, () => withAtomicFile(abs, (sink) => transform(src.source(), sink), { mode: src.mode, beforeCommit: () => s.audit(event) })),
    ),
  );
}

/** Grants people roles on a protected file (needs OWNER); keeps the file key. */
export async function grantAccess(s: Session, abs: string, specs: readonly GrantSpec[]): Promise<void> {
  const id = requireIdentity(s);
  const grant = await grantRequests(s, await s.workspace.policy(), specs);
  await rewriteProtected(s, abs, 'OWNER', (src, sink) => rewrapEnvelope(src, sink, id, { grant }, { clock: s.clock }), {
    action: 'grant', actor: actor(s), file: s.workspace.relPath(abs), grantees: specs.map((g) => ({ who: g.who, role: g.role })),
  });
}

/** Revokes people's access (needs OWNER): removes their grants and rotates the file key. */
export async function revokeAccess(s: Session, abs: string, who: readonly string[]): Promise<void> {
  const id = requireIdentity(s);
  await rewriteProtected(s, abs, 'OWNER', (src, sink) => rewrapEnvelope(src, sink, id, { revoke: who }, { clock: s.clock }), {
    action: 'revoke', actor: actor(s), file: s.workspace.relPath(abs), revoked: [...who], rotated: true,
  });
}

const SKIP_DIRS = new Set(['.git', 'node_modules', '.sensitivity', '.hg', '.svn']);

/** Every labeled plain file (manifest) and every protected file under `dir`, sorted by path. */
export async function listLabeled(s: Session, dir: string, opts: { signal?: AbortSignal; onFile?: (rel: string) => void } = {}): Promise<LabeledFile[]> {
  const out: LabeledFile[] = [];
  const manifest = await s.workspace.manifest();
  const prefix = dir === s.workspace.root ? '' : s.workspace.relPath(dir) + '/';
  for (const rel of Object.keys(manifest.files)) {
    if (!rel.startsWith(prefix)) continue;
    const labeled = await labelOf(s, join(s.workspace.root, rel)).catch(() => undefined);
    if (labeled) out.push(labeled);
  }
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      if (opts.signal?.aborted) throw new SensitivityError('E_USAGE', 'cancelled');
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(p);
      } else if (e.isFile() && isProtectedPath(e.name)) {
        opts.onFile?.(s.workspace.relPath(p));
        const info = await inspectProtected(s, p).catch(() => undefined);
        if (info) out.push({ path: info.file, label: info.label, protected: info });
      }
    }
  };
  await walk(dir);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

