/**
 * Hot exit's backups would hold unsaved plaintext: VS Code backs up every dirty editor, whatever its
 * scheme, about one second after the last change (`files.hotExit`, WorkingCopyBackupTracker), into the
 * user data folder. Protected editors therefore save themselves after a shorter pause in typing
 * (`sensitivity.protectedFiles.saveDelay`), so the backup timer finds nothing unsaved: the save
 * re-encrypts into the envelope, and VS Code discards any backup of a saved editor.
 */
import * as vscode from 'vscode';
import { PROTECTED_SCHEME } from './uris.js';

/** Below VS Code's 1000 ms backup delay, with room for the save itself. */
const DEFAULT_DELAY_MS = 400;

export function registerSaveSoon(log: vscode.LogOutputChannel): vscode.Disposable {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const clear = (key: string) => {
    clearTimeout(timers.get(key));
    timers.delete(key);
  };
  return vscode.Disposable.from(
    vscode.workspace.onDidChangeTextDocument((e) => {
      const doc = e.document;
      if (doc.uri.scheme !== PROTECTED_SCHEME || e.contentChanges.length === 0) return;
      const delay = vscode.workspace.getConfiguration('sensitivity').get<number>('protectedFiles.saveDelay', DEFAULT_DELAY_MS);
      const key = doc.uri.toString();
      clear(key);
      if (delay <= 0) return;
      timers.set(
        key,
        setTimeout(() => {
          timers.delete(key);
          if (doc.isDirty && !doc.isClosed) doc.save().then(undefined, (err: unknown) => log.warn(`saving ${doc.uri.path}: ${String(err)}`));
        }, delay),
      );
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => clear(doc.uri.toString())),
    { dispose: () => [...timers.keys()].forEach(clear) },
  );
}
