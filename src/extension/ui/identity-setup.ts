/** First use: an action that needs your keys offers to create an identity or import the one you have. */
import * as vscode from 'vscode';
import type { Identity } from '../../core/identity.js';
import { createIdentity } from '../commands/create-identity.js';
import { importIdentity } from '../commands/import-identity.js';
import type { Services } from '../services.js';

/** Your identity, after offering to create or import one when there is none; undefined if declined. */
export async function ensureIdentity(services: Services, purpose: string): Promise<Identity | undefined> {
  const existing = await services.identities.get();
  if (existing) return existing;
  const create = 'Create Identity…';
  const imp = 'Import Existing…';
  const choice = await vscode.window.showInformationMessage(
    `To ${purpose} you need a Sensitivity identity.`,
    {
      modal: true,
      detail:
        "An identity is your name, email and two key pairs: one signs the files you protect, one receives the keys of files shared with you. The private keys stay in VS Code's secret storage. Already use the sensitivity command-line tool? Import its identity so one identity serves both.",
    },
    create,
    imp,
  );
  if (choice === create) await createIdentity(services);
  else if (choice === imp) await importIdentity(services);
  return services.identities.get();
}
