/**
 * A changed key for someone you pinned (E_KEY_CHANGED) in VS Code (issue 22): modals with *Compare Fingerprints* and
 * *Replace…* (ui/key-change-flow.ts decides), then either the operation runs again with the new key accepted
 * (`TrustConfirmation`), or — when the change surfaced outside one — the new key is pinned and Undo offered.
 */
import * as vscode from 'vscode';
import type { SensitivityError } from '../../core/errors.js';
import type { Session } from '../../node/session.js';
import type { Services } from '../services.js';
import { reportWithUndo } from './confirm.js';
import { describeError } from './error-words.js';
import { decideKeyChange } from './key-change-flow.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Asks about the change `e` names (modals: Compare Fingerprints, Replace…, then the confirmation); true to replace. */
export async function askAboutKeyChange(services: Services, session: Session, e: SensitivityError): Promise<boolean> {
  const { app } = await services.core();
  const d = e.details;
  const change = await app.reviewKeyChange(session, { email: str(d.email), pinnedId: str(d.pinnedId), newId: str(d.newId) });
  services.log.warn(`${e.code}: ${e.message}`);
  return decideKeyChange(change, (question, detail, buttons) => vscode.window.showWarningMessage(question, { modal: true, detail }, ...buttons));
}

/** A key change met outside an operation that can retry: asks, and on Replace pins the workspace's new key with Undo. */
export async function resolveKeyChange(services: Services, e: SensitivityError, file?: vscode.Uri): Promise<void> {
  const where = file ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!where) return;
  const session = await services.session(where);
  if (!(await askAboutKeyChange(services, session, e))) return;
  const { app } = await services.core();
  const email = str(e.details.email);
  try {
    const unpinned = await app.replacePinnedKey(session, str(e.details.newId));
    reportWithUndo(`The new key of ${email} is pinned (recorded in your audit log). Do again what you were doing to use it.`, () =>
      app.trustPeople(session, unpinned, { acceptNewKey: true }).then(
        () => vscode.window.showInformationMessage(`The key you pinned before for ${email} is back.`),
        (err: unknown) => vscode.window.showErrorMessage(describeError(err).message),
      ),
    );
  } catch (err) {
    const { message, details } = describeError(err, file?.fsPath);
    services.log.warn(details);
    void vscode.window.showErrorMessage(message);
  }
}
