/**
 * The policy at work while people edit:
 * - new files get the policy's default label (when you have an identity, so the label has an author);
 * - saving a file the policy's `mandatory` globs cover, without a label, asks for one (VS Code gives
 *   save participants 1.5 s, too short for a person, so this runs right after the save);
 * - renames and deletes made in VS Code keep `.sensitivity/labels.json` in step.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { LabelsManifest as Manifest } from '../core/labels/index.js';
import { applyLabel } from './commands/apply-label.js';
import { rememberAutomaticLabel } from './detect/auto-labels.js';
import { followCopy } from './follow/copies.js';
import type { Services } from './services.js';
import { isEnvelopeUri } from './protected/uris.js';
import { COMMAND } from './commands/ids.js';

const config = () => vscode.workspace.getConfiguration('sensitivity');

/** Files under `.sensitivity/` are the policy's own and never labeled. */
const isPolicyFile = (uri: vscode.Uri) => /(^|\/)\.sensitivity\//.test(uri.path);

async function isFile(uri: vscode.Uri): Promise<boolean> {
  return (
    (await vscode.workspace.fs.stat(uri).then(
      (s) => s.type,
      () => undefined,
    )) === vscode.FileType.File
  );
}

/** Applies the default label to files created in VS Code. */
async function labelNewFiles(services: Services, files: readonly vscode.Uri[]): Promise<void> {
  if (!config().get<boolean>('newFiles.applyDefaultLabel', true)) return;
  if (!(await services.identities.get())) return;
  const { app } = await services.core();
  for (const uri of files) {
    if (uri.scheme !== 'file' || isEnvelopeUri(uri) || isPolicyFile(uri) || !(await isFile(uri))) continue;
    // A copy of a labeled file keeps that label rather than taking the default.
    if (await followCopy(services, uri)) continue;
    try {
      const [policy, current] = await Promise.all([services.labels.policyOf(uri), services.labels.labelOf(uri)]);
      if (!policy.defaultLabel || current?.label) continue;
      const s = await services.session(uri);
      await app.setFileLabel(s, s.workspace.relPath(uri.fsPath), policy.defaultLabel);
      await rememberAutomaticLabel(services, uri);
      services.labels.invalidate([uri]);
    } catch (e) {
      services.log.warn(`default label for ${uri.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** Keeps the manifest in step with renames (a folder moves everything under it). */
async function followRenames(services: Services, renames: readonly { oldUri: vscode.Uri; newUri: vscode.Uri }[]): Promise<void> {
  const core = await services.core();
  for (const { oldUri, newUri } of renames) {
    if (oldUri.scheme !== 'file' || newUri.scheme !== 'file' || isPolicyFile(oldUri)) continue;
    try {
      const [from, to] = await Promise.all([services.rootOf(oldUri), services.rootOf(newUri)]);
      const { workspace } = await services.session(oldUri);
      const old = workspace.relPath(oldUri.fsPath);
      // Moved under another `.sensitivity/`, the label does not travel (another policy): forget it here.
      const change = from === to ? (m: Manifest) => core.renamePath(m, old, workspace.relPath(newUri.fsPath)) : (m: Manifest) => core.removePath(m, old);
      await workspace.updateManifest((m) => unlessSame(m, change(m)));
    } catch (e) {
      services.log.warn(`label of renamed ${oldUri.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  services.labels.invalidate(renames.flatMap((r) => [r.oldUri, r.newUri]));
}

/** `next`, or undefined (nothing to write) when the change left the manifest as it was. */
const unlessSame = (m: Manifest, next: Manifest): Manifest | undefined => (next === m ? undefined : next);

/** Forgets the labels of deleted files and folders. */
async function followDeletes(services: Services, files: readonly vscode.Uri[]): Promise<void> {
  const core = await services.core();
  for (const uri of files) {
    if (uri.scheme !== 'file' || isPolicyFile(uri)) continue;
    try {
      const { workspace } = await services.session(uri);
      const gone = workspace.relPath(uri.fsPath);
      await workspace.updateManifest((m) => unlessSame(m, core.removePath(m, gone)));
    } catch (e) {
      services.log.warn(`label of deleted ${uri.fsPath}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/**
 * Asks for a label after saving a file the policy says must have one (once an automatic label the save
 * started is written); at most one prompt per file at a time.
 */
function mandatoryOnSave(services: Services, autoLabelsSettled: () => Promise<void>): vscode.Disposable {
  const asking = new Set<string>();
  return vscode.workspace.onDidSaveTextDocument(async (doc) => {
    const uri = doc.uri;
    if (uri.scheme !== 'file' || isPolicyFile(uri) || asking.has(uri.fsPath)) return;
    if (!config().get<boolean>('mandatoryLabels.promptOnSave', true)) return;
    await autoLabelsSettled();
    const state = await services.labels.labelOf(uri).catch(() => undefined);
    if (!state?.missingMandatory) return;
    asking.add(uri.fsPath);
    try {
      const name = basename(uri.fsPath);
      const result = await applyLabel(services, uri, { reason: `${name} Must Carry a Sensitivity Label (Workspace Policy)` });
      if (result.cancelled) {
        void vscode.window
          .showWarningMessage(`${name} has no sensitivity label, which this workspace's policy requires.`, 'Apply Label (Classify)…')
          .then((b) => b && vscode.commands.executeCommand(COMMAND.applyLabel, uri));
      }
    } finally {
      asking.delete(uri.fsPath);
    }
  });
}

/** Registers the listeners above; `autoLabelsSettled` tells when automatic labels started by saves are written. */
export function registerPolicyAtWork(services: Services, autoLabelsSettled: () => Promise<void>): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.workspace.onDidCreateFiles((e) => void labelNewFiles(services, e.files)),
    vscode.workspace.onDidRenameFiles((e) => void followRenames(services, e.files)),
    vscode.workspace.onDidDeleteFiles((e) => void followDeletes(services, e.files)),
    mandatoryOnSave(services, autoLabelsSettled),
  );
}
