/**
 * Keeps editors truthful when a file changes form: after protecting `notes.md`, its tab shows the
 * protected file; after unprotecting, the plain one. Unsaved edits are saved first, and checked, so nothing is
 * lost (save-first.ts).
 */
import * as vscode from 'vscode';

const sameFile = (a: vscode.Uri, b: vscode.Uri) => a.toString() === b.toString();

function tabUri(tab: vscode.Tab): vscode.Uri | undefined {
  const input = tab.input;
  return input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom ? input.uri : undefined;
}

/**
 * Closes the tabs showing any of `from` and, if one of them was active in its group, opens `to` in its
 * place (through the normal open path, so a `.protected` target is routed by the custom editor).
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
  await vscode.window.tabGroups.close(tabs, true);
  if (column !== undefined) await vscode.commands.executeCommand('vscode.open', to, { viewColumn: column, preview: false });
}
