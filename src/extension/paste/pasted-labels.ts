/**
 * Labels follow content until resolved (issue 22): text pasted from a file of a higher label leaves a warning on
 * the pasted range — the source's label, "Raise label" and "Keep the label (give a reason)…" — that stays
 * across reloads (workspace state) until the file's label reaches the source's or someone keeps it with a
 * reason (`keepLabelAfterPaste`, audited). Dropped pastes are never lost silently.
 */
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { envelopeUriOf } from '../protected/uris.js';
import { COMMAND } from '../commands/ids.js';

/** Diagnostics' code and the workspace-state key of the pastes awaiting a decision. */
export const PASTED_CODE = 'pasted-label';
const STATE_KEY = 'sensitivity.pastedLabels';

/** One paste awaiting a decision: the source's label, the file it came from, where it went. */
export interface PastedText {
  readonly label: string;
  readonly labelName: string;
  readonly from: string;
  readonly range: readonly [number, number, number, number];
}

type Pastes = Record<string, readonly PastedText[]>;

/** The pastes awaiting a decision, per document URI (read from the workspace state). */
export function pastesOf(services: Services): Pastes {
  return services.context.workspaceState.get<Pastes>(STATE_KEY) ?? {};
}

/** Stores the pastes of `uri` (none: forgotten). */
export async function storePastes(services: Services, uri: vscode.Uri, pastes: readonly PastedText[]): Promise<void> {
  const all = { ...pastesOf(services) };
  if (pastes.length > 0) all[uri.toString()] = pastes;
  else delete all[uri.toString()];
  await services.context.workspaceState.update(STATE_KEY, all);
}

/** One paste of one document, as a value (the workspace state hands back copies). */
const pasteKey = (uri: string, p: PastedText): string => JSON.stringify([uri, p.label, p.from, p.range]);

export class PastedLabels implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('sensitivity-paste');
  private readonly subscriptions: vscode.Disposable[] = [this.diagnostics];
  /** Bumped by every refresh: the newest one alone writes and shows. */
  private generation = 0;

  constructor(private readonly services: Services) {
    this.subscriptions.push(services.labels.onDidChange(() => void this.refresh()));
    void this.refresh();
  }

  /** Records a paste of text labeled `label` into `uri` at `range`. */
  async add(uri: vscode.Uri, paste: PastedText): Promise<void> {
    await storePastes(this.services, uri, [...(pastesOf(this.services)[uri.toString()] ?? []), paste]);
    await this.refresh();
  }

  /**
   * Drops pastes whose file now has a label at least the source's; shows the rest. Refreshes overlap (every label
   * change starts one, and each waits for the core): only the newest one writes and shows, so one that read the
   * pastes before a keep or a raise cannot put back a warning that was settled meanwhile.
   */
  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const read = pastesOf(this.services);
    const settled = new Set<string>();
    if (Object.keys(read).length > 0) {
      const { app } = await this.services.core();
      for (const [key, pastes] of Object.entries(read)) {
        const disk = envelopeUriOf(vscode.Uri.parse(key));
        for (const p of pastes) {
          const s = await this.services.session(disk).catch(() => undefined);
          const outcome = s ? await app.pasteOutcome(s, s.workspace.relPath(disk.fsPath), p.label).catch(() => undefined) : undefined;
          if (!outcome || outcome.kind === 'fine') settled.add(pasteKey(key, p));
        }
      }
    }
    if (generation !== this.generation) return; // a newer refresh read the pastes later
    // What is stored now, less what this refresh found settled: a paste recorded meanwhile stays (and is shown). Shown
    // and stored with no wait between, so a refresh started meanwhile cannot be overwritten by this one.
    const stored = pastesOf(this.services);
    const open: Record<string, PastedText[]> = {};
    this.diagnostics.clear();
    for (const [key, pastes] of Object.entries(stored)) {
      const left = pastes.filter((p) => !settled.has(pasteKey(key, p)));
      if (left.length > 0) open[key] = left;
      this.diagnostics.set(
        vscode.Uri.parse(key),
        left.map((p) => {
          const d = new vscode.Diagnostic(
            new vscode.Range(...p.range),
            `Pasted from ${p.from}, labeled ${p.labelName}: this file's label is lower. Raise it, or keep it and say why.`,
            vscode.DiagnosticSeverity.Warning,
          );
          d.source = 'Sensitivity';
          d.code = PASTED_CODE;
          return d;
        }),
      );
    }
    if (Object.values(open).flat().length !== Object.values(stored).flat().length) await this.services.context.workspaceState.update(STATE_KEY, open);
  }

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const pastes = pastesOf(this.services)[doc.uri.toString()] ?? [];
    return context.diagnostics
      .filter((d) => d.code === PASTED_CODE)
      .flatMap((d) => {
        const p = pastes.find((x) => new vscode.Range(...x.range).isEqual(d.range));
        if (!p) return [];
        const raise = new vscode.CodeAction(`Raise label to ${p.labelName}`, vscode.CodeActionKind.QuickFix);
        raise.command = { title: raise.title, command: COMMAND.applyLabel, arguments: [envelopeUriOf(doc.uri), { label: p.label }] };
        raise.diagnostics = [d];
        raise.isPreferred = true;
        const keep = new vscode.CodeAction('Keep the label (give a reason)…', vscode.CodeActionKind.QuickFix);
        keep.command = { title: keep.title, command: COMMAND.keepLabelAfterPaste, arguments: [doc.uri, p.label] };
        keep.diagnostics = [d];
        return [raise, keep];
      });
  }

  dispose(): void {
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
