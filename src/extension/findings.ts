/**
 * Where content findings (issue 5's detectors) reach the rest of the extension: a detection feature
 * registers a provider; the status bar tooltip and the access panel ask it about a file. Without a
 * provider nothing is shown.
 */
import * as vscode from 'vscode';

/** What scanning found in a file, masked: how many matches, of what, and the least label they need. */
export interface ContentFindings {
  readonly count: number;
  /** Label id the content needs at least. */
  readonly minimumLabel: string;
  /** One line for people, e.g. "2 payment card numbers, 1 AWS access key". Never the secrets themselves. */
  readonly summary?: string;
}

export type FindingsProvider = (uri: vscode.Uri) => Promise<ContentFindings | undefined>;

export class FindingsRegistry implements vscode.Disposable {
  private provider: FindingsProvider | undefined;
  private readonly changed = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  /** Fires when findings change (the provider calls `refresh`). */
  readonly onDidChange = this.changed.event;

  /** Installs the provider (one at a time); disposing the result removes it. */
  register(provider: FindingsProvider): vscode.Disposable {
    this.provider = provider;
    this.changed.fire(undefined);
    return new vscode.Disposable(() => {
      if (this.provider === provider) this.provider = undefined;
      this.changed.fire(undefined);
    });
  }

  /** Tells listeners that findings of these files (or of any file) changed. */
  refresh(uris?: vscode.Uri[]): void {
    this.changed.fire(uris);
  }

  /** The findings of a file, if a provider knows any. */
  async of(uri: vscode.Uri): Promise<ContentFindings | undefined> {
    return this.provider?.(uri).catch(() => undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
