/**
 * The access panel's message protocol, both directions, in one file (the vscode-hexeditor
 * `shared/protocol.ts` and GitLens `IpcRequest<Params, Result>` pattern). The webview is untrusted: the
 * host runs `validateWebviewMessage` on every message it receives. Only view models cross: never keys,
 * tokens or file content.
 */
import type { Right } from '../core/rights.js';
import type { Witness } from '../core/app/versions.js';

/** Bumped on any incompatible change; the webview announces it in `ready`. */
export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------------------------------
// View model (host → webview)

/** A label of the policy, as the panel shows it. */
export interface LabelView {
  readonly id: string;
  /** "Confidential / All Employees" for a sublabel. */
  readonly name: string;
  readonly description: string;
  /** "#rrggbb", or a theme color id such as "charts.red"; null for none. */
  readonly color: string | null;
  /** Priority: higher is more sensitive. */
  readonly rank: number;
  /** False for a parent label with sublabels. */
  readonly applicable: boolean;
  /** The parent label's id, for a sublabel. */
  readonly parent: string | null;
}

/** Someone who can open a file: its owner or a grantee. */
export interface PersonView {
  readonly id: string;
  readonly name: string | null;
  readonly email: string;
  /** Viewer, Reviewer, Co-Author, Co-Owner, a custom role, or "Owner". */
  readonly role: string;
  readonly rights: readonly Right[];
  readonly owner: boolean;
  /** A policy recovery key (the organisation's super user): not revocable from the panel. */
  readonly recovery: boolean;
  /** This is you. */
  readonly you: boolean;
  /** The identity's fingerprint (six groups of five digits) to compare with the person. */
  readonly fingerprint: string;
}

/**
 * Who signed something (a policy version, a write), as far as you can tell (issue 9): `verified` only when
 * your pins know the key as that person; otherwise the document's own claim, which anyone could write.
 */
export interface SignerRow {
  readonly verified: boolean;
  /** The key's fingerprint (six groups of five digits). */
  readonly fingerprint: string;
  /** The pinned person's name or email when verified, else what the document claims (untrusted), or null. */
  readonly name: string | null;
  /** The whole verdict in words ("Alice <alice@example.com> (verified, …)" / "an unverified key … (claims to be …)"). */
  readonly words: string;
}

/** What you may ask the host to do with a file (the host checks again before acting). */
export interface FileActions {
  /** False for a file whose header fails its checks (a problem row): there is nothing to open. */
  readonly open: boolean;
  readonly applyLabel: boolean;
  readonly protect: boolean;
  readonly grant: boolean;
  readonly revoke: boolean;
  /** Change when the content expires (owners; after expiry only when the policy lets owners renew). */
  readonly expiry: boolean;
  /** Accept this older copy as the current version (an owner, on a rollback). */
  readonly restore: boolean;
}

/** One labeled or protected file. `path` is its key in every request. */
export interface FileRow {
  /** Workspace-relative POSIX path; prefixed with the folder name in a multi-root workspace. */
  readonly path: string;
  readonly label: { readonly id: string; readonly name: string } | null;
  /** The label's rank in the policy, -1 when the policy does not know it (sorting). */
  readonly labelRank: number;
  readonly protected: boolean;
  readonly owner: PersonView | null;
  /** Everyone named in a protected file's policy (owner first); empty for plain files. */
  readonly people: readonly PersonView[];
  /** ISO 8601 expiry of a protected file's content, or null. */
  readonly expires: string | null;
  readonly expired: boolean;
  /** Your rights: every right for a plain file, the policy's grant for a protected one. */
  readonly yourRights: readonly Right[];
  /** Your role name, or null when you have no access. */
  readonly yourRole: string | null;
  /** Why you cannot open it, or null. */
  readonly denied: string | null;
  /** Who set a plain file's label, and when. */
  readonly labeledBy: string | null;
  readonly labeledAt: string | null;
  /** Content that needs a higher label than the file has (issue 5), or null. */
  readonly findings: { readonly count: number; readonly recommended: string } | null;
  /** Why the file could not be read (damaged header, unknown version, a broken lineage or write signature), or null. */
  readonly problem: string | null;
  /** The stable error code of the problem (E_LINEAGE, E_WRITER_NOT_ALLOWED, E_INTEGRITY…), or null. */
  readonly problemCode: string | null;
  /** Who signed the protected file's current access policy, or null for plain files. */
  readonly signedBy: SignerRow | null;
  /** Who last wrote a protected file's content, and when (ISO 8601); null for plain and format-1 files. */
  readonly lastWrittenBy: { readonly signer: SignerRow; readonly at: string } | null;
  /** An older copy (E_ROLLBACK): its policy version, the newest seen, and where (memory, git, the organisation's witness). */
  readonly rollback: { readonly version: number; readonly seen: number; readonly by: Witness } | null;
  readonly actions: FileActions;
  /** A Double Key file (issue 10): access also depends on the organisation's key service at `url` (`host` for short). */
  readonly doubleKey?: { readonly host: string; readonly url: string } | null;
}

