/**
 * `sensitivity.addPerson (source?: Uri, options?: { person, replace, folder })`: adds someone's public
 * identity (what `sensitivity id show --json` prints or "Copy Public Identity" copies) to the workspace's
 * `.sensitivity/people.json`, so files can be shared with them.
 */
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { SensitivityError } from '../../core/errors.js';
import type { PublicIdentity } from '../../core/identity.js';
import type { Services } from '../services.js';
import { showError } from '../ui/errors.js';
import { activeFile, Cancelled, parseArgs } from './targets.js';
import { TrustConfirmation } from './trust-confirm.js';

export interface AddPersonOptions {
  /** The public identity, as an object or its JSON text. */
  readonly person: unknown;
  /** Replace a listed person with the same email. */
  readonly replace: boolean;
  /** A file or folder whose workspace gets the person (default: the active file's, else the first folder). */
  readonly folder: vscode.Uri;
}

/** Where the public identity comes from, interactively. */
async function askSource(services: Services): Promise<string | undefined> {
  const me = await services.identities.get();
  const picked = await vscode.window.showQuickPick(
    [
      { label: '$(clippy) From the clipboard', description: 'what Copy Public Identity copies (or sensitivity id show --json prints)', id: 'clipboard' },
      { label: '$(file) From a file…', id: 'file' },
      ...(me ? [{ label: '$(account) Myself', description: `${me.name} <${me.email}>`, id: 'me' }] : []),
    ],
    { title: 'Add a Person to the Workspace' },
  );
  if (!picked) return undefined;
  if (picked.id === 'clipboard') return vscode.env.clipboard.readText();
  if (picked.id === 'me' && me) return JSON.stringify((await services.core()).publicIdentity(me));
  const file = await vscode.window.showOpenDialog({ title: 'Public Identity File', canSelectMany: false, filters: { JSON: ['json'], 'All files': ['*'] } });
  return file?.[0] ? fs.readFile(file[0].fsPath, 'utf8') : undefined;
}

export async function addPerson(services: Services, ...args: unknown[]): Promise<PublicIdentity | undefined> {
  const { uris, options = {} } = parseArgs<AddPersonOptions>(args);
  const folder = options.folder ?? activeFile() ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!folder) {
    void vscode.window.showWarningMessage('Open a folder first: people are listed in its .sensitivity/people.json.');
    return undefined;
  }
  try {
    let json: unknown = options.person;
    if (json === undefined) {
      const text = uris?.[0] ? await fs.readFile(uris[0].fsPath, 'utf8') : await askSource(services);
      if (text === undefined) return undefined;
      json = text;
    }
    if (typeof json === 'string') json = parseJson(json);
    const core = await services.core();
    const person = core.parsePublicIdentity(json);
    const session = await services.session(folder);
    await new TrustConfirmation(services).run(session, ({ acceptNewKey }) =>
      core.app.addToPeople(session, person, { replace: options.replace ?? false, acceptNewKey }),
    );
    if (options.person === undefined) {
      void vscode.window.showInformationMessage(`Added ${person.name} <${person.email}> to this workspace's people.`, {
        detail: `Fingerprint ${core.fingerprint(person.id)}: compare it with what they see in Show My Identity.`,
      });
    }
    return person;
  } catch (e) {
    if (e instanceof Cancelled) return undefined;
    void showError(services, e);
    return undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SensitivityError(
      'E_IDENTITY_INVALID',
      'that is not a public identity: use what Copy Public Identity copies (in Show My Identity) or sensitivity id show --json prints',
    );
  }
}
