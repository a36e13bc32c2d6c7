/**
 * A copy keeps its label: "Save As…", "Duplicate", copy and paste or drag with Ctrl in the Explorer, or `cp`
 * in a terminal all end in a new file on disk. When a new plain file is a byte-for-byte copy of a labeled
 * one, it takes that label (`app.labelCopy`). Renames and moves made in VS Code are `policy-at-work.ts`'s;
 * moves outside it (`git mv`) are `sensitivity label mv`'s.
 */
import * as vscode from 'vscode';
import { SKIPPED_DIRS } from '../../core/paths.js';
import type { Services } from '../services.js';
import { isEnvelopeUri } from '../protected/uris.js';

/** One check per file at a time: the watcher and `onDidCreateFiles` both report a copy made in VS Code. */
const checking = new Map<string, Promise<boolean>>();

const skipped = (uri: vscode.Uri) => uri.scheme !== 'file' || isEnvelopeUri(uri) || uri.path.split('/').some((part) => SKIPPED_DIRS.has(part));

/** Gives `uri` the label of the labeled file it copies; true when it did (or it already had one from such a copy). */
export function followCopy(services: Services, uri: vscode.Uri): Promise<boolean> {
  if (skipped(uri)) return Promise.resolve(false);
  const key = uri.fsPath;
  let p = checking.get(key);
  if (!p) {
    p = labelCopy(services, uri).finally(() => checking.delete(key));
    checking.set(key, p);
  }
  return p;
}

async function labelCopy(services: Services, uri: vscode.Uri): Promise<boolean> {
  try {
    if ((await vscode.workspace.fs.stat(uri)).type !== vscode.FileType.File) return false;
    if (!(await services.identities.get())) return false;
    const { app } = await services.core();
    const s = await services.session(uri);
    const copied = await app.labelCopy(s, s.workspace.relPath(uri.fsPath));
    if (!copied) return false;
    services.labels.invalidate([uri]);
    services.log.info(`${uri.fsPath}: labeled ${copied.change.to}, as its original ${copied.source}`);
    return true;
  } catch (e) {
    services.log.warn(`label of copy ${uri.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
}

/** Watches the workspace for new files (from VS Code or not) and labels the copies among them. */
export function registerCopies(services: Services): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher('**/*', false, true, true);
  return vscode.Disposable.from(
    watcher,
    watcher.onDidCreate((uri) => void followCopy(services, uri)),
  );
}
