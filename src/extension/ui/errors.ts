/**
 * The one place where error codes become words people read in VS Code (STYLE.md §7: only the host layer
 * turns codes into messages). The core's messages name no flag or command; its hints become buttons here.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { showable } from '../../core/display.js';
import { isSensitivityError, type SensitivityError } from '../../core/errors.js';
import type { Services } from '../services.js';
import { COMMAND } from '../commands/ids.js';

/** A follow-up offered beside an error message: a button that runs a command. */
interface ErrorAction {
  readonly title: string;
  readonly command: string;
  /** The command is given the file the error concerns. */
  readonly withFile?: boolean;
}

const CREATE_IDENTITY: ErrorAction = { title: 'Create Identity…', command: COMMAND.createIdentity };
const IMPORT_IDENTITY: ErrorAction = { title: 'Import Identity…', command: COMMAND.importIdentity };

/** A core message as a sentence: made visible where it holds unsafe characters, with a capital letter. */
export function sentence(message: string): string {
  const s = showable(message).trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** What VS Code says and offers for each hint the core attaches to an error. */
function hinted(e: SensitivityError, file: vscode.Uri | undefined): { text: string; actions: readonly ErrorAction[] } {
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
      return { text: 'A new key for a known address may be an impostor: confirm the new id with them before replacing it.', actions: [] };
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
      return { text: 'Compare fingerprints with them before accepting a new key.', actions: [] };
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

/** The message and follow-ups for an error concerning `file` (if known). */
export function describeError(e: unknown, file?: vscode.Uri): { message: string; actions: readonly ErrorAction[] } {
  const name = file ? basename(file.fsPath) : isSensitivityError(e) && e.file ? basename(e.file) : undefined;
  const about = (text: string) => (name ? `${name}: ${text}` : text);
  if (!isSensitivityError(e)) {
    return { message: about(`Unexpected error: ${e instanceof Error ? e.message : String(e)}`), actions: [] };
  }
  switch (e.code) {
    case 'E_NO_IDENTITY':
      return { message: 'You have no Sensitivity identity yet: create one, or import the one you use elsewhere.', actions: [CREATE_IDENTITY, IMPORT_IDENTITY] };
    case 'E_INTEGRITY':
      return {
        message: about('The protected file is corrupt or has been tampered with; restore it from a backup or ask its owner for a new copy.'),
        actions: [],
      };
    default: {
      const { text, actions } = hinted(e, file);
      const first = sentence(e.message);
      return { message: about(`${first}${/[.!?]$/.test(first) ? '' : '.'}${text ? ` ${text}` : ''}`), actions };
    }
  }
}

/** Shows an error as a notification with its follow-ups; logs unexpected ones with their stack. */
export async function showError(services: Services, e: unknown, file?: vscode.Uri): Promise<void> {
  const { message, actions } = describeError(e, file);
  if (!isSensitivityError(e)) services.log.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  else services.log.warn(`${e.code}: ${message}`);
  const picked = await vscode.window.showErrorMessage(message, ...actions.map((a) => a.title));
  const action = actions.find((a) => a.title === picked);
  if (action) await vscode.commands.executeCommand(action.command, ...(action.withFile && file ? [file] : []));
}