/** The whole panel state the host owns. */
export interface ViewModel {
  readonly status: 'indexing' | 'ready' | 'cancelled' | 'error' | 'no-folder';
  /** Your identity (public part only), or null before one exists. */
  readonly identity: { readonly name: string; readonly email: string } | null;
  readonly labels: readonly LabelView[];
  readonly files: readonly FileRow[];
  /** The failure, when status is "error" (already in words for people). */
  readonly error: string | null;
}

// ---------------------------------------------------------------------------------------------------
// Requests (webview → host), matched to responses by id

/** Every request: its params and the typed result the host answers with. */
export interface Requests {
  /** Re-index the workspace. */
  refresh: { params: Record<string, never>; result: null };
  /** Stop indexing (the rows found so far stay). */
  cancelIndexing: { params: Record<string, never>; result: null };
  openFile: { params: { path: string }; result: null };
  /** Without a path: label a file of the user's choice (the empty state's button). */
  applyLabel: { params: { path?: string }; result: null };
  protect: { params: { path: string }; result: null };
  grant: { params: { path: string }; result: null };
  revoke: { params: { path: string; personId: string }; result: null };
  /** Stop sharing every file you own with one person (the person view; the host asks first). */
  revokeAll: { params: { personId: string }; result: null };
  /** Change when a protected file expires (the host asks how long, and checks you may). */
  changeExpiry: { params: { path: string }; result: null };
  /** Accept an older copy of a protected file as its current version (the host asks first). */
  acceptRestore: { params: { path: string }; result: null };
  createIdentity: { params: Record<string, never>; result: null };
  /** Bring in the identity the CLI or another machine uses. */
  importIdentity: { params: Record<string, never>; result: null };
  /** Open the audit view (issue 22). */
  showAuditLog: { params: Record<string, never>; result: null };
}

export type RequestType = keyof Requests;
export type Params<K extends RequestType> = Requests[K]['params'];
export type Result<K extends RequestType> = Requests[K]['result'];

/** A request of one type. */
export type RequestOf<K extends RequestType> = { readonly type: K; readonly id: number; readonly params: Params<K> };
/** Any request. */
export type Request = { [K in RequestType]: RequestOf<K> }[RequestType];

/** The webview has loaded its script and listens; the host answers with the view model. */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly protocol: number;
}

/** Everything the webview may send. */
export type WebviewMessage = ReadyMessage | Request;

// ---------------------------------------------------------------------------------------------------
// Host → webview

export interface ModelMessage {
  readonly type: 'model';
  readonly model: ViewModel;
}

/** Indexing progress: files read so far out of `total` found. */
export interface ProgressMessage {
  readonly type: 'progress';
  readonly done: number;
  readonly total: number;
}

/** The answer to request `id`: its typed result, or an error in words for people. */
export type ResponseMessage =
  | { [K in RequestType]: { readonly type: 'response'; readonly id: number; readonly request: K; readonly ok: true; readonly result: Result<K> } }[RequestType]
  | { readonly type: 'response'; readonly id: number; readonly request: RequestType; readonly ok: false; readonly error: string };

export type HostMessage = ModelMessage | ProgressMessage | ResponseMessage;

// ---------------------------------------------------------------------------------------------------
// Validation of untrusted webview messages

/** Longest path accepted (Linux PATH_MAX). */
export const MAX_PATH_LENGTH = 4096;
/** Longest identity id accepted (RFC 7638 SHA-256 thumbprints are 43 characters). */
export const MAX_ID_LENGTH = 128;

/** What the host currently shows: requests may only name these files and people. */
export interface ValidationContext {
  readonly files: ReadonlyMap<string, FileRow>;
}

/** A verdict; a rejected request with a usable id and type names them, so the host can answer it. */
export type Validation =
  | { readonly ok: true; readonly message: WebviewMessage }
  | { readonly ok: false; readonly reason: string; readonly request?: { readonly id: number; readonly type: RequestType } };

type Check = string | null;
export type Fields = Readonly<Record<string, unknown>>;

const REQUEST_TYPES: readonly RequestType[] = [
  'refresh',
  'cancelIndexing',
  'openFile',
  'applyLabel',
  'protect',
  'grant',
  'revoke',
  'revokeAll',
  'changeExpiry',
  'acceptRestore',
  'createIdentity',
  'importIdentity',
  'showAuditLog',
];

