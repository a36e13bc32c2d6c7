/**
 * The command table (Error Lens's `commands.ts` manner): every command's id, palette title and handler,
 * one handler per file. package.json `contributes.commands` mirrors this table (category "Sensitivity");
 * an integration test checks both directions.
 */
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { COMMAND, type CommandId } from './ids.js';
import { acceptRestore } from './accept-restore.js';
import { acceptWorkspaceKeys } from './accept-workspace-keys.js';
import { addPerson } from './add-person.js';
import { applyLabel } from './apply-label.js';
import { changeExpiry } from './change-expiry.js';
import { copyBlocked } from './copy-blocked.js';
import { keepLabelAfterPaste } from './keep-label-after-paste.js';
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
import { showAuditLog } from './show-audit-log.js';
import { showIdentity } from './show-identity.js';
import { signIn, signOut } from './sign-in.js';
import { unprotect } from './unprotect.js';

export interface CommandSpec {
  readonly id: CommandId;
  readonly run: (services: Services, ...args: unknown[]) => unknown;
}

export const COMMANDS: readonly CommandSpec[] = [
  { id: COMMAND.applyLabel, run: applyLabel },
  { id: COMMAND.removeLabel, run: removeLabel },
  { id: COMMAND.protect, run: protect },
  { id: COMMAND.unprotect, run: unprotect },
  { id: COMMAND.grantAccess, run: grantAccess },
  { id: COMMAND.revokeAccess, run: revokeAccess },
  { id: COMMAND.showAccessPanel, run: showAccessPanel },
  { id: COMMAND.showAuditLog, run: showAuditLog },
  { id: COMMAND.inspect, run: inspect },
  { id: COMMAND.changeExpiry, run: changeExpiry },
  { id: COMMAND.acceptRestore, run: acceptRestore },
  { id: COMMAND.acceptWorkspaceKeys, run: acceptWorkspaceKeys },
  { id: COMMAND.scanWorkspace, run: scanWorkspace },
  { id: COMMAND.revealInExplorer, run: revealInExplorer },
  { id: COMMAND.showIdentity, run: showIdentity },
  { id: COMMAND.createIdentity, run: createIdentity },
  { id: COMMAND.exportIdentity, run: exportIdentity },
  { id: COMMAND.importIdentity, run: importIdentity },
  { id: COMMAND.addPerson, run: addPerson },
  { id: COMMAND.copyBlocked, run: copyBlocked },
  { id: COMMAND.keepLabelAfterPaste, run: keepLabelAfterPaste },
  { id: COMMAND.signIn, run: signIn },
  { id: COMMAND.signOut, run: signOut },
];

/** Registers every command of the table; the returned disposable unregisters them all. */
export function registerCommands(services: Services): vscode.Disposable {
  return vscode.Disposable.from(...COMMANDS.map((c) => vscode.commands.registerCommand(c.id, (...args: unknown[]) => c.run(services, ...args))));
}
