/**
 * Every command's id and palette title, in one table without `vscode`, so unit tests can hold
 * package.json's `contributes.commands` against it (test/unit/commands-manifest.test.ts). Code names
 * commands through `COMMAND`, never by a string literal.
 */
export const COMMAND = {
  applyLabel: 'sensitivity.applyLabel',
  removeLabel: 'sensitivity.removeLabel',
  protect: 'sensitivity.protect',
  unprotect: 'sensitivity.unprotect',
  grantAccess: 'sensitivity.grantAccess',
  revokeAccess: 'sensitivity.revokeAccess',
  showAccessPanel: 'sensitivity.showAccessPanel',
  showAuditLog: 'sensitivity.showAuditLog',
  inspect: 'sensitivity.inspect',
  changeExpiry: 'sensitivity.changeExpiry',
  acceptRestore: 'sensitivity.acceptRestore',
  acceptWorkspaceKeys: 'sensitivity.acceptWorkspaceKeys',
  scanWorkspace: 'sensitivity.scanWorkspace',
  revealInExplorer: 'sensitivity.revealInExplorer',
  showIdentity: 'sensitivity.showIdentity',
  createIdentity: 'sensitivity.createIdentity',
  exportIdentity: 'sensitivity.exportIdentity',
  importIdentity: 'sensitivity.importIdentity',
  addPerson: 'sensitivity.addPerson',
  copyBlocked: 'sensitivity.copyBlocked',
  keepLabelAfterPaste: 'sensitivity.keepLabelAfterPaste',
  signIn: 'sensitivity.signIn',
  signOut: 'sensitivity.signOut',
} as const;

export type CommandId = (typeof COMMAND)[keyof typeof COMMAND];

/** The palette title of each command (category "Sensitivity"; package.json holds the same). */
export const COMMAND_TITLES: Readonly<Record<CommandId, string>> = {
  [COMMAND.applyLabel]: 'Apply Label (Classify)…',
  [COMMAND.removeLabel]: 'Remove Label',
  [COMMAND.protect]: 'Protect (Encrypt)…',
  [COMMAND.unprotect]: 'Unprotect (Decrypt)',
  [COMMAND.grantAccess]: 'Share (Grant Access)…',
  [COMMAND.revokeAccess]: 'Stop Sharing (Revoke Access)…',
  [COMMAND.showAccessPanel]: 'Show Access Panel',
  [COMMAND.showAuditLog]: 'Show Audit Log',
  [COMMAND.inspect]: 'Inspect Protected File',
  [COMMAND.changeExpiry]: 'Change Expiry (Extend or End Access)…',
  [COMMAND.acceptRestore]: 'Accept Restored Version (Rollback)…',
  [COMMAND.acceptWorkspaceKeys]: 'Accept Workspace Keys…',
  [COMMAND.scanWorkspace]: 'Scan Workspace for Sensitive Content',
  [COMMAND.revealInExplorer]: 'Reveal in Explorer',
  [COMMAND.showIdentity]: 'Show My Identity',
  [COMMAND.createIdentity]: 'Create My Identity…',
  [COMMAND.exportIdentity]: 'Export My Identity…',
  [COMMAND.importIdentity]: 'Import My Identity…',
  [COMMAND.addPerson]: 'Add a Person…',
  [COMMAND.copyBlocked]: 'Copy (Not Allowed by Your Rights)',
  [COMMAND.keepLabelAfterPaste]: 'Keep the Label Under Pasted Text…',
  [COMMAND.signIn]: 'Sign In to Your Organisation…',
  [COMMAND.signOut]: 'Sign Out of Your Organisation',
};