/** A plain object (no class instance, array or null): the only kind of message the webviews send. */
export function isPlainObject(v: unknown): v is Fields {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Exactly these keys (`optional` may be absent): anything extra is a message we did not define. */
export function keys(o: Fields, required: readonly string[], optional: readonly string[] = []): Check {
  for (const k of required) if (!Object.hasOwn(o, k)) return `missing field ${k}`;
  // The unexpected key is not named: it is the sender's text, and reasons are logged.
  for (const k of Object.keys(o)) if (!required.includes(k) && !optional.includes(k)) return 'unexpected field';
  return null;
}

function boundedString(v: unknown, field: string, max: number): Check {
  if (typeof v !== 'string') return `${field} is not a string`;
  if (v.length === 0) return `${field} is empty`;
  if (v.length > max) return `${field} is longer than ${max}`;
  return null;
}

/** A workspace-relative path that is in the current view model (lexical checks first, so a bad path never reaches a lookup). */
function knownPath(v: unknown, ctx: ValidationContext): Check | FileRow {
  const bad = boundedString(v, 'path', MAX_PATH_LENGTH);
  if (bad) return bad;
  const path = v as string;
  if (path.includes('\0') || path.includes('\\') || path.startsWith('/') || /^[a-zA-Z]:/.test(path)) return 'path is not workspace-relative';
  if (path.split('/').some((s) => s === '..' || s === '.' || s === '')) return 'path is not normalized';
  return ctx.files.get(path) ?? 'path is not in the view model';
}

const isRow = (v: Check | FileRow): v is FileRow => typeof v === 'object' && v !== null;

/** Params of one request type: `null` when valid, else why not. */
function checkParams(type: RequestType, p: Fields, ctx: ValidationContext): Check {
  switch (type) {
    case 'refresh':
    case 'cancelIndexing':
    case 'createIdentity':
    case 'importIdentity':
    case 'showAuditLog':
      return keys(p, []);
    case 'applyLabel': {
      const k = keys(p, [], ['path']);
      if (k || p.path === undefined) return k;
      const row = knownPath(p.path, ctx);
      return isRow(row) ? (row.actions.applyLabel ? null : 'applyLabel is not allowed on this file') : row;
    }
    case 'openFile':
    case 'protect':
    case 'grant':
    case 'changeExpiry':
    case 'acceptRestore': {
      const k = keys(p, ['path']);
      if (k) return k;
      const row = knownPath(p.path, ctx);
      if (!isRow(row)) return row;
      const allowed = { openFile: 'open', protect: 'protect', grant: 'grant', changeExpiry: 'expiry', acceptRestore: 'restore' } as const;
      return row.actions[allowed[type]] ? null : `${type} is not allowed on this file`;
    }
    case 'revoke': {
      const k = keys(p, ['path', 'personId']) ?? boundedString(p.personId, 'personId', MAX_ID_LENGTH);
      if (k) return k;
      const row = knownPath(p.path, ctx);
      if (!isRow(row)) return row;
      if (!row.actions.revoke) return 'revoke is not allowed on this file';
      const person = row.people.find((x) => x.id === p.personId);
      if (!person) return 'personId is not a grantee of this file';
      if (person.owner || person.recovery) return 'the owner and recovery keys cannot be revoked here';
      return null;
    }
    case 'revokeAll': {
      const k = keys(p, ['personId']) ?? boundedString(p.personId, 'personId', MAX_ID_LENGTH);
      if (k) return k;
      return revocableFiles(ctx.files.values(), p.personId as string).length > 0 ? null : 'personId has no access you can revoke';
    }
  }
}

/** The files on which `personId`'s access may be revoked (you own them; they are a grantee, not the owner or a recovery key). */
export function revocableFiles(files: Iterable<FileRow>, personId: string): FileRow[] {
  return [...files].filter((f) => f.actions.revoke && f.people.some((x) => x.id === personId && !x.owner && !x.recovery));
}

/**
 * Checks a message from the webview against the protocol and the current view model. The reason never
 * quotes the message (it may hold anything), so it is safe to log.
 */
export function validateWebviewMessage(raw: unknown, ctx: ValidationContext): Validation {
  const fail = (reason: string): Validation => ({ ok: false, reason });
  if (!isPlainObject(raw)) return fail('not an object');
  const type = raw.type;
  if (type === 'ready') {
    const k = keys(raw, ['type', 'protocol']);
    if (k) return fail(`ready: ${k}`);
    if (raw.protocol !== PROTOCOL_VERSION) return fail('ready: unsupported protocol version');
    return { ok: true, message: { type: 'ready', protocol: PROTOCOL_VERSION } };
  }
  if (typeof type !== 'string' || !(REQUEST_TYPES as readonly string[]).includes(type)) return fail('unknown message type');
  const requestType = type as RequestType;
  const id = raw.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return fail(`${requestType}: id is not a non-negative integer`);
  const refuse = (reason: string): Validation => ({ ok: false, reason: `${requestType}: ${reason}`, request: { id, type: requestType } });
  const k = keys(raw, ['type', 'id', 'params']);
  if (k) return refuse(k);
  if (!isPlainObject(raw.params)) return refuse('params is not an object');
  const bad = checkParams(requestType, raw.params, ctx);
  if (bad) return refuse(bad);
  // Rebuilt from checked fields only, so nothing unvalidated (prototype tricks, getters) reaches handlers.
  const params = Object.fromEntries(Object.entries(raw.params).map(([key, value]) => [key, value as string]));
  return { ok: true, message: { type: requestType, id, params } as Request };
}
