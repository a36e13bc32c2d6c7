/**
 * Explorer (and tab) decorations: a badge and color per label (protected files too, said in the tooltip), a
 * warning mark for files the policy wants labeled. Kept current by the label index's watchers.
 */
import * as vscode from 'vscode';
import type { FileLabel, LabelIndex } from './label-index.js';
import { decorationColor } from './ui/colors.js';
import { PROTECTED_SCHEME } from './protected/uris.js';

/** One or two letters for a label: the initials of its top-level name ("Highly Confidential" → "HC"). */
export function badgeOf(displayName: string): string {
  const top = displayName.split(' / ')[0] ?? displayName;
  const initials = top
    .split(/\s+/)
    .filter((w) => /^\p{L}/u.test(w))
    .map((w) => [...w][0]!.toUpperCase());
  return (initials.length > 0 ? initials.slice(0, 2).join('') : [...top].slice(0, 1).join('')) || '?';
}

/** The decoration of one file, or undefined when there is nothing to show. */
export function decorationOf(f: FileLabel): vscode.FileDecoration | undefined {
  // A protected file keeps its label letters (badges are text in the workbench font, where a lock emoji is a
  // box without an emoji font); the lock is in its tooltip, its `.protected` name and the status bar's $(lock).
  if (f.protected && f.label)
    return new vscode.FileDecoration(badgeOf(f.label.displayName), `Protected (encrypted) · ${f.label.displayName}`, decorationColor(f.label.color));
  if (f.label) return new vscode.FileDecoration(badgeOf(f.label.displayName), f.label.displayName, decorationColor(f.label.color));
  if (f.missingMandatory)
    return new vscode.FileDecoration('!', 'Needs a sensitivity label (workspace policy)', new vscode.ThemeColor('list.warningForeground'));
  return undefined;
}

export class LabelDecorations implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri | vscode.Uri[] | undefined>();
  readonly onDidChangeFileDecorations = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly labels: LabelIndex) {
    this.subscriptions = [
      this.changed,
      labels.onDidChange((uris) => this.changed.fire(uris)),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('sensitivity.decorations') && this.changed.fire(undefined)),
      vscode.window.registerFileDecorationProvider(this),
    ];
  }

  async provideFileDecoration(uri: vscode.Uri): Promise<vscode.FileDecoration | undefined> {
    if (uri.scheme !== 'file' && uri.scheme !== PROTECTED_SCHEME) return undefined;
    if (!vscode.workspace.getConfiguration('sensitivity').get<boolean>('decorations.enabled', true)) return undefined;
    const f = await this.labels.labelOf(uri).catch(() => undefined);
    return f ? decorationOf(f) : undefined;
  }

  dispose(): void {
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
