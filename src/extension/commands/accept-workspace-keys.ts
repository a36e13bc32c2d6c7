/**
 * `sensitivity.acceptWorkspaceKeys (target?: Uri)`: accepts the keys the workspace policy names — recovery keys
 * (Co-Owners of every file protected there), its organisation (the certification key that vouches for people
 * granted by email, as its directory offers it now) and the Double Key services its labels name — after a modal
 * that shows their fingerprints; recorded for
 * you in `$SENSITIVITY_HOME`, once per set of keys. Never in Restricted Mode: an untrusted workspace's keys are not used.
 */
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { showError } from '../ui/errors.js';
import { parseArgs } from './targets.js';
import { confirmWorkspaceKeys } from './trust-confirm.js';

/** What was accepted (fingerprints and names), or undefined when nothing was. */
export interface AcceptedKeys {
  readonly keys: readonly string[];
}

export async function acceptWorkspaceKeys(services: Services, ...args: unknown[]): Promise<AcceptedKeys | undefined> {
  const { uris } = parseArgs<object>(args);
  const target = uris?.[0] ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!target) {
    void vscode.window.showInformationMessage('Open a folder first: workspace keys belong to a workspace policy.');
    return undefined;
  }
  if (!vscode.workspace.isTrusted) {
    const manage = 'Manage Workspace Trust';
    // Not awaited: the command's answer does not wait for someone to dismiss a notification.
    void vscode.window
      .showWarningMessage(
        "This workspace is in Restricted Mode: its policy's keys (recovery keys, organisation, Double Key services) are not used, so there is nothing to accept. Trust the workspace first if you know who runs it.",
        manage,
      )
      .then((picked) => picked === manage && vscode.commands.executeCommand('workbench.trust.manage'));
    return undefined;
  }
  const { app } = await services.core();
  try {
    const s = await services.session(target);
    const policy = await s.store.policy();
    const review = await app.reviewWorkspaceKeys(s, policy);
    if (review.keys.length === 0 || review.accepted) {
      void vscode.window.showInformationMessage(
        review.keys.length === 0
          ? 'This workspace policy names no recovery keys, organisation or Double Key service.'
          : "You have already accepted this workspace policy's keys.",
      );
      return undefined;
    }
    if (!(await confirmWorkspaceKeys(review))) return undefined;
    const accepted = await app.acceptWorkspaceKeys(s, policy, { digest: review.digest });
    void vscode.window.showInformationMessage(
      `Accepted ${accepted.keys.length === 1 ? 'the key' : `${accepted.keys.length} keys`} of this workspace: ${accepted.keys.map((k) => k.split('  ')[0]).join(', ')}.`,
    );
    return { keys: accepted.keys };
  } catch (e) {
    void showError(services, e, target);
    return undefined;
  }
}
