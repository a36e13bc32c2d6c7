/** `sensitivity.createIdentity (options?: { name, email, force })`: a new identity in SecretStorage. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as vscode from 'vscode';
import type { PublicIdentity } from '../../core/identity.js';
import type { Services } from '../services.js';
import { showError } from '../ui/errors.js';
import { parseArgs } from './targets.js';
import { COMMAND } from './ids.js';

export interface CreateIdentityOptions {
  readonly name: string;
  readonly email: string;
  /** Replace an existing identity without asking. */
  readonly force: boolean;
}

/** git's user.name / user.email, as defaults people will most likely want. */
async function gitConfig(key: string): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('git', ['config', '--get', key], { timeout: 2000 });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Creates (or, confirmed, replaces) your identity; returns its public half, undefined when cancelled. */
export async function createIdentity(services: Services, ...args: unknown[]): Promise<PublicIdentity | undefined> {
  const { options = {} } = parseArgs<CreateIdentityOptions>(args);
  const current = await services.identities.get();
  if (current && !options.force) {
    const replace = await vscode.window.showWarningMessage(
      `You already have an identity: ${current.name} <${current.email}>. Replace it?`,
      { modal: true, detail: 'Files protected only for the current identity will no longer open here. Export it first to keep it.' },
      'Export First…',
      'Replace',
    );
    if (replace === 'Export First…') await vscode.commands.executeCommand(COMMAND.exportIdentity);
    if (replace !== 'Replace') return undefined;
  }
  const core = await services.core();
  // Both defaults first: a pause between the two boxes (git runs) hands focus back to whatever opened them
  // (the walkthrough), and what the user types next is lost.
  const [gitName, gitEmail] = await Promise.all([options.name ?? gitConfig('user.name'), options.email ?? gitConfig('user.email')]);
  const name =
    options.name ??
    (await vscode.window.showInputBox({
      title: 'Create Sensitivity Identity (1/2)',
      prompt: 'Your name, as people you share files with will see it',
      value: gitName ?? '',
      validateInput: (v) => (v.trim() ? undefined : 'Enter a name'),
      ignoreFocusOut: true,
    }));
  if (name === undefined) return undefined;
  const email =
    options.email ??
    (await vscode.window.showInputBox({
      title: 'Create Sensitivity Identity (2/2)',
      prompt: 'Your email address: people grant you access by it',
      value: gitEmail ?? '',
      validateInput: (v) => (/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(v.trim()) ? undefined : 'Enter an email address'),
      ignoreFocusOut: true,
    }));
  if (email === undefined) return undefined;
  try {
    const identity = await core.createIdentity(name, email);
    await services.identities.set(identity);
    await services.audit({ action: 'identity.create', actor: { id: identity.id, email: identity.email } });
    if (!options.name) {
      void vscode.window
        .showInformationMessage(`Created your identity ${identity.name} <${identity.email}>. Export a backup: a lost key cannot be recovered.`, 'Export…')
        .then((b) => b && vscode.commands.executeCommand(COMMAND.exportIdentity));
    }
    return core.publicIdentity(identity);
  } catch (e) {
    void showError(services, e);
    return undefined;
  }
}
