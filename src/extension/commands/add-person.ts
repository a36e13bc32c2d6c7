/**
 * `sensitivity.addPerson (source?: Uri, options?: { person, fromDirectory, replace, folder })`: adds someone's
 * public identity (what `sensitivity id show --json` prints or "Copy Public Identity" copies, or — when the
 * workspace policy names an organisation — their certificate from its directory) to the workspace's
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
  /** An email to look up in the organisation's certified directory instead. */
  readonly fromDirectory: string;
  /** Replace a listed person with the same email. */
  readonly replace: boolean;
  /** A file or folder whose workspace gets the person (default: the active file's, else the first folder). */
  readonly folder: vscode.Uri;
}

/** Where the public identity comes from, interactively: its JSON text, or an email for the organisation's directory. */
async function askSource(services: Services, organisation: string | undefined): Promise<string | DirectoryLookup | undefined> {
  const me = await services.identities.get();
  const picked = await vscode.window.showQuickPick(
    [
      ...(organisation ? [{ label: '$(organization) From the organisation directory…', description: organisation, id: 'directory' }] : []),
      { label: '$(clippy) From the clipboard', description: 'what Copy Public Identity copies (or sensitivity id show --json prints)', id: 'clipboard' },
      { label: '$(file) From a file…', id: 'file' },
      ...(me ? [{ label: '$(account) Myself', description: `${me.name} <${me.email}>`, id: 'me' }] : []),
    ],
    { title: 'Add a Person to the Workspace' },
  );
  if (!picked) return undefined;
  if (picked.id === 'directory') {
    const email = await vscode.window.showInputBox({
      title: 'Add a Person from the Organisation Directory',
      prompt: `Their email: ${organisation} vouches for their keys with a certificate`,
      placeHolder: 'name@example.com',
      validateInput: (v) => (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim()) ? null : 'an email address'),
    });
    return email === undefined ? undefined : { fromDirectory: email.trim() };
  }
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
    const core = await services.core();
    const session = await services.session(folder);
    const policy = await session.store.policy();
    const organisation = policy.organisation;
    // One confirmation for the batch: the workspace's keys (the organisation) and a changed key of the person.
    const trust = new TrustConfirmation(services);
    let source: unknown = options.fromDirectory !== undefined ? { fromDirectory: options.fromDirectory } : options.person;
    if (source === undefined) {
      source = uris?.[0] ? await fs.readFile(uris[0].fsPath, 'utf8') : await askSource(services, organisation?.url);
      if (source === undefined) return undefined;
    }
    let certified: string | undefined;
    let person: PublicIdentity;
    if (isDirectoryLookup(source)) {
      const email = source.fromDirectory;
      const found = await trust.run(session, () => core.app.certifiedPerson(session, policy, email));
      person = found.identity;
      certified = `Certified by ${found.certificate.issuer} (organisation key fingerprint ${found.organisationKey.fingerprint}). `;
    } else {
      person = core.parsePublicIdentity(typeof source === 'string' ? parseJson(source) : source);
    }
    await trust.run(session, ({ acceptNewKey }) => core.app.addToPeople(session, person, { replace: options.replace ?? false, acceptNewKey }));
    if (options.person === undefined) {
      void vscode.window.showInformationMessage(`Added ${person.name} <${person.email}> to this workspace's people.`, {
        detail: `${certified ?? ''}Fingerprint ${core.fingerprint(person.id)}: compare it with what they see in Show My Identity.`,
      });
    }
    return person;
  } catch (e) {
    if (e instanceof Cancelled) return undefined;
    void showError(services, e);
    return undefined;
  }
}

/** An email to look up in the organisation's directory (never a public identity, which has no `fromDirectory`). */
interface DirectoryLookup {
  readonly fromDirectory: string;
}
const isDirectoryLookup = (v: unknown): v is DirectoryLookup =>
  typeof v === 'object' && v !== null && typeof (v as { fromDirectory?: unknown }).fromDirectory === 'string';

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
