/**
 * `sensitivity.unprotect (target?: Uri | Uri[], options?: { keep })`: writes protected files back as
 * plain files (needs EXPORT); the label moves to the manifest. Interactive use confirms first, since the
 * plaintext then sits on disk for anyone with access to the folder.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { confirmChange, reportWithUndo } from '../ui/confirm.js';
import { ensureIdentity } from '../ui/identity-setup.js';
import { swapEditors } from '../protected/editor-swap.js';
import { SavedEdits } from '../protected/save-first.js';
import { editorUriOf, isEnvelopeUri } from '../protected/uris.js';
import { CANCELLED, parseArgs, refusedUnlessMay, resolveTargets, runBatch, type BatchResult } from './targets.js';
import { COMMAND } from './ids.js';

export interface UnprotectOptions {
  /** Keep the `.protected` file beside the plain one. */
  readonly keep: boolean;
}

export async function unprotect(services: Services, ...args: unknown[]): Promise<BatchResult> {
  const { uris, options } = parseArgs<UnprotectOptions>(args);
  const files = await resolveTargets(uris, 'protected', 'Unprotect Files');
  if (!files) return CANCELLED;
  // Refused before the confirmation when you may not export one of them (no access, or no Export right).
  const refused = await refusedUnlessMay(services, 'Unprotecting', files, 'unprotect');
  if (refused) return refused;
  const what = files.length === 1 ? basename(files[0]!.fsPath) : `${files.length} files`;
  if (
    !options &&
    !(await confirmChange(
      `Unprotect ${what}?`,
      'The content is decrypted to a plain file: anyone who can read the folder (or its git history, once committed) can read it, and the access list no longer applies. The label stays in .sensitivity/labels.json.',
      'Unprotect',
    ))
  ) {
    return CANCELLED;
  }
  if (!(await ensureIdentity(services, 'unprotect files'))) return CANCELLED;
  // What Undo protects again with: the label and the people who had access (one file at a time).
  const before = !options && files.length === 1 ? await services.labels.protectedInfo(files[0]!).catch(() => undefined) : undefined;
  const edits = await SavedEdits.save(files, 'it was not unprotected');
  const { app } = await services.core();
  const result = await runBatch(services, 'Unprotecting', files, async (file, step) => {
    const s = await services.session(file);
    const { output } = await edits.run(file, step.signal, (signal) =>
      app.unprotect(s, s.workspace.relPath(file.fsPath), { keep: options?.keep ?? false, signal, onProgress: step.onProgress }),
    );
    const plain = vscode.Uri.file(s.workspace.absPath(output));
    if (!options?.keep) await swapEditors([file, ...(isEnvelopeUri(file) ? [editorUriOf(file)] : [])], plain);
    return plain;
  });
  if (result.done.length === 0) return result;
  const said = `Unprotected ${result.done.length === 1 ? basename(result.done[0]!) : `${result.done.length} files`}: the content is a plain file now.`;
  if (before && result.done.length === 1) {
    const me = await services.identities.get();
    const grants = before.grants.filter((g) => !g.recovery && g.id !== me?.id).map((g) => ({ who: g.email, role: g.role }));
    reportWithUndo(said, () => vscode.commands.executeCommand(COMMAND.protect, vscode.Uri.file(result.done[0]!), { label: before.label.id, grants }));
  } else {
    vscode.window.setStatusBarMessage(said, 3000);
  }
  return result;
}
