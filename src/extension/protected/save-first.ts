/**
 * Unsaved edits reach the disk before a file changes form (protect, unprotect) or its label rewrites it
 * (markings), and that they did is checked right before each file is acted on (issue 22). VS Code may not save
 * them: another program wrote the file meanwhile (a conflict), the write failed, the person cancelled a slow
 * save. Acting then would protect or mark the old text on disk and close the editor over the edits, so the file
 * is refused (E_SAVE_FAILED) and both it and its editor stay as they were.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { isSensitivityError, SensitivityError } from '../../core/errors.js';
import { editorUriOf, isEnvelopeUri } from './uris.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The URIs of the editors of `file`: the file itself, and for a protected file the editor of its plaintext. */
const editorsOf = (file: vscode.Uri): string[] => (isEnvelopeUri(file) ? [file, editorUriOf(file)] : [file]).map((u) => u.toString());

/** The open documents of these editors (by URI). */
const documentsOf = (editors: ReadonlySet<string>): vscode.TextDocument[] =>
  vscode.workspace.textDocuments.filter((d) => !d.isClosed && editors.has(d.uri.toString()));

/** True when the plain file of `doc` holds exactly the bytes its editor would write (digests compared, no text kept). */
async function onDisk(doc: vscode.TextDocument): Promise<boolean> {
  const [disk, held] = await Promise.all([
    fs.readFile(doc.uri.fsPath).catch(() => undefined),
    vscode.workspace.encode(doc.getText(), { encoding: doc.encoding }),
  ]);
  return disk !== undefined && sha256(disk) === sha256(held);
}

/** The editors saved before an action on files, checked again right before each file is acted on. */
export class SavedEdits {
  private constructor(
    /** The editors (by URI) of the files given: only those are checked. */
    private readonly editors: ReadonlySet<string>,
    /** Documents (by URI) that held unsaved edits and were saved here. */
    private readonly saved: ReadonlySet<string>,
    /** What did not happen, for the refusal: "the file was not protected". */
    private readonly notDone: string,
  ) {}

  /**
   * Saves the unsaved editors of `files` (a protected file's through the encrypting file system). A save VS Code
   * does not make is no error here: `run` refuses that file.
   */
  static async save(files: readonly vscode.Uri[], notDone: string): Promise<SavedEdits> {
    const editors = new Set(files.flatMap(editorsOf));
    const saved = new Set<string>();
    for (const doc of documentsOf(editors)) {
      if (!doc.isDirty) continue;
      saved.add(doc.uri.toString());
      await doc.save();
    }
    return new SavedEdits(editors, saved, notDone);
  }

  /**
   * Runs `act` on `file`, if it was among the files saved, once no editor of it holds unsaved edits and, where one
   * was saved here, the disk holds what the editor holds; else E_SAVE_FAILED and `act` does not run. `act`'s signal
   * also aborts when an editor of the file is edited meanwhile: E_SAVE_FAILED then too, if the core was still
   * reading the file (its cancellation). A file not among them (a label without markings only changes the
   * manifest) is acted on as it is.
   */
  async run<T>(file: vscode.Uri, signal: AbortSignal, act: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const refusal = (why: string) => new SensitivityError('E_SAVE_FAILED', `${why}, so ${this.notDone}. Save it and try again`, file.fsPath);
    const editors = new Set(editorsOf(file).filter((u) => this.editors.has(u)));
    if (editors.size === 0) return act(signal);
    for (const doc of documentsOf(editors)) {
      if (doc.isDirty || (this.saved.has(doc.uri.toString()) && doc.uri.scheme === 'file' && !(await onDisk(doc)))) {
        throw refusal('your unsaved changes could not be saved');
      }
    }
    const edited = new AbortController();
    const watch = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0 && editors.has(e.document.uri.toString())) edited.abort();
    });
    try {
      return await act(AbortSignal.any([signal, edited.signal]));
    } catch (e) {
      if (edited.signal.aborted && !signal.aborted && isSensitivityError(e, 'E_CANCELLED')) throw refusal('it was edited meanwhile');
      throw e;
    } finally {
      watch.dispose();
    }
  }
}
