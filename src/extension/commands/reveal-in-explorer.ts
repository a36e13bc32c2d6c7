/**
 * `sensitivity.revealInExplorer (target?: Uri)`: shows the `.protected` file behind a protected editor
 * in the Explorer (VS Code's own Reveal does not know the editor's scheme). From the access panel's row
 * context menu it receives the row's `data-vscode-context` (`{ webview, path }`) and reveals that file.
 */
import * as vscode from 'vscode';
import { activeFile, parseArgs } from './targets.js';

/** The context VS Code passes from a right-click on an access panel row. */
function panelRow(arg: unknown): string | undefined {
  const row = arg as { webview?: unknown; path?: unknown } | undefined;
  return typeof row?.webview === 'string' && typeof row.path === 'string' ? row.path : undefined;
}

export async function revealInExplorer(_services: unknown, ...args: unknown[]): Promise<void> {
  const row = panelRow(args[0]);
  const target = row !== undefined ? (await import('../panel/index.js')).fileOnScreen(row) : (parseArgs(args).uris?.[0] ?? activeFile());
  if (target) await vscode.commands.executeCommand('revealInExplorer', target);
}
