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
  /** The newest registration answers; disposing it brings back the one before (tests register stand-ins). */
  private readonly providers: FindingsProvider[] = [];
  private readonly changed = new vscode.EventEmitter<vscode.Uri[] | undefined>();
  /** Fires when findings change (the provider calls `refresh`). */
  readonly onDidChange = this.changed.event;

  /** Installs a provider (the newest one answers); disposing the result removes it. */
  register(provider: FindingsProvider): vscode.Disposable {
    this.providers.push(provider);
    this.changed.fire(undefined);
    return new vscode.Disposable(() => {
      const i = this.providers.lastIndexOf(provider);
      if (i !== -1) this.providers.splice(i, 1);
      this.changed.fire(undefined);
    });
  }

  /** Tells listeners that findings of these files (or of any file) changed. */
  refresh(uris?: vscode.Uri[]): void {
    this.changed.fire(uris);
  }

  /** The findings of a file, if a provider knows any. */
  async of(uri: vscode.Uri): Promise<ContentFindings | undefined> {
    return this.providers
      .at(-1)?.(uri)
      .catch(() => undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
