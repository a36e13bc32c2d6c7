/**
 * Labels travel with pasted text (Office's label inheritance). Copying from a labeled or protected editor
 * attaches the source's label to the clipboard (in this window: VS Code keeps extension data transfer
 * items per window); pasting into a file with a lower label, or none, does what the policy's `paste` says:
 * - recommend (default): the text pastes, a notification offers to raise the label, and the paste widget
 *   offers "Paste and Raise Label to …" (`editor.action.pasteAs` with kind `text.sensitivity.raiseLabel`);
 * - apply: the text pastes and the label is raised;
 * - block: the paste inserts nothing and says why.
 * Copy from a protected editor without EXTRACT never reaches here: `copy-guard.ts` blocks it.
 */
import * as vscode from 'vscode';
import type { PasteOutcome } from '../../core/app/index.js';
import type { Services } from '../services.js';
import { envelopeUriOf, PROTECTED_SCHEME } from '../protected/uris.js';

/** The clipboard item that carries the source's label id. */
export const LABEL_MIME = 'application/vnd.sensitivity-label+json';
/** The paste edit that pastes and raises the label. */
export const RAISE_KIND = vscode.DocumentDropOrPasteEditKind.Text.append('sensitivity', 'raiseLabel');
const BLOCKED_KIND = vscode.DocumentDropOrPasteEditKind.Text.append('sensitivity', 'blocked');

interface CopiedLabel {
  readonly id: string;
  readonly from: string;
}

class RaiseEdit extends vscode.DocumentPasteEdit {
  constructor(
    text: string,
    title: string,
    readonly target: vscode.Uri,
    readonly label: string,
  ) {
    super(text, title, RAISE_KIND);
  }
}

export class LabelPasteProvider implements vscode.DocumentPasteEditProvider<vscode.DocumentPasteEdit> {
  constructor(private readonly services: Services) {}

  async prepareDocumentPaste(document: vscode.TextDocument, _ranges: readonly vscode.Range[], dataTransfer: vscode.DataTransfer): Promise<void> {
    const label = await this.services.labels.labelOf(document.uri).catch(() => undefined);
    if (!label?.label) return;
    const copied: CopiedLabel = { id: label.label.id, from: label.rel };
    dataTransfer.set(LABEL_MIME, new vscode.DataTransferItem(JSON.stringify(copied)));
  }

  async provideDocumentPasteEdits(
    document: vscode.TextDocument,
    _ranges: readonly vscode.Range[],
    dataTransfer: vscode.DataTransfer,
    context: vscode.DocumentPasteEditContext,
  ): Promise<vscode.DocumentPasteEdit[] | undefined> {
    const copied = parseCopied(await dataTransfer.get(LABEL_MIME)?.asString());
    const text = await dataTransfer.get('text/plain')?.asString();
    if (!copied || text === undefined) return undefined;
    const outcome = await this.outcome(document.uri, copied.id);
    if (outcome.kind === 'fine') return undefined;
    const to = outcome.source.displayName;
    const name = vscode.workspace.asRelativePath(document.uri);
    const from = outcome.target ? `${outcome.target.name}` : 'no label';
    const automatic = context.triggerKind === vscode.DocumentPasteTriggerKind.Automatic;
    switch (outcome.kind) {
      case 'block':
        if (automatic)
          void vscode.window.showErrorMessage(
            `Not pasted: the text comes from a ${to} file and ${name} is ${from}. This workspace's policy asks you to raise ${name}'s label to ${to} first.`,
          );
        return [new vscode.DocumentPasteEdit('', `Not Pasted: Raise the Label to ${to} First`, BLOCKED_KIND)];
      case 'apply':
        if (automatic) void this.raise(document.uri, outcome.source.id, `Raised ${name} to ${to}: the pasted text comes from a ${to} file (workspace policy).`);
        return [new vscode.DocumentPasteEdit(text, `Paste (Label Raised to ${to})`, RAISE_KIND)];
      case 'recommend': {
        if (automatic) {
          void vscode.window
            .showInformationMessage(`The pasted text comes from a ${to} file; ${name} is ${from}.`, `Raise Label to ${to}`)
            .then((b) => b && this.raise(document.uri, outcome.source.id));
        }
        const edit = new RaiseEdit(text, `Paste and Raise Label to ${to}`, document.uri, outcome.source.id);
        edit.yieldTo = [vscode.DocumentDropOrPasteEditKind.Text];
        return [edit];
      }
    }
  }

  /** Called only for the edit being applied: the "Paste and Raise Label" choice raises it. */
  async resolveDocumentPasteEdit(edit: vscode.DocumentPasteEdit): Promise<vscode.DocumentPasteEdit> {
    if (edit instanceof RaiseEdit) await this.raise(edit.target, edit.label);
    return edit;
  }

  private async outcome(uri: vscode.Uri, label: string): Promise<PasteOutcome> {
    try {
      const { app } = await this.services.core();
      const disk = envelopeUriOf(uri);
      const s = await this.services.session(disk);
      return await app.pasteOutcome(s, s.workspace.relPath(disk.fsPath), label);
    } catch (e) {
      this.services.log.warn(`paste label check for ${uri.toString()}: ${e instanceof Error ? e.message : String(e)}`);
      return { kind: 'fine' };
    }
  }

  private async raise(uri: vscode.Uri, label: string, done?: string): Promise<void> {
    try {
      const { app } = await this.services.core();
      const disk = envelopeUriOf(uri);
      const s = await this.services.session(disk);
      await app.setFileLabel(s, s.workspace.relPath(disk.fsPath), label);
      this.services.labels.invalidate([disk]);
      if (done) void vscode.window.showInformationMessage(done);
    } catch (e) {
      void vscode.window.showErrorMessage(`The label was not raised: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

function parseCopied(text: string | undefined): CopiedLabel | undefined {
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as Partial<CopiedLabel>;
    return typeof v.id === 'string' && typeof v.from === 'string' ? { id: v.id, from: v.from } : undefined;
  } catch {
    return undefined;
  }
}

/** Registers the copy and paste provider for files and protected editors. */
export function registerLabelPaste(services: Services): vscode.Disposable {
  return vscode.languages.registerDocumentPasteEditProvider([{ scheme: 'file' }, { scheme: PROTECTED_SCHEME }], new LabelPasteProvider(services), {
    providedPasteEditKinds: [RAISE_KIND, BLOCKED_KIND],
    copyMimeTypes: [LABEL_MIME],
    pasteMimeTypes: [LABEL_MIME],
  });
}
