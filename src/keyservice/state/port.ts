/**
 * The key service's shared state (docs/KEY-SERVICE.md, "Shared state"): what every replica must see the
 * same — revocations written at run time, the directory's certificates, the key access log (one hash chain)
 * and the witness's access-history heads. Two adapters: files (state-file.ts; the embedded default for a
 * single replica, or replicas on one machine) and PostgreSQL (postgres.ts; replicas anywhere).
 */
import type { WitnessClaim, WitnessHead } from '../../core/index.js';
import type { AuditBatch } from '../../node/audit-log.js';
import type { Revocations } from '../config.js';

/** What a run-time revocation names. */
export type RevocationKind = 'people' | 'contentIds' | 'labels';

/** One run-time revocation: of a person, a content id or a label, for every key (`scope` "*") or one key. */
export interface Revocation {
  readonly scope: string;
  readonly kind: RevocationKind;
  readonly value: string;
}

/** The scope of a revocation for every key (and the directory). */
export const ALL_KEYS = '*';

export interface ServiceState {
  /** Where the state lives, for messages (a folder, or the database without its password). */
  readonly where: string;
  /** Every run-time revocation. */
  revocations(): Promise<readonly Revocation[]>;
  /** Adds (or, with `undo`, removes) a run-time revocation; true when that changed anything. */
  revoke(r: Revocation, undo?: boolean): Promise<boolean>;
  /** Keeps the newest certificate for an email (lower-cased). */
  putCertificate(email: string, certificate: string): Promise<void>;
  certificate(email: string): Promise<string | undefined>;
  /**
   * Appends a batch to the key access log as one transaction, chained to its last entry; the lines written.
   * `take` is called once, when the log is held (locked, its last line known): the events arrived by then go
   * in this batch (group commit), stamped with the time it returns.
   */
  appendLog(take: AuditBatch): Promise<string[]>;
  /** The witness's head for a line (a file's access history), if it registered any version of it, with its receipt. */
  head(line: string): Promise<StoredHead | undefined>;
  /**
   * The lines whose head changed at or after `since` (the state's own clock, ms since the epoch; undefined: none), and
   * that clock now: what a replica's head cache drops (witness-heads.ts). It may name more lines, never fewer.
   */
  headChanges(since: number | undefined): Promise<{ readonly lines: readonly string[]; readonly now: number }>;
  /**
   * Registers `claim` as the line's head, with `receipt` (the witness's signature of it, kept so a decrypt can
   * answer the head without signing), when it extends the head held (core's `extendsWitnessHead`), atomically
   * across replicas; the head it was judged against, and whether it was registered.
   */
  registerHead(claim: WitnessClaim, receipt: string): Promise<{ readonly registered: boolean; readonly head: WitnessHead | undefined }>;
  /**
   * Removes the line's head (an administrator's recovery: `key-service witness --remove`), atomically with
   * registrations; the head removed, if any. Every replica's head cache drops it within about a second.
   */
  removeHead(line: string): Promise<WitnessHead | undefined>;
  /** The whole access log, oldest first (for `key-service log --verify`). */
  logText(): Promise<string>;
  close(): Promise<void>;
}

/** A line's head as stored: its receipt is absent for heads registered before receipts were kept. */
export interface StoredHead extends WitnessHead {
  readonly receipt?: string;
}

/** The run-time revocations for one key (or, with `key` undefined, for every key) as the config's lists. */
export function revocationsFor(all: readonly Revocation[], key: string | undefined): Revocations {
  const of = (kind: RevocationKind) => all.filter((r) => r.kind === kind && r.scope === (key ?? ALL_KEYS)).map((r) => r.value);
  return { people: of('people'), contentIds: of('contentIds'), labels: of('labels') };
}
