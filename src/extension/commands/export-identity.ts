/**
 * `sensitivity.exportIdentity (file?: Uri, options?: { passphrase })`: writes your identity, private keys
 * included, to a passphrase-protected file (the CLI's `id export` format), atomically and mode 0600.
 */
import * as vscode from 'vscode';
import { passphraseProblem } from '../../core/passphrase.js';
import type { Services } from '../services.js';
import { showError } from '../ui/errors.js';
import { parseArgs } from './targets.js';
import { COMMAND } from './ids.js';

export interface ExportIdentityOptions {
  readonly passphrase: string;
}

async function askPassphrase(): Promise<string | undefined> {
  const first = await vscode.window.showInputBox({
    title: 'Export Sensitivity Identity (1/2)',
    prompt: 'A passphrase that protects the exported keys: four or more random words, or twelve mixed characters',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => {
      const problem = passphraseProblem(v);
      return problem && problem.charAt(0).toUpperCase() + problem.slice(1);
    },
  });
  if (first === undefined) return undefined;
  const again = await vscode.window.showInputBox({
    title: 'Export Sensitivity Identity (2/2)',
    prompt: 'The same passphrase again',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v === first ? undefined : 'The passphrases differ'),
  });
  return again === undefined ? undefined : first;
}

/** Exports your identity; returns the file written, undefined when cancelled or failed. */
export async function exportIdentity(services: Services, ...args: unknown[]): Promise<string | undefined> {
  const { uris, options = {} } = parseArgs<ExportIdentityOptions>(args);
  const identity = await services.identities.get();
  if (!identity) {
    void vscode.window
      .showWarningMessage('You have no identity to export yet.', 'Create Identity…')
      .then((b) => b && vscode.commands.executeCommand(COMMAND.createIdentity));
    return undefined;
  }
  const target =
    uris?.[0] ??
    (await vscode.window.showSaveDialog({
      title: 'Export Sensitivity Identity',
      saveLabel: 'Export',
      defaultUri: vscode.Uri.joinPath(
        vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.env.HOME ?? '/'),
        `${identity.email}.identity.jwe`,
      ),
    }));
  if (!target) return undefined;
  const passphrase = options.passphrase ?? (await askPassphrase());
  if (passphrase === undefined) return undefined;
  try {
    const core = await services.core();
    const text = await core.exportIdentity(identity, passphrase);
    await core.writeFileAtomic(target.fsPath, text + '\n', 0o600);
    await services.audit({ action: 'identity.export', actor: { id: identity.id, email: identity.email } });
    if (options.passphrase === undefined) {
      void vscode.window.showInformationMessage(
        `Exported your identity to ${vscode.workspace.asRelativePath(target)}. Keep the file and its passphrase apart and safe.`,
      );
    }
    return target.fsPath;
  } catch (e) {
    void showError(services, e, target);
    return undefined;
  }
}
