/**
 * Labels travel with pasted text (Office's label inheritance). Copying from a labeled or protected editor
 * attaches the source's label to the clipboard (in this window: VS Code keeps extension data transfer
 * items per window); pasting into a file with a lower label, or none, does what the policy's `paste` says:
 * - recommend (default): the text pastes, a notification offers to raise the label, the pasted range keeps a
 *   warning until the label is raised or kept with a reason (pasted-labels.ts), and the paste widget
 *   offers "Paste and Raise Label to …" (`editor.action.pasteAs` with kind `text.sensitivity.raiseLabel`);
 * - apply: the text pastes and the label is raised;
 * - block: the paste inserts nothing and says why.
 * Copy from a protected editor without EXTRACT never reaches here: `copy-guard.ts` blocks it.
 */
import * as vscode from 'vscode';
import type { PasteOutcome } from '../../core/app/index.js';
import type { Services } from '../services.js';
import { envelopeUriOf, PROTECTED_SCHEME } from '../protected/uris.js';
import { COMMAND } from '../commands/ids.js';
import { PastedLabels } from './pasted-labels.js';

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

/** The range `text` takes once inserted at `at`. */
function rangeOf(at: vscode.Position, text: string): [number, number, number, number] {
  const lines = text.split(/\r?\n/);
  const end = lines.length === 1 ? at.character + text.length : lines.at(-1)!.length;
  return [at.line, at.character, at.line + lines.length - 1, end];
}

export class LabelPasteProvider implements vscode.DocumentPasteEditProvider<vscode.DocumentPasteEdit> {
  constructor(
    private readonly services: Services,
    private readonly pasted: PastedLabels,
  ) {}

  async prepareDocumentPaste(document: vscode.TextDocument, _ranges: readonly vscode.Range[], dataTransfer: vscode.DataTransfer): Promise<void> {
    const label = await this.services.labels.labelOf(document.uri).catch(() => undefined);
    if (!label?.label) return;
    const copied: CopiedLabel = { id: label.label.id, from: label.rel };
    dataTransfer.set(LABEL_MIME, new vscode.DataTransferItem(JSON.stringify(copied)));
  }

  async provideDocumentPasteEdits(
    document: vscode.TextDocument,
    ranges: readonly vscode.Range[],
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
    // Until the label is raised or kept with a reason, the pasted range carries a warning (kept across reloads).
    if (outcome.kind !== 'block' && automatic && ranges[0]) {
      void this.pasted.add(document.uri, { label: outcome.source.id, labelName: to, from: copied.from, range: rangeOf(ranges[0].start, text) });
    }
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

  /** Raises the label through Apply Label: its checks, its audit entry, and for a label that protects, its question. */
  private async raise(uri: vscode.Uri, label: string, done?: string): Promise<void> {
    const result = await vscode.commands.executeCommand<{ done: readonly string[] } | undefined>(COMMAND.applyLabel, envelopeUriOf(uri), { label });
    if (done && result && result.done.length > 0) void vscode.window.showInformationMessage(done);
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
  const selector = [{ scheme: 'file' }, { scheme: PROTECTED_SCHEME }];
  const pasted = new PastedLabels(services);
  return vscode.Disposable.from(
    pasted,
    vscode.languages.registerCodeActionsProvider(selector, pasted, PastedLabels.metadata),
    vscode.languages.registerDocumentPasteEditProvider(selector, new LabelPasteProvider(services, pasted), {
      providedPasteEditKinds: [RAISE_KIND, BLOCKED_KIND],
      copyMimeTypes: [LABEL_MIME],
      pasteMimeTypes: [LABEL_MIME],
    }),
  );
}
