/**
 * Sets the `sensitivity.noExtract` context key while the active editor shows a protected file whose
 * rights lack EXTRACT; package.json binds copy and cut to `sensitivity.copyBlocked` under that key.
 */
import * as vscode from 'vscode';
import type { LabelIndex } from '../label-index.js';
import { PROTECTED_SCHEME } from './uris.js';

export const NO_EXTRACT_CONTEXT = 'sensitivity.noExtract';

export function registerCopyGuard(labels: LabelIndex): vscode.Disposable {
  let generation = 0;
  const update = async () => {
    const g = ++generation;
    const uri = vscode.window.activeTextEditor?.document.uri;
    let noExtract = false;
    if (uri?.scheme === PROTECTED_SCHEME) {
      const info = await labels.protectedInfo(uri).catch(() => undefined);
      noExtract = !info?.yourRights.includes('EXTRACT');
    }
    if (g === generation) await vscode.commands.executeCommand('setContext', NO_EXTRACT_CONTEXT, noExtract);
  };
  void update();
  return vscode.Disposable.from(
    vscode.window.onDidChangeActiveTextEditor(() => void update()),
    labels.onDidChange(() => void update()),
  );
}
