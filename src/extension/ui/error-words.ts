/**
 * The one place where error codes become words people read in VS Code (STYLE.md §7: only the host layer turns
 * codes into messages), without `vscode` so unit tests run every code through it. A headline is people's words
 * (issue 22): no code, no JSON pointer into a schema, no raw key id, no right's wire name; those go in the
 * details line (the output channel, a page's details). The core's hints become buttons here.
 */
import { basename } from 'node:path';
import { showable } from '../../core/display.js';
import { isSensitivityError, SensitivityError, type ErrorCode } from '../../core/errors.js';
import { RIGHT_WORDS, rightInWords } from '../../shared/words.js';
import { COMMAND } from '../commands/ids.js';

/** A follow-up offered beside an error message: a button that runs a command. */
export interface ErrorAction {
  readonly title: string;
  readonly command: string;
  /** The command is given the file the error concerns. */
  readonly withFile?: boolean;
}

/** What is shown: the headline (people's words), the technical line (code and the core's wording), the follow-ups. */
export interface DescribedError {
  readonly message: string;
  readonly details: string;
  readonly actions: readonly ErrorAction[];
}

const CREATE_IDENTITY: ErrorAction = { title: 'Create Identity…', command: COMMAND.createIdentity };
const IMPORT_IDENTITY: ErrorAction = { title: 'Import Identity…', command: COMMAND.importIdentity };

/** Every code in people's words, for when the core's wording carries technical detail (a schema path, a key id). */
const HEADLINES: Readonly<Record<ErrorCode, string>> = {
  E_USAGE: 'This cannot be done here.',
  E_LABEL_UNKNOWN: 'That label is not in this workspace’s policy.',
  E_LABEL_NOT_APPLICABLE: 'That label has sublabels: choose one of them.',
  E_ROLE_UNKNOWN: 'That role is not one this workspace knows.',
  E_NO_IDENTITY: 'You have no Sensitivity identity yet: create one, or import the one you use elsewhere.',
  E_NOT_GRANTEE: 'You have not been given access to this file.',
  E_RIGHT_MISSING: 'Your access to this file does not allow this.',
  E_EXPIRED: 'Access to this file has expired.',
  E_JUSTIFICATION_REQUIRED: 'This needs a reason.',
  E_PROTECTION_REQUIRED: 'This label protects the file: applying it encrypts the file.',
  E_READ_ONLY_FORMAT: 'This protected file is in the old format: it opens read-only until its owner migrates it.',
  E_POLICY_UNACCEPTED: 'This workspace names keys you have not accepted yet.',
  E_SIGNIN_REQUIRED: 'Sign in to your organisation first.',
  E_TOKEN_EXPIRED: 'Your organisation sign-in has expired: sign in again.',
  E_SIGNIN_FAILED: 'The sign-in to your organisation did not succeed.',
  E_KEYSERVICE_DENIED: 'Your organisation’s key service does not let you open this file.',
  E_KEYSERVICE_REVOKED: 'Your organisation has revoked access to this file.',
  E_KEY_RETIRED: 'The organisation key this file was protected with is retired: it opens for nobody.',
  E_FORMAT: 'This is not a valid protected file.',
  E_UNSUPPORTED_VERSION: 'This was written by a newer version of Sensitivity Labels: update the extension.',
  E_INTEGRITY: 'The protected file is corrupt or has been tampered with; restore it from a backup or ask its owner for a new copy.',
  E_POLICY_INVALID: 'The workspace’s label policy has a mistake, so it is not used.',
  E_IDENTITY_INVALID: 'This is not a valid Sensitivity identity: it is damaged, or was not copied from Show My Identity or an identity export.',
  E_PASSPHRASE: 'Wrong passphrase (or the identity file was altered).',
  E_AUDIT_BROKEN: 'The audit log has been altered: an entry was changed or removed.',
  E_MANIFEST_INVALID: 'The workspace’s list of labels (.sensitivity/labels.json) has a mistake.',
  E_KEY_CHANGED: 'Someone you shared with before now offers a different key.',
  E_LINEAGE: 'Who may open this file was changed by someone who was not allowed to: do not trust it.',
  E_WRITER_NOT_ALLOWED: 'This file’s content was written by someone not allowed to edit it: do not trust it.',
  E_ROLLBACK: 'This is an older copy of the file than one you have opened.',
  E_FORK: 'This copy of the file does not follow from the one you have seen: its history was rewritten.',
  E_DOWNGRADE: 'This copy of the file was put back into the old format: do not trust it.',
  E_IDENTITY_UNSIGNED: 'This identity is from an older version and not signed: ask its owner for it again.',
  E_IDENTITY_SIGNATURE: 'This identity was altered after its owner made it: do not use it.',
  E_WORKSPACE_UNSAFE: 'This workspace’s Sensitivity settings are writable by others, so they are not used.',
  E_CERTIFICATE_INVALID: 'The organisation’s certificate for this person does not check out.',
  E_WITNESS_INVALID: 'The organisation’s receipt in this file does not check out.',
  E_WITNESS_MISSING: 'Your organisation never registered this version of the file: it may be a copy rewritten from an old one. Do not trust it.',
  E_ORG_KEY_CHANGED: 'Your organisation’s certification key is not the one you accepted.',
  E_CONFIG_INVALID: 'The key service’s settings have a mistake.',
  E_DOCUMENT_INVALID: 'This document cannot be read: it is damaged or not what its name says. Nothing was written to it.',
  E_DOCUMENT_ENCRYPTED: 'This document has a password: its text and label cannot be read.',
  E_DOCUMENT_LIMIT: 'This document is too large to read safely.',
  E_IDENTITY_EXISTS: 'You already have an identity.',
  E_PERSON_UNKNOWN: 'That person is not in this workspace’s people.',
  E_NOT_FOUND: 'That file was not found.',
  E_EXISTS: 'That file already exists; it was not overwritten.',
  E_IO: 'The file could not be read or written.',
  E_AUDIT_FAILED: 'The audit log cannot be written, so nothing was done.',
  E_LOCKED: 'The file is in use by another process; try again.',
  E_CANCELLED: 'Cancelled.',
  E_POLICY_MISMATCH: 'This file was protected under another label policy.',
  E_HISTORY_FULL: 'This file’s history of access changes is full: protect its content again as a new file.',
  E_FILE_CHANGED: 'Who may open this file changed while you had it open.',
  E_SAVE_FAILED: 'Your unsaved changes could not be saved, so nothing was done. Save the file and try again.',
  E_IDP_UNREACHABLE: 'Your organisation’s sign-in cannot be reached.',
  E_SIGNIN_TIMEOUT: 'The sign-in was not finished in time.',
  E_KEYSERVICE_UNREACHABLE: 'Your organisation’s key service cannot be reached.',
  E_KEYSERVICE_UNAVAILABLE: 'Your organisation’s key service cannot answer right now; try again shortly.',
  E_KEYSERVICE_PROTOCOL: 'Your organisation’s key service answered something unexpected.',
  E_DIRECTORY_NOT_LISTED: 'That person has not published their identity in your organisation’s directory.',
  E_DOCUMENT_UNAVAILABLE: 'This build cannot read that kind of document.',
};

