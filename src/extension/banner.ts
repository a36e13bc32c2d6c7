/**
 * The editor banner (issue 22, Purview's content markings): when a file's label turns `markings.banner` on, its
 * editors show the label's name at the start of the first line, in the contributed banner colors (at least 4.5:1
 * in every theme kind), for plain and protected files alike. Kept current as labels change and editors open.
 */
import * as vscode from 'vscode';
import { BANNER_COLORS } from '../shared/color.js';
import type { LabelIndex } from './label-index.js';

/** The banner's words for a label: "Sensitivity: Confidential / All Employees". */
export const bannerText = (displayName: string): string => `Sensitivity: ${displayName}`;

export class LabelBanner implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({ isWholeLine: true });
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly labels: LabelIndex) {
    this.subscriptions.push(
      this.type,
      labels.onDidChange(() => this.refresh()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refresh()),
    );
    this.refresh();
  }

  private refresh(): void {
    for (const editor of vscode.window.visibleTextEditors) void this.update(editor);
  }

  private async update(editor: vscode.TextEditor): Promise<void> {
    const label = await this.labels.labelOf(editor.document.uri).then(
      (f) => f?.label,
      () => undefined,
    );
    const text = label?.banner ? bannerText(label.displayName) : undefined;
    const before: vscode.ThemableDecorationAttachmentRenderOptions = {
      contentText: `\u00a0${text ?? ''}\u00a0`,
      color: new vscode.ThemeColor(BANNER_COLORS.foreground.id),
      backgroundColor: new vscode.ThemeColor(BANNER_COLORS.background.id),
      fontWeight: '600',
      margin: '0 1ch 0 0',
    };
    editor.setDecorations(this.type, text ? [{ range: new vscode.Range(0, 0, 0, 0), renderOptions: { before } }] : []);
  }

  dispose(): void {
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
