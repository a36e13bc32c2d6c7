/**
 * The ports of the application layer: what an operation needs from its host, and nothing more. Paths are
 * workspace-relative POSIX paths ("docs/plan.md"); the host maps them to its files. Node implements these
 * in `src/node/ports.ts`; unit tests use the in-memory versions in `test/unit/app/memory-ports.ts`.
 */
import type { AuditEvent } from '../audit/index.js';
import type { Identity, PublicIdentity } from '../identity.js';
import type { LabelsManifest } from '../labels/index.js';
import type { PeopleDirectory } from '../people.js';
import type { Policy } from '../policy/index.js';
import type { KeyServiceClient, SignedHistory } from '../envelope/index.js';
import type { WitnessRegistration } from '../org/index.js';
import type { Clock, PatchableSink, RandomAccessSource, RandomSource } from '../ports.js';

/**
 * A file opened for reading: read at any offset through one descriptor, so one handle serves a whole
 * operation and a path is never opened twice (a file swapped in meanwhile is never read).
 */
export interface ReadHandle extends RandomAccessSource {
  /** Permission bits (mode & 0o777). */
  readonly mode: number;
  close(): Promise<void>;
}

/** A directory entry. */
export interface DirEntry {
  readonly name: string;
  readonly kind: 'file' | 'dir' | 'other';
}

/** The workspace's files. Every write is atomic: a crash leaves the old file or the new one. */
export interface FileAccess {
  /** Opens a regular file (E_NOT_FOUND when absent, E_USAGE when not a regular file). */
  open(path: string): Promise<ReadHandle>;
  /** True when something exists at `path`. */
  exists(path: string): Promise<boolean>;
  /**
   * Creates a new file from what `produce` writes: E_EXISTS if `path` exists when the file is put in
   * place (never overwritten, however late it appeared); nothing is left behind when `produce` throws.
   * `durable` (default true): its bytes reach the disk (fsync) before it takes the name; false only when
   * the caller keeps the data elsewhere too (protect and unprotect with keep: the source stays).
   */
  create<T>(path: string, mode: number, produce: (sink: PatchableSink) => Promise<T>, opts?: { readonly durable?: boolean }): Promise<T>;
  /** Replaces `path` (which must exist) with what `produce` writes, atomically. */
  replace<T>(path: string, mode: number, produce: (sink: PatchableSink) => Promise<T>): Promise<T>;
  /** Removes a file (no error when it is already gone). */
  remove(path: string): Promise<void>;
  /** Runs `f` holding the exclusive lock of `path` (between processes too; a crashed holder's lock is broken). */
  withLock<T>(path: string, f: () => Promise<T>): Promise<T>;
  /** The entries of a folder ("" is the workspace root). */
  list(dir: string): Promise<readonly DirEntry[]>;
}

/** The workspace's policy, people directory and labels manifest. Updates are read-modify-write under a lock. */
export interface WorkspaceStore {
  /** The workspace policy, or the embedded default. */
  policy(): Promise<Policy>;
  people(): Promise<PeopleDirectory>;
  /** Applies `change` to the current directory under its lock; `undefined` from `change` writes nothing. */
  updatePeople(change: (people: PeopleDirectory) => Promise<PeopleDirectory | undefined> | PeopleDirectory | undefined): Promise<PeopleDirectory>;
  manifest(): Promise<LabelsManifest>;
  /** Applies `change` to the current manifest under its lock; `undefined` from `change` writes nothing. */
  updateManifest(change: (manifest: LabelsManifest) => Promise<LabelsManifest | undefined> | LabelsManifest | undefined): Promise<LabelsManifest>;
}

/** Where security events go. An append that fails throws: the operation then does not take effect. */
export interface AuditSink {
  append(event: AuditEvent): Promise<void>;
}

/**
 * The people this user has pinned (kept in their home folder, never in the workspace): the first identity
 * seen for an email or id is pinned; a different key for a pinned email or id is refused until confirmed.
 */
export interface PinStore {
  /** The pinned identity whose id (signing-key thumbprint) is `id`, if any. */
  byId(id: string): Promise<PublicIdentity | undefined>;
  /** The pinned identity for this (normalised) email, if any. */
  byEmail(email: string): Promise<PublicIdentity | undefined>;
  /**
   * Pins `identity`: 'new' when first seen, 'same' when already pinned with these keys; when its email or
   * id is pinned to other keys, E_KEY_CHANGED (details: both fingerprints) unless `confirmChange`, then 'changed'.
   */
  pin(identity: PublicIdentity, options?: { readonly confirmChange?: boolean }): Promise<'new' | 'same' | 'changed'>;
  /** When the identity with this id was pinned (ISO 8601), where the store records it. */
  pinnedSince?(id: string): Promise<string | undefined>;
}

