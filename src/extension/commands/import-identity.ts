/**
 * `sensitivity.importIdentity (file?: Uri, options?: { passphrase, force })`: restores an identity from a
 * file written by `sensitivity id export` or "Export My Identity" (passphrase-protected), or takes the
 * CLI's own identity file (`$SENSITIVITY_HOME/identity.json`), so one identity serves both tools.
 */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { Identity, PublicIdentity } from '../../core/identity.js';
import type { Services } from '../services.js';
import { showError } from '../ui/errors.js';
import { parseArgs } from './targets.js';

export interface ImportIdentityOptions {
  readonly passphrase: string;
  /** Replace a different existing identity without asking. */
  readonly force: boolean;
}

/** True for the CLI's plain identity file (private keys in JSON, protected by file permissions only). */
function isPlainIdentity(text: string): boolean {
  try {
    const json = JSON.parse(text) as unknown;
    return typeof json === 'object' && json !== null && 'sigPrivate' in json;
  } catch {
    return false;
  }
}

/** Where to import from: the argument, else a choice between the CLI's identity and a file. */
async function chooseSource(services: Services): Promise<vscode.Uri | undefined> {
  const core = await services.core();
  const cliFile = core.identityPath(core.resolveHome());
  const cliExists = await fs.stat(cliFile).then(
    () => true,
    () => false,
  );
  if (cliExists) {
    const pick = await vscode.window.showQuickPick(
      [
        { label: "$(terminal) The CLI's identity", description: cliFile, uri: vscode.Uri.file(cliFile) },
        { label: '$(file) An exported identity file…', description: 'written by Export My Identity or the command line', uri: undefined },
      ],
      { title: 'Import Sensitivity Identity' },
    );
    if (!pick) return undefined;
    if (pick.uri) return pick.uri;
  }
  const picked = await vscode.window.showOpenDialog({ title: 'Import Sensitivity Identity', canSelectMany: false, openLabel: 'Import' });
  return picked?.[0];
}

/** Imports an identity into SecretStorage; returns its public half, undefined when cancelled or failed. */
export async function importIdentity(services: Services, ...args: unknown[]): Promise<PublicIdentity | undefined> {
  const { uris, options = {} } = parseArgs<ImportIdentityOptions>(args);
  const source = uris?.[0] ?? (await chooseSource(services));
  if (!source) return undefined;
  try {
    const core = await services.core();
    const text = (await fs.readFile(source.fsPath, 'utf8')).trim();
    let identity: Identity;
    if (isPlainIdentity(text)) {
      identity = await core.parseIdentity(JSON.parse(text), source.fsPath);
    } else {
      const passphrase =
        options.passphrase ??
        (await vscode.window.showInputBox({
          title: 'Import Sensitivity Identity',
          prompt: 'The passphrase the identity was exported with',
          password: true,
          ignoreFocusOut: true,
        }));
      if (passphrase === undefined) return undefined;
      identity = await core.importIdentity(text, passphrase);
    }
    const current = await services.identities.get();
    if (current && current.id !== identity.id && !options.force) {
      const replace = await vscode.window.showWarningMessage(
        `Replace your identity ${current.name} <${current.email}> with ${identity.name} <${identity.email}>?`,
        { modal: true, detail: 'Files protected only for the current identity will no longer open here.' },
        'Replace',
      );
      if (replace !== 'Replace') return undefined;
    }
    await services.identities.set(identity);
    await services.audit({ action: 'identity.import', actor: { id: identity.id, email: identity.email } });
    if (options.passphrase === undefined) void vscode.window.showInformationMessage(`Imported your identity ${identity.name} <${identity.email}>.`);
    return core.publicIdentity(identity);
  } catch (e) {
    void showError(services, e, source);
    return undefined;
  }
}
