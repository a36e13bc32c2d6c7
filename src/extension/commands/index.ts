/**
 * The command table (Error Lens's `commands.ts` manner): every command's id, palette title and handler,
 * one handler per file. package.json `contributes.commands` mirrors this table (category "Sensitivity");
 * an integration test checks both directions.
 */
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { addPerson } from './add-person.js';
import { applyLabel } from './apply-label.js';
import { copyBlocked } from './copy-blocked.js';
import { createIdentity } from './create-identity.js';
import { exportIdentity } from './export-identity.js';
import { grantAccess } from './grant-access.js';
import { importIdentity } from './import-identity.js';
import { inspect } from './inspect.js';
import { protect } from './protect.js';
import { removeLabel } from './remove-label.js';
import { revealInExplorer } from './reveal-in-explorer.js';
import { revokeAccess } from './revoke-access.js';
import { scanWorkspace } from './scan-workspace.js';
import { showAccessPanel } from './show-access-panel.js';
import { showIdentity } from './show-identity.js';
import { unprotect } from './unprotect.js';

export interface CommandSpec {
  readonly id: string;
  /** The palette title (package.json holds the same). */
  readonly title: string;
  readonly run: (services: Services, ...args: unknown[]) => unknown;
}

export const COMMANDS: readonly CommandSpec[] = [
  { id: 'sensitivity.applyLabel', title: 'Apply Label (Classify)…', run: applyLabel },
  { id: 'sensitivity.removeLabel', title: 'Remove Label', run: removeLabel },
  { id: 'sensitivity.protect', title: 'Protect (Encrypt)…', run: protect },
  { id: 'sensitivity.unprotect', title: 'Unprotect (Decrypt)', run: unprotect },
  { id: 'sensitivity.grantAccess', title: 'Share (Grant Access)…', run: grantAccess },
  { id: 'sensitivity.revokeAccess', title: 'Stop Sharing (Revoke Access)…', run: revokeAccess },
  { id: 'sensitivity.showAccessPanel', title: 'Show Access Panel', run: showAccessPanel },
  { id: 'sensitivity.inspect', title: 'Inspect Protected File', run: inspect },
  { id: 'sensitivity.scanWorkspace', title: 'Scan Workspace for Sensitive Content', run: scanWorkspace },
  { id: 'sensitivity.revealInExplorer', title: 'Reveal in Explorer', run: revealInExplorer },
  { id: 'sensitivity.showIdentity', title: 'Show My Identity', run: showIdentity },
  { id: 'sensitivity.createIdentity', title: 'Create My Identity…', run: createIdentity },
  { id: 'sensitivity.exportIdentity', title: 'Export My Identity…', run: exportIdentity },
  { id: 'sensitivity.importIdentity', title: 'Import My Identity…', run: importIdentity },
  { id: 'sensitivity.addPerson', title: 'Add a Person…', run: addPerson },
  { id: 'sensitivity.copyBlocked', title: 'Copy (Not Allowed by Your Rights)', run: copyBlocked },
];

/** Registers every command of the table; the returned disposable unregisters them all. */
export function registerCommands(services: Services): vscode.Disposable {
  return vscode.Disposable.from(...COMMANDS.map((c) => vscode.commands.registerCommand(c.id, (...args: unknown[]) => c.run(services, ...args))));
}
