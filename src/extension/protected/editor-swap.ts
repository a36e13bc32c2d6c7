/**
 * Keeps editors truthful when a file changes form: after protecting `notes.md`, its tab shows the
 * protected file; after unprotecting, the plain one. Unsaved edits are saved first, and checked, so nothing is
 * lost (save-first.ts).
 */
import * as vscode from 'vscode';
import { editorUriOf, isEnvelopeUri } from './uris.js';

const sameFile = (a: vscode.Uri, b: vscode.Uri) => a.toString() === b.toString();

function tabUri(tab: vscode.Tab): vscode.Uri | undefined {
  const input = tab.input;
  return input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom ? input.uri : undefined;
}

/**
 * Moves unsaved edits of `from` into the editor of `to`, left unsaved there (a protected file's editor saves itself,
 * encrypted), and reverts them in `from`, whose file is gone: closing its tab then asks nothing and writes no
 * plaintext back. Only edits typed in the moment the file changed form get here (save-first.ts refuses the rest).
 */
async function carryEdits(from: readonly vscode.Uri[], to: vscode.Uri): Promise<void> {
  const dirty = vscode.workspace.textDocuments.find((d) => d.isDirty && from.some((f) => sameFile(f, d.uri)));
  if (!dirty) return;
  const target = await vscode.workspace.openTextDocument(isEnvelopeUri(to) ? editorUriOf(to) : to);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(target.uri, new vscode.Range(new vscode.Position(0, 0), target.lineAt(target.lineCount - 1).range.end), dirty.getText());
  if (!(await vscode.workspace.applyEdit(edit))) return;
  await vscode.window.showTextDocument(dirty, { preview: false });
  await vscode.commands.executeCommand('workbench.action.files.revert');
}

/**
 * Closes the tabs showing any of `from` (their unsaved edits carried to `to`'s editor) and, if one of them was
 * active in its group, opens `to` in its place (through the normal open path, so a `.protected` target is routed by
 * the custom editor).
 */
export async function swapEditors(from: readonly vscode.Uri[], to: vscode.Uri): Promise<void> {
  const tabs = vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => {
      const u = tabUri(t);
      return u !== undefined && from.some((f) => sameFile(f, u));
    });
  if (tabs.length === 0) return;
  const active = tabs.find((t) => t.isActive && t.group.isActive) ?? tabs.find((t) => t.isActive);
  const column = active?.group.viewColumn;
  await carryEdits(from, to);
  await vscode.window.tabGroups.close(tabs, true);
  if (column !== undefined) await vscode.commands.executeCommand('vscode.open', to, { viewColumn: column, preview: false });
}
