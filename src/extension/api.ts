/** What `activate()` returns: a small API for other extensions and for the integration tests. */
import type * as vscode from 'vscode';
import type { FindingsProvider } from './findings.js';
import type { FileLabel } from './label-index.js';

export interface SensitivityApi {
  /** Milliseconds `activate()` took, measured in the extension host. */
  readonly activation: { readonly activateMs: number };
  /** The label (and for protected files, your view of the header) of a file; undefined for unlabeled files. */
  labelOf(uri: vscode.Uri): Promise<FileLabel | undefined>;
  /** Redraws the status bar for the active editor and returns what it shows. */
  statusBar(): Promise<{ readonly visible: boolean; readonly text: string; readonly tooltip: string }>;
  /** The decoration the Explorer shows for a file. */
  decorationOf(uri: vscode.Uri): Promise<vscode.FileDecoration | undefined>;
  /** Lets content detection (issue 5) tell the status bar and the access panel what a file holds. */
  registerFindingsProvider(provider: FindingsProvider): vscode.Disposable;
  /**
   * A current access token for the organisation's key service `audience` (organisation sign-in): refreshed
   * when needed; asks the user to sign in when there is no session (see TokenSource in src/core/app/ports.ts).
   */
  organisationToken(audience: string): Promise<string>;
  /** Resolves when the automatic labels that saves so far started (the policy's `apply` rules) are written or declined. */
  autoLabelsSettled(): Promise<void>;
}
