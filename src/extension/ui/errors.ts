/**
 * The one place where error codes become words people read in VS Code (STYLE.md §7: only the host layer
 * turns codes into messages). CLI flag hints in core messages are replaced by the matching command.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { isSensitivityError, type ErrorCode } from '../../core/errors.js';
import type { Services } from '../services.js';

/** A follow-up offered beside an error message: a button that runs a command. */
interface ErrorAction {
  readonly title: string;
  readonly command: string;
}

const CREATE_IDENTITY: ErrorAction = { title: 'Create Identity…', command: 'sensitivity.createIdentity' };
const IMPORT_IDENTITY: ErrorAction = { title: 'Import Identity…', command: 'sensitivity.importIdentity' };

const ACCESS_CODES: readonly ErrorCode[] = ['E_NOT_GRANTEE', 'E_RIGHT_MISSING', 'E_EXPIRED'];

/** Core messages speak CLI; drops the flag hints and starts with a capital letter. */
export function sentence(message: string): string {
  const s = message
    .replace(/\s*\((?:--|`)[^)]*\)/g, '')
    .replace(/; (?:create|import) one with `[^`]*`(?: or [^;.]*)?/g, '')
    .replace(/; pass --[a-z-]+(?: [A-Z]+)?/g, '')
    .trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
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
      return { message: about('The protected file is corrupt or has been tampered with; restore it from a backup or ask its owner for a new copy.'), actions: [] };
    default: {
      const actions = ACCESS_CODES.includes(e.code) && file ? [{ title: 'Inspect', command: 'sensitivity.inspect' }] : [];
      return { message: about(sentence(e.message)), actions };
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
  if (action) await vscode.commands.executeCommand(action.command, ...(action.command === 'sensitivity.inspect' && file ? [file] : []));
}