/**
 * The sets of workspace keys (recovery recipients, the organisation) this user has accepted, by digest (home
 * folder, never the workspace): a workspace policy's keys take effect only once accepted.
 */
export interface KeyAcceptance {
  /** 'ignore': the workspace's keys are never used here (VS Code's restricted mode); files are protected without them. */
  readonly mode: 'ask' | 'ignore';
  isAccepted(digest: string): Promise<boolean>;
  /** Records the acceptance of the key set with this digest (`what`: the fingerprints shown, kept for the record). */
  accept(digest: string, what: readonly string[]): Promise<void>;
}

/** The head of a file's access history: its policy versions' digests, version 1 first, and who signed the last. */
export interface HistoryHead {
  /** b64u SHA-256 of each policy version's JWS (`EnvelopeInfo.history`); its length is the head's version. */
  readonly history: readonly string[];
  /** Who signed the head: identity id and the email the policy claims (shown, not trusted). */
  readonly signer: { readonly id: string; readonly email: string };
}

/**
 * The head of each file's access history this user has accepted (home folder, never the workspace), per line
 * (`EnvelopeInfo.lineageId`): a version that does not extend it is a fork, one it extends is older.
 */
export interface VersionMemory {
  head(lineId: string): Promise<HistoryHead | undefined>;
  /**
   * Records `head` when it extends the remembered one (or none is remembered); an older or forked head changes
   * nothing. `signed`, the head's signed history, is kept with it (for owners: what a restore builds on).
   */
  remember(lineId: string, head: HistoryHead, signed?: SignedHistory): Promise<void>;
  /** The signed history kept with the remembered head, if one was. */
  signed(lineId: string): Promise<SignedHistory | undefined>;
  /** True when a format-2 file with this content id was accepted (a format-1 file with it is a downgrade). */
  seenInFormat2(cid: string): Promise<boolean>;
  /** The organisation witness's head last answered for this line (a verified receipt's word), if one was. */
  organisationHead(lineId: string): Promise<OrganisationHead | undefined>;
  /**
   * Records `head`, taken from a receipt that verified against the organisation's pinned key for this line, unless
   * the one kept was signed later (`replacesOrganisationHead`): the organisation's newest word stands, whichever way.
   */
  rememberOrganisationHead(lineId: string, head: OrganisationHead): Promise<void>;
  /** Forgets the organisation's head kept for this line (its service answered none: an administrator removed it). */
  forgetOrganisationHead(lineId: string): Promise<void>;
}

/**
 * What a verified receipt of the organisation witness's head proves (FORMAT §16.1): version `ver` of the line, with
 * policy digest `pd`, was registered; `iat` when the witness signed it (seconds). Remembered so that memory alone
 * (inspect, listings, offline) knows a copy older than `ver` is an older copy.
 */
export interface OrganisationHead {
  readonly ver: number;
  readonly pd: string;
  readonly iat: number;
}

/** One version of a file in git's history, as a witness of its access history. */
export interface CommittedVersion extends HistoryHead {
  /** git's blob id (what caches key on, and how `HistoryWitness.read` finds it). */
  readonly blob: string;
  readonly cid: string;
  /** Format 2: the line (`EnvelopeInfo.lineageId`); undefined in format 1 (then `history` is empty). */
  readonly lineId?: string;
}

/**
 * git's own history of a file, as a witness for readers who never saw a newer version (a fresh clone). Absent,
 * or outside a repository, it knows nothing ([]).
 */
export interface HistoryWitness {
  /**
   * The versions of `path` committed before the working tree, oldest first ('head': HEAD's ancestry), or on
   * every branch ('all', any order: where an owner's restore looks for the newest version to build on).
   */
  committed(path: string, scope: 'head' | 'all'): Promise<readonly CommittedVersion[]>;
  /** The envelope bytes of a committed version. */
  read(blob: string): Promise<Uint8Array>;
}

/**
 * The organisation sign-in (OIDC): access tokens for the key service. The CLI keeps its session under
 * $SENSITIVITY_HOME (`sensitivity login`), the extension in SecretStorage behind its authentication provider.
 */
