/**
 * Errors with stable codes (in the manner of jose's `src/util/errors.ts`): one base class, one code per
 * failure, a union to switch on. Hosts turn codes into words and exit statuses; the core never prints.
 * Programming errors stay `TypeError` / `RangeError`.
 */

/** Every stable error code, grouped by the exit status the CLI gives it. */
export const ERROR_CODES = {
  // 2: the call itself is wrong.
  E_USAGE: 2,
  E_LABEL_UNKNOWN: 2,
  E_LABEL_NOT_APPLICABLE: 2,
  E_ROLE_UNKNOWN: 2,
  // 3: access denied.
  E_NO_IDENTITY: 3,
  E_NOT_GRANTEE: 3,
  E_RIGHT_MISSING: 3,
  E_EXPIRED: 3,
  E_JUSTIFICATION_REQUIRED: 3,
  /** The label's protection is required: applying it to a plain file protects the file (details: label). */
  E_PROTECTION_REQUIRED: 3,
  /** A format-1 file: it opens read-only until its owner migrates it on purpose (`sensitivity migrate`). */
  E_READ_ONLY_FORMAT: 3,
  /** The workspace policy names keys (recovery recipients) this user has not accepted (details: fingerprints). */
  E_POLICY_UNACCEPTED: 3,
  /** Organisation sign-in: not signed in (or not for this audience); sign in. */
  E_SIGNIN_REQUIRED: 3,
  /** Organisation sign-in: the session expired and could not be refreshed; sign in again. */
  E_TOKEN_EXPIRED: 3,
  /** Organisation sign-in: the identity provider refused it (details: error, the OAuth error code). */
  E_SIGNIN_FAILED: 3,
  /** The key service does not authorise this person for this key (its configuration decides). */
  E_KEYSERVICE_DENIED: 3,
  /** The key service has revoked this person, this content or this label. */
  E_KEYSERVICE_REVOKED: 3,
  /** The key version a Double Key file was sealed under is retired: the file opens for nobody. */
  E_KEY_RETIRED: 3,
  // 4: invalid, corrupt or tampered input.
  E_FORMAT: 4,
  E_UNSUPPORTED_VERSION: 4,
  E_INTEGRITY: 4,
  E_POLICY_INVALID: 4,
  E_IDENTITY_INVALID: 4,
  E_PASSPHRASE: 4,
  E_AUDIT_BROKEN: 4,
  E_MANIFEST_INVALID: 4,
  /** A pinned person's key differs from the one offered (details: both fingerprints); refused until confirmed. */
  E_KEY_CHANGED: 4,
  /** A policy version not signed by an OWNER of the version it replaces, or a broken chain of versions (envelope v2). */
  E_LINEAGE: 4,
  /** The body was written by someone the policy does not grant EDIT (envelope v2). */
  E_WRITER_NOT_ALLOWED: 4,
  /** Building on (saving, granting, revoking, merging) an older policy version than one this user or git has seen: a rollback. */
  E_ROLLBACK: 4,
  /** A policy version that does not extend the history this user (or git) has seen of the file: a fork (details: both heads). */
  E_FORK: 4,
  /** A format-1 file standing in for a format-2 one (a format-2 policy in it, or a content id seen in format 2). */
  E_DOWNGRADE: 4,
  /** A public identity without its self-signature (made before identities were signed): re-add it from its owner. */
  E_IDENTITY_UNSIGNED: 4,
  /** A public identity whose self-signature does not verify: a key, name or email was changed after it was signed. */
  E_IDENTITY_SIGNATURE: 4,
  /** A `.sensitivity/` folder another user owns or anyone may write: its policy and people are not used. */
  E_WORKSPACE_UNSAFE: 4,
  /** An organisation certificate does not verify (signature, pinned key, issuer, times, identity). */
  E_CERTIFICATE_INVALID: 4,
  /** An organisation witness receipt does not verify (signature, pinned key, issuer, or another file or version). */
  E_WITNESS_INVALID: 4,
  /** In a workspace that names an organisation, a policy version its witness did not register (no receipt): a fork or an unregistered change. */
  E_WITNESS_MISSING: 4,
  /** The organisation's certification key is not the one pinned (or the one the workspace policy names); details: both fingerprints. */
  E_ORG_KEY_CHANGED: 4,
  /** The key service's config file is not valid (the service keeps its last good one). */
  E_CONFIG_INVALID: 4,
  /** An Office document or PDF that cannot be parsed (truncated, corrupt, not what its name says): nothing was written to it. */
  E_DOCUMENT_INVALID: 4,
  /** An encrypted Office document or PDF: its text and label cannot be read or written without its password. */
  E_DOCUMENT_ENCRYPTED: 4,
  /** A document past a safety bound (a zip bomb's expansion, a part or a file too large): refused, not read. */
  E_DOCUMENT_LIMIT: 4,
  // 1: anything else that is not the caller's fault.
  E_IDENTITY_EXISTS: 1,
  E_PERSON_UNKNOWN: 1,
  E_NOT_FOUND: 1,
  E_EXISTS: 1,
  E_IO: 1,
  /** The audit log could not record an operation, so it did not take effect. */
  E_AUDIT_FAILED: 1,
  /** A lock stayed held by a live process for the whole bounded wait. */
  E_LOCKED: 1,
  E_CANCELLED: 1,
  E_POLICY_MISMATCH: 1,
  /** The file's history of access changes fills the format's 1 MiB of metadata: no further change fits; protect its content anew. */
  E_HISTORY_FULL: 1,
  /** The protected file's policy changed (grant, revoke, expiry) since the writer opened it: reopen, then save. */
  E_FILE_CHANGED: 1,
  /** An editor's unsaved edits did not reach the disk (VS Code refused or dropped the save): the file was not acted on. */
  E_SAVE_FAILED: 1,
  /** Organisation sign-in: the identity provider could not be reached (details: issuer). */
  E_IDP_UNREACHABLE: 1,
  /** Organisation sign-in: nobody finished the sign-in in the browser (or with the device code) in time. */
  E_SIGNIN_TIMEOUT: 1,
  /** The key service (or the organisation's directory) could not be reached (no connection). */
  E_KEYSERVICE_UNREACHABLE: 1,
  /** The key service answered that it cannot serve right now (5xx: its token, identity provider or log failed), or did not answer in time: try again; nothing was written. */
  E_KEYSERVICE_UNAVAILABLE: 1,
  /** The key service answered something that is not the Double Key Encryption protocol. */
  E_KEYSERVICE_PROTOCOL: 1,
  /** The organisation's directory has no (current) certificate for that email: they have not published their identity. */
  E_DIRECTORY_NOT_LISTED: 1,
  /** This build cannot read that kind of document (a package without dist/pdf-text.js reads no PDF text). */
  E_DOCUMENT_UNAVAILABLE: 1,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The one message for every failure to decrypt or authenticate, whatever the cause (no oracle). */
export const INTEGRITY_MESSAGE = 'the protected file is corrupt or has been tampered with';

/**
 * What the host can do about an error, named rather than worded: each host says it in its own terms (the
 * CLI names a flag or a command, VS Code offers a button). The core never writes a flag or a command name.
 */
export type ErrorHint =
  | 'create-identity'
  | 'choose-label'
  | 'give-justification'
  | 'protect-with-label'
  | 'choose-workspace'
  | 'move-output'
  | 'verify-audit'
  | 'ask-owner'
  | 'add-person'
  | 'confirm-replace'
  | 'reopen'
  | 'accept-restore'
  | 'migrate'
  | 'accept-new-key'
  | 're-add-person'
  | 'accept-policy'
  | 'fix-permissions'
  | 'retry'
  | 'sign-in'
  | 'ask-admin'
  | 'protect-anew';

/** Structured facts about an error, for hosts to render (names, labels, emails: untrusted, escape them). */
export interface ErrorDetails {
  readonly hint?: ErrorHint;
  readonly [key: string]: string | number | readonly string[] | undefined;
}

/** Base of every error the core raises on purpose. `file` names the file concerned, when there is one. */
export class SensitivityError extends Error {
  override readonly name = 'SensitivityError';
  /** Structured facts (see ErrorDetails); the message is a plain default wording of the same. */
  readonly details: ErrorDetails;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly file?: string | undefined,
    options?: { cause?: unknown; details?: ErrorDetails },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details ?? {};
  }

  /** The CLI's exit status for this error (0 is never returned). */
  get exitCode(): 1 | 2 | 3 | 4 {
    return ERROR_CODES[this.code];
  }

  /** Same error, naming the file it concerns (hosts know paths; the core often only knows bytes). */
  withFile(file: string): SensitivityError {
    if (this.file) return this;
    const e = new SensitivityError(this.code, this.message, file, { cause: this.cause, details: this.details });
    if (this.stack !== undefined) e.stack = this.stack;
    return e;
  }
}

/** The fixed, cause-free integrity failure (tampered header or chunk, wrong key commitment, truncation). */
export function integrityError(): SensitivityError {
  return new SensitivityError('E_INTEGRITY', INTEGRITY_MESSAGE);
}

/** The error for work stopped by its caller (nothing was written). */
export function cancelledError(file?: string): SensitivityError {
  return new SensitivityError('E_CANCELLED', 'cancelled', file);
}

/** True when `e` is a SensitivityError, optionally with the given code. */
export function isSensitivityError(e: unknown, code?: ErrorCode): e is SensitivityError {
  return e instanceof SensitivityError && (code === undefined || e.code === code);
}