/** A stable error code ("E_NOT_GRANTEE"). */
const CODE = /\bE_[A-Z][A-Z_]+\b/;
/** A JSON pointer naming a field, as schema errors put it ("invalid identity: /v: is required", "…: /labels/2/color: …"); not a URL. */
const SCHEMA_PATH = /(?:^|: )\/[^\s:/]*(?:\/[^\s:/]*)*: /;
/** A raw key id: an RFC 7638 thumbprint, 43 characters of base64url. */
const KEY_ID = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/;
/** A right's wire name (Purview's "EXTRACT"); people read "copy". */
const RIGHT_NAME = new RegExp(`\\b(?:${Object.keys(RIGHT_WORDS).join('|')})\\b`);

/** True when `text` holds something only a developer reads: a code, a schema path, a raw key id or a right's wire name. */
export function isTechnical(text: string): boolean {
  return CODE.test(text) || SCHEMA_PATH.test(text) || KEY_ID.test(text) || RIGHT_NAME.test(text);
}

/** A core message as a sentence: made visible where it holds unsafe characters, with a capital letter. */
export function sentence(message: string): string {
  const s = showable(message).trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const str = (v: unknown) => (typeof v === 'string' ? showable(v) : undefined);

/** The headline for an error: the core's sentence when it is already people's words, else the code's own words. */
function headline(e: SensitivityError): string {
  const right = rightInWords(e.details.right);
  if (e.code === 'E_RIGHT_MISSING' && right !== undefined) {
    const owner = str(e.details.owner);
    return `Your access to this file does not let you ${right}${owner ? `; ask ${owner}` : ''}.`;
  }
  if (e.code === 'E_KEY_CHANGED') {
    return `The key offered for ${str(e.details.email) ?? 'this person'} is not the one you pinned: it may be an impostor, or they made a new identity.`;
  }
  const first = sentence(e.message);
  if (isTechnical(first)) return HEADLINES[e.code];
  return `${first}${/[.!?]$/.test(first) ? '' : '.'}`;
}

/** What VS Code says and offers for each hint the core attaches to an error. */
function hinted(e: SensitivityError, file: string | undefined): { text: string; actions: readonly ErrorAction[] } {
  switch (e.details.hint) {
    case 'create-identity':
      return { text: '', actions: [CREATE_IDENTITY, IMPORT_IDENTITY] };
    case 'choose-label':
      return { text: 'Choose a label first.', actions: file ? [{ title: 'Apply Label…', command: COMMAND.applyLabel }] : [] };
    case 'give-justification':
      return { text: 'Give a reason for lowering the label.', actions: [] };
    case 'protect-with-label':
      return { text: 'Applying this label protects the file.', actions: file ? [{ title: 'Protect…', command: COMMAND.protect, withFile: true }] : [] };
    case 'move-output':
      return { text: 'Move that file away first; nothing was overwritten.', actions: [] };
    case 'verify-audit':
      return { text: 'Nothing was done. Check the disk and the audit log (run "sensitivity audit --verify" in a terminal).', actions: [] };
    case 'ask-owner':
      return { text: '', actions: file ? [{ title: 'Inspect', command: COMMAND.inspect, withFile: true }] : [] };
    case 'add-person':
      return {
        text: 'Ask them for their public identity (Show My Identity → Copy), then add them.',
        actions: [{ title: 'Add a Person…', command: COMMAND.addPerson }],
      };
    case 'confirm-replace':
      return { text: 'A new key for a known address may be an impostor: confirm the new fingerprint with them before replacing it.', actions: [] };
    case 'retry':
      return { text: 'Try again in a moment.', actions: [] };
    case 'reopen':
      return { text: 'Close the file without saving, reopen it, and make your change again (copy it first if you need it).', actions: [] };
    case 'accept-restore':
      return {
        // The core's message already says that an owner who restored it on purpose accepts it once.
        text: '',
        actions: file ? [{ title: 'Accept This Version (Restore)…', command: COMMAND.acceptRestore, withFile: true }] : [],
      };
    case 'accept-new-key':
      // The key change flow (ui/key-change.ts) offers Compare Fingerprints and Replace; the headline says the risk.
      return { text: '', actions: [] };
    case 're-add-person':
      return {
        text: 'Ask them for their public identity again (Show My Identity → Copy, from this version), then add them.',
        actions: [{ title: 'Add a Person…', command: COMMAND.addPerson }],
      };
    case 'accept-policy':
      return {
        text: 'Check the fingerprints with whoever runs this workspace.',
        actions: [{ title: 'Review Workspace Keys…', command: COMMAND.acceptWorkspaceKeys, withFile: true }],
      };
    case 'fix-permissions':
      return { text: 'Make the folder yours and not writable by others, or remove it.', actions: [] };
    case 'protect-anew':
      return { text: 'Protect its content again as a new file (Unprotect, then Protect with the people who should have access).', actions: [] };
    case 'sign-in':
      return { text: '', actions: [{ title: 'Sign In…', command: COMMAND.signIn }] };
    case 'ask-admin': {
      const service = typeof e.details.service === 'string' ? ` (${showable(e.details.service)})` : '';
      return { text: `Nothing was opened or written. Ask your administrator about the organisation's key service${service}.`, actions: [] };
    }
    case 'choose-workspace':
    default:
      return { text: '', actions: [] };
  }
}

/** The headline, technical line and follow-ups for an error concerning `file` (a path, if known). */
export function describeError(e: unknown, file?: string): DescribedError {
  const name = file ? basename(file) : isSensitivityError(e) && e.file ? basename(e.file) : undefined;
  const about = (text: string) => (name ? `${showable(name)}: ${text}` : text);
  if (!isSensitivityError(e)) {
    const text = e instanceof Error ? e.message : String(e);
    return { message: about('Something went wrong; the output channel Sensitivity Labels has the details.'), details: showable(text), actions: [] };
  }
  const details = `${e.code}: ${showable(e.message)}`;
  if (e.code === 'E_NO_IDENTITY') return { message: HEADLINES.E_NO_IDENTITY, details, actions: [CREATE_IDENTITY, IMPORT_IDENTITY] };
  if (e.code === 'E_INTEGRITY') return { message: about(HEADLINES.E_INTEGRITY), details, actions: [] };
  const { text, actions } = hinted(e, file);
  return { message: about(`${headline(e)}${text ? ` ${text}` : ''}`), details, actions };
}

/** A refusal to open (`ProtectedInfo.denied`) as its headline: what the status bar, the panel and the page say. */
export function denialWords(denied: { readonly code: ErrorCode; readonly reason: string }): string {
  return describeError(new SensitivityError(denied.code, denied.reason)).message;
}
