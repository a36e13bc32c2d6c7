/** What the access panel needs from the rest of the extension (the extension's `Services` satisfies it). */
import type * as vscode from 'vscode';
import type { Session } from '../../node/session.js';
import type { PanelFinding } from './model.js';
import { COMMAND } from '../commands/ids.js';

export interface PanelServices {
  readonly log: Pick<vscode.LogOutputChannel, 'info' | 'warn' | 'error'>;
  /** A session acting on `uri` as you (identity may be absent: listing still works). */
  session(uri: vscode.Uri): Promise<Session>;
  /** Fires when your identity changes: your rights on every protected file change with it. */
  readonly identities: { readonly onDidChange: vscode.Event<unknown> };
  /** Content findings of a plain file (issue 5), when detection is available. */
  findings?(uri: vscode.Uri): Promise<PanelFinding | undefined>;
  /** Fires when content findings change (someone typed or pasted sensitive content): plain rows are read again. */
  readonly contentFindings?: { readonly onDidChange: vscode.Event<unknown> };
}

/**
 * The extension's command ids the panel runs (the host runs the command; the webview only asks). Each takes
 * the file's URI as its first argument; revoke also takes the grantee's identity id.
 */
export const PANEL_COMMANDS = {
  applyLabel: COMMAND.applyLabel,
  protect: COMMAND.protect,
  grant: COMMAND.grantAccess,
  revoke: COMMAND.revokeAccess,
  changeExpiry: COMMAND.changeExpiry,
  acceptRestore: COMMAND.acceptRestore,
  createIdentity: COMMAND.createIdentity,
  importIdentity: COMMAND.importIdentity,
  showAuditLog: COMMAND.showAuditLog,
} as const;
