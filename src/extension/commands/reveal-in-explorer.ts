/**
 * `sensitivity.revealInExplorer (target?: Uri)`: shows the `.protected` file behind a protected editor
 * in the Explorer (VS Code's own Reveal does not know the editor's scheme).
 */
import * as vscode from 'vscode';
import { activeFile, parseArgs } from './targets.js';

export async function revealInExplorer(_services: unknown, ...args: unknown[]): Promise<void> {
  const target = parseArgs(args).uris?.[0] ?? activeFile();
  if (target) await vscode.commands.executeCommand('revealInExplorer', target);
}
