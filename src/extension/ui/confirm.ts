/**
 * Nothing destructive without a word: a modal that says what will happen before revoking access,
 * unprotecting or lowering a label, and a notification after it with Undo where the change can be undone.
 * `sensitivity.confirmDestructiveActions` turns the question off (the result notification stays).
 */
import * as vscode from 'vscode';

/** Asks before a destructive change; true to go ahead (always, when the setting turns confirmations off). */
export async function confirmChange(question: string, detail: string, action: string): Promise<boolean> {
  if (!vscode.workspace.getConfiguration('sensitivity').get<boolean>('confirmDestructiveActions', true)) return true;
  return (await vscode.window.showWarningMessage(question, { modal: true, detail }, action)) === action;
}

/** Says what was done and offers Undo; `undo` runs when the person asks for it. */
export function reportWithUndo(message: string, undo: () => Thenable<unknown>): void {
  void vscode.window.showInformationMessage(message, 'Undo').then((b) => b === 'Undo' && undo());
}
