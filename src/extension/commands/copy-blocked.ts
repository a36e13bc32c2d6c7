/**
 * `sensitivity.copyBlocked ()`: bound to the copy and cut keys in a protected file's editor when your
 * rights do not include copying (EXTRACT: Reviewers edit but may not copy out). Client-side, like every rights
 * management client: it stops the shortcut, not a determined reader.
 */
import * as vscode from 'vscode';
import { RIGHT_WORDS } from '../../shared/words.js';
import type { Services } from '../services.js';
import { identityDisplay } from '../ui/people.js';
import { activeFile } from './targets.js';

export async function copyBlocked(services: Services): Promise<void> {
  const file = activeFile();
  const info = file ? await services.labels.protectedInfo(file).catch(() => undefined) : undefined;
  const owner = info ? ` Ask the owner, ${identityDisplay(info.owner)}, for the Co-Author role to copy.` : '';
  // People's words (issue 22): the rights as people read them ("view, see access, edit"), not their wire names.
  const may = info?.yourRights.length ? ` You may ${info.yourRights.map((r) => RIGHT_WORDS[r]).join(', ')}, not copy.` : '';
  void vscode.window.showWarningMessage(`Copying from this protected file is not allowed.${may}${owner}`);
}