export interface TokenSource {
  /**
   * A current access token (a JWT whose `aud` is `audience`, the key service's), refreshed when it expired
   * or when `fresh` (say, after the service answered 401). Raises E_SIGNIN_REQUIRED when nobody is signed
   * in or the sign-in does not cover `audience`, E_TOKEN_EXPIRED when the session expired and could not be
   * refreshed (both with hint 'sign-in'), E_IDP_UNREACHABLE when the identity provider cannot be reached.
   * A host with a user at hand (VS Code) may ask them to sign in here instead of raising E_SIGNIN_REQUIRED.
   */
  token(audience: string, options?: { readonly fresh?: boolean }): Promise<string>;
}

/**
 * The organisation's certified directory (docs/KEY-SERVICE.md): `GET <url>/directory` and
 * `GET <url>/directory/<email>`. Unreachable (or 5xx) is E_KEYSERVICE_UNREACHABLE; no certificate for that
 * email is E_DIRECTORY_NOT_LISTED; an answer outside the protocol is E_KEYSERVICE_PROTOCOL.
 */
export interface OrganisationDirectory {
  /** The certification public keys the organisation offers (EC P-256 JWKs). */
  certificationKeys(url: string): Promise<readonly OrganisationKey[]>;
  /** The current certificate (compact JWS) of `email`, unverified. */
  certificate(url: string, email: string): Promise<string>;
}

/**
 * The organisation's witness of access history (docs/KEY-SERVICE.md, "The witness"): `POST <url>/witness` with the
 * sign-in. Answers the receipt (a compact JWS, unverified); E_FORK when the claim does not extend the head the
 * witness holds (details: that head), E_LINEAGE when its policies do not show an owner of the version before made it,
 * E_KEYSERVICE_UNREACHABLE / E_KEYSERVICE_UNAVAILABLE when it cannot answer, the sign-in's and the service's refusals
 * as for Double Key.
 */
export interface WitnessService {
  register(url: string, registration: WitnessRegistration): Promise<string>;
}

/** An EC P-256 public key as a directory offers it. */
export interface OrganisationKey {
  readonly kty: 'EC';
  readonly crv: 'P-256';
  readonly x: string;
  readonly y: string;
}

/** The organisations' certification keys this user has pinned (home folder, `pins.json`), one per service URL. */
export interface OrganisationPins {
  /** The key pinned for `url`, with its fingerprint. */
  get(url: string): Promise<{ readonly key: OrganisationKey; readonly fingerprint: string } | undefined>;
  /** Pins `key` for `url`, replacing an older pin: only when the user accepts the workspace's keys. */
  pin(url: string, key: OrganisationKey, fingerprint: string): Promise<void>;
}

/** Everything an operation acts with: who (identity), where (files, store), when (clock), and its record. */
export interface AppContext {
  readonly files: FileAccess;
  readonly store: WorkspaceStore;
  readonly audit: AuditSink;
  readonly clock: Clock;
  readonly random?: RandomSource;
  /** Absent when the user has no identity yet: reads of headers and labels still work. */
  readonly identity: Identity | undefined;
  /** The user's pins: absent means nothing is pinned, so no key is shown as verified (and none is pinned). */
  readonly pins?: PinStore;
  /** The access-history heads this user accepted: absent means no rollback or fork check from memory. */
  readonly versions?: VersionMemory;
  /** git's history of the workspace's files: absent means no witness beyond memory. */
  readonly history?: HistoryWitness;
  /** Accepted workspace keys: absent means none is accepted (a policy naming recovery recipients stops protect until accepted). */
  readonly acceptance?: KeyAcceptance;
  /** The organisation key service, for Double Key files (issue 10): absent means they cannot be protected or opened here. */
  readonly keyService?: KeyServiceClient;
  /** The organisation's certified directory: absent means people come from people.json and pins only. */
  readonly directory?: OrganisationDirectory;
  /** Organisation certification keys accepted with a workspace's keys: absent means a directory's key is never trusted. */
  readonly organisations?: OrganisationPins;
  /** The organisation's witness: absent means access changes in a workspace that names an organisation are refused. */
  readonly witness?: WitnessService;
}

/** Long-running file work: cancelled through `signal` (E_CANCELLED, nothing written), progress in bytes read. */
export interface Cancellable {
  readonly signal?: AbortSignal;
  readonly onProgress?: (bytesRead: number) => void;
}
