/**
 * `sensitivity.showIdentity (options?: { quiet })`: shows who you are here, with what to do next (copy the
 * public identity to share, add yourself to the workspace's people, export a backup). Returns the public
 * identity; the notification is not awaited, so the command completes at once.
 */
import * as vscode from 'vscode';
import type { PublicIdentity } from '../../core/identity.js';
import type { Services } from '../services.js';
import { parseArgs } from './targets.js';
import { COMMAND } from './ids.js';

export interface ShowIdentityOptions {
  /** Return the identity without showing anything. */
  readonly quiet: boolean;
}

export async function showIdentity(services: Services, ...args: unknown[]): Promise<PublicIdentity | undefined> {
  const { options = {} } = parseArgs<ShowIdentityOptions>(args);
  const identity = await services.identities.get();
  if (!identity) {
    if (!options.quiet) {
      void vscode.window
        .showInformationMessage(
          'You have no Sensitivity identity yet. Create one to protect files and open those shared with you.',
          'Create Identity…',
          'Import Identity…',
        )
        .then((b) => b && vscode.commands.executeCommand(b === 'Create Identity…' ? COMMAND.createIdentity : COMMAND.importIdentity));
    }
    return undefined;
  }
  const core = await services.core();
  const pub = core.publicIdentity(identity);
  if (!options.quiet) {
    const copy = 'Copy Public Identity';
    const addMe = 'Add Me to Workspace People';
    const backup = 'Export…';
    // A notification shows no `detail` (only modals do): the fingerprint is in the message itself (issue 22).
    void vscode.window
      .showInformationMessage(
        `Your identity: ${pub.name} <${pub.email}>, fingerprint ${core.fingerprint(pub.id)}. Others compare it with theirs before they share with you.`,
        copy,
        addMe,
        backup,
      )
      .then(async (b) => {
        if (b === copy) {
          await vscode.env.clipboard.writeText(JSON.stringify(pub, null, 2));
          void vscode.window.showInformationMessage('Copied. Others add you with "Sensitivity: Add a Person…" (or "sensitivity people add" in a terminal).');
        } else if (b === addMe) {
          await vscode.commands.executeCommand(COMMAND.addPerson, { person: pub });
        } else if (b === backup) {
          await vscode.commands.executeCommand(COMMAND.exportIdentity);
        }
      });
  }
  return pub;
}
