/**
 * `sensitivity.scanWorkspace (options?: { quiet })`: scans every workspace folder for sensitive content with
 * the CLI's `sensitivity scan` walk (same .gitignore and policy exclusions, binary and protected files
 * skipped), in a cancellable progress notification, and lists what it found in the Problems view in the
 * editor's words: a warning where content needs a higher label than the file has. A file opened in an
 * editor is then judged live by detection instead. Returns the counts.
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { showError } from '../ui/errors.js';
import { parseArgs } from './targets.js';

export interface ScanWorkspaceOptions {
  /** No summary notification (tests, other extensions). */
  readonly quiet: boolean;
}

export interface ScanSummary {
  /** Text files read. */
  readonly scanned: number;
  /** Files holding content a rule of the policy counts. */
  readonly withFindings: number;
  /** Files whose content needs a higher label than they carry. */
  readonly outranked: number;
  readonly cancelled: boolean;
}

/** The diagnostics' source in the Problems view. */
export const SCAN_SOURCE = 'Sensitivity scan';

let collection: vscode.DiagnosticCollection | undefined;

/** The scan's diagnostics, created on the first scan; an opened file's entry gives way to live detection. */
function scanCollection(services: Services): vscode.DiagnosticCollection {
  if (!collection) {
    const created = vscode.languages.createDiagnosticCollection('sensitivity-scan');
    collection = created;
    services.context.subscriptions.push(
      created,
      vscode.workspace.onDidOpenTextDocument((doc) => {
        if (vscode.workspace.getConfiguration('sensitivity.detection', doc.uri).get<boolean>('enabled', true)) created.delete(doc.uri);
      }),
      { dispose: () => (collection = undefined) },
    );
  }
  return collection;
}

export async function scanWorkspace(services: Services, ...args: unknown[]): Promise<ScanSummary | undefined> {
  const { options = {} } = parseArgs<ScanWorkspaceOptions>(args);
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showWarningMessage('Open a folder first: the scan looks through the workspace folders.');
    return undefined;
  }
  const diagnostics = scanCollection(services);
  const [{ scanPaths, labelDisplayName }, engine] = await Promise.all([services.core(), import('../detect/engine.js')]);
  let summary: ScanSummary = { scanned: 0, withFindings: 0, outranked: 0, cancelled: false };
  const found = new Map<string, vscode.Diagnostic[]>();
  try {
    summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Scanning for sensitive content', cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const onCancel = token.onCancellationRequested(() => abort.abort());
        let scanned = 0;
        try {
          for (const [i, folder] of folders.entries()) {
            progress.report({ message: `${folder.name} (${i + 1} of ${folders.length})`, increment: 100 / folders.length });
            const { workspace } = await services.session(folder.uri);
            const policy = await workspace.policy();
            const report = await scanPaths(workspace, [folder.uri.fsPath], { signal: abort.signal });
            scanned += report.scanned;
            for (const file of report.files) {
              const current = file.labelId ? { id: file.labelId, displayName: labelDisplayName(policy, file.labelId) } : undefined;
              const a = engine.assess(file.findings, policy, current);
              const ds = a.counted.map((c) => {
                // Inside a document (a .docx, a .pdf) positions count within a part: the message says which, on line 1.
                const part = 'location' in c.finding ? String(c.finding.location) : undefined;
                const d = new vscode.Diagnostic(
                  part === undefined
                    ? new vscode.Range(c.finding.line, c.finding.column, c.finding.endLine, c.finding.endColumn)
                    : new vscode.Range(0, 0, 0, 0),
                  part === undefined ? engine.messageOf(c, current, a) : `${part}: ${engine.messageOf(c, current, a)}`,
                  c.outranks ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information,
                );
                d.source = SCAN_SOURCE;
                d.code = c.finding.typeId;
                return d;
              });
              if (ds.length > 0) found.set(join(workspace.root, file.path), ds);
            }
          }
        } catch (e) {
          if (abort.signal.aborted) return { scanned, withFindings: found.size, outranked: outrankedIn(found), cancelled: true };
          throw e;
        } finally {
          onCancel.dispose();
        }
        return { scanned, withFindings: found.size, outranked: outrankedIn(found), cancelled: false };
      },
    );
  } catch (e) {
    void showError(services, e);
    return undefined;
  }
  diagnostics.clear();
  diagnostics.set([...found].map(([path, ds]) => [vscode.Uri.file(path), ds]));
  if (!options.quiet) void tell(summary);
  return summary;
}

function outrankedIn(found: ReadonlyMap<string, readonly vscode.Diagnostic[]>): number {
  return [...found.values()].filter((ds) => ds.some((d) => d.severity === vscode.DiagnosticSeverity.Warning)).length;
}

async function tell(s: ScanSummary): Promise<void> {
  const files = (n: number) => (n === 1 ? '1 file' : `${n} files`);
  const what =
    s.withFindings === 0
      ? `no sensitive content that this workspace's policy counts`
      : `sensitive content in ${files(s.withFindings)}${s.outranked > 0 ? `, ${files(s.outranked)} needing a higher label` : ''}`;
  const text = `${s.cancelled ? 'Scan cancelled after' : 'Scanned'} ${files(s.scanned)}: ${what}.`;
  const show = s.withFindings > 0 ? await vscode.window.showInformationMessage(text, 'Show Problems') : await vscode.window.showInformationMessage(text);
  if (show) await vscode.commands.executeCommand('workbench.actions.view.problems');
}
