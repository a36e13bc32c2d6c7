/**
 * Errors shown in VS Code: the headline in people's words with its follow-ups (ui/error-words.ts), the code and
 * the core's technical wording in the output channel, one click away (Show Details). A changed key for a known
 * person gets its own flow (ui/key-change.ts): Compare Fingerprints and Replace.
 */
import * as vscode from 'vscode';
import { isSensitivityError } from '../../core/errors.js';
import type { Services } from '../services.js';
import { describeError as describe, type DescribedError } from './error-words.js';
import { resolveKeyChange } from './key-change.js';

export { sentence } from './error-words.js';

const SHOW_DETAILS = 'Show Details';

/** The headline, technical line and follow-ups for an error concerning `file` (if known). */
export function describeError(e: unknown, file?: vscode.Uri): DescribedError {
  return describe(e, file?.fsPath);
}

/** Shows an error as a notification with its follow-ups; its code and technical wording go to the output channel. */
export async function showError(services: Services, e: unknown, file?: vscode.Uri): Promise<void> {
  if (isSensitivityError(e, 'E_KEY_CHANGED')) {
    await resolveKeyChange(services, e, file);
    return;
  }
  const { message, details, actions } = describeError(e, file);
  if (!isSensitivityError(e)) services.log.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  else services.log.warn(`${message} (${details})`);
  const picked = await vscode.window.showErrorMessage(message, ...actions.map((a) => a.title), SHOW_DETAILS);
  if (picked === SHOW_DETAILS) return services.log.show(true);
  const action = actions.find((a) => a.title === picked);
  if (action) await vscode.commands.executeCommand(action.command, ...(action.withFile && file ? [file] : []));
}
