/**
 * How commands receive their files. Every file command takes `(target?, options?)`:
 * - the Explorer passes `(clickedUri, selectedUris[])` (multi-select);
 * - the palette passes nothing (the active editor's file, else a picker);
 * - tests, the access panel and keybindings pass `(uri | uri[], options)`, which skips every prompt the
 *   options answer.
 */
import { promises as fs } from 'node:fs';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { isSensitivityError } from '../../core/errors.js';
import type { FileAction, ProtectedInfo } from '../../core/app/index.js';
import type { Services } from '../services.js';
import { describeError, showError } from '../ui/errors.js';
import { envelopeUriOf, isEnvelopeUri, PROTECTED_EXT, PROTECTED_SCHEME } from '../protected/uris.js';

/** The outcome of a file command, returned to programmatic callers. */
export interface BatchResult {
  /** Files (on disk) the command changed, in order. */
  readonly done: string[];
  readonly failed: { readonly file: string; readonly code?: string; readonly message: string }[];
  /** True when the user cancelled (a prompt or the progress notification). */
  readonly cancelled: boolean;
}

export const CANCELLED: BatchResult = Object.freeze({ done: [], failed: [], cancelled: true });

/** Thrown by a batch step when the user dismisses a prompt: the batch stops, reported as cancelled. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

const isUri = (x: unknown): x is vscode.Uri => x instanceof vscode.Uri;
const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x) && !isUri(x);

/** The files named by a command's arguments (mapped to disk) and its options object. */
export function parseArgs<O extends object>(args: readonly unknown[]): { uris: vscode.Uri[] | undefined; options: Partial<O> | undefined } {
  const [first, second] = args;
  let uris: vscode.Uri[] | undefined;
  if (Array.isArray(second) && second.length > 0 && second.every(isUri)) uris = second;
  else if (Array.isArray(first) && first.every(isUri)) uris = first;
  else if (isUri(first)) uris = [first];
  const options = args.find(isPlainObject) as Partial<O> | undefined;
  return { uris: uris?.map(envelopeUriOf), options };
}

/** The active editor's file on disk (the envelope for a protected editor), if it is a file. */
export function activeFile(): vscode.Uri | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri ?? activeTabUri();
  if (!uri || (uri.scheme !== 'file' && uri.scheme !== PROTECTED_SCHEME)) return undefined;
  return envelopeUriOf(uri);
}

/** The URI of the active tab when it is not a text editor (a custom editor on a `.protected` file). */
function activeTabUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
}

/** Asks for protected files of the workspace (palette use without an active one). */
async function pickProtectedFiles(title: string, many: boolean): Promise<vscode.Uri[] | undefined> {
  const files = await vscode.workspace.findFiles(`**/*${PROTECTED_EXT}`, '**/node_modules/**', 2000);
  if (files.length === 0) {
    void vscode.window.showInformationMessage('There are no protected files in this workspace.');
    return undefined;
  }
  const items = files
    .map((uri) => ({ label: `$(lock) ${basename(uri.fsPath)}`, description: vscode.workspace.asRelativePath(uri), uri }))
    .sort((a, b) => a.description.localeCompare(b.description));
  const picked = many
    ? await vscode.window.showQuickPick(items, { title, canPickMany: true, matchOnDescription: true })
    : await vscode.window.showQuickPick(items, { title, matchOnDescription: true }).then((p) => (p ? [p] : undefined));
  return picked && picked.length > 0 ? picked.map((p) => p.uri) : undefined;
}

/**
 * The files a command acts on: its arguments, else the active editor's file when it fits `kind`, else a
 * picker. Undefined when the user cancels.
 */
export async function resolveTargets(
  uris: vscode.Uri[] | undefined,
  kind: 'any' | 'plain' | 'protected',
  title: string,
  many = true,
): Promise<vscode.Uri[] | undefined> {
  if (uris && uris.length > 0) return uris;
  const active = activeFile();
  const fits = (u: vscode.Uri) => kind === 'any' || (kind === 'protected') === isEnvelopeUri(u);
  if (active && fits(active)) return [active];
  if (kind === 'protected') return pickProtectedFiles(title, many);
  const picked = await vscode.window.showOpenDialog({
    title,
    canSelectMany: many,
    canSelectFolders: false,
    ...(vscode.workspace.workspaceFolders?.[0] ? { defaultUri: vscode.workspace.workspaceFolders[0].uri } : {}),
    openLabel: title.replace(/…$/, ''),
  });
  return picked && picked.length > 0 ? picked.map(envelopeUriOf) : undefined;
}

/** What a batch step gets: cancellation and byte progress, for the operations' `Cancellable`. */
export interface StepContext {
  readonly signal: AbortSignal;
  onProgress(bytesRead: number): void;
}

/** Above this many bytes in all, even one file gets a cancellable notification (large files take seconds). */
const LARGE_BATCH_BYTES = 16 * 1024 * 1024;

async function sizeOf(file: vscode.Uri): Promise<number> {
  return (await fs.stat(file.fsPath).catch(() => undefined))?.size ?? 0;
}

/**
 * Runs `each` over `files` with progress by bytes: a cancellable notification for several files or much
 * data (cancelling aborts the file in flight; its temporary file is removed), else a status bar spinner.
 * Failures are reported (one notification for one file, a summary for several); it never throws for them.
 */
export async function runBatch(
  services: Services,
  title: string,
  files: readonly vscode.Uri[],
  each: (file: vscode.Uri, step: StepContext) => Promise<vscode.Uri | void>,
): Promise<BatchResult> {
  const done: string[] = [];
  const failed: { file: string; code?: string; message: string }[] = [];
  let firstError: unknown;
  const sizes = await Promise.all(files.map(sizeOf));
  const total = sizes.reduce((a, b) => a + b, 0) || 1;
  const abort = new AbortController();
  const work = async (progress?: vscode.Progress<{ message?: string; increment?: number }>, token?: vscode.CancellationToken) => {
    const subscription = token?.onCancellationRequested(() => abort.abort());
    try {
      for (const [i, file] of files.entries()) {
        if (abort.signal.aborted) return true;
        progress?.report({ message: `${basename(file.fsPath)} (${i + 1} of ${files.length})` });
        let reported = 0;
        const onProgress = (bytes: number) => {
          progress?.report({ increment: ((bytes - reported) / total) * 100 });
          reported = bytes;
        };
        try {
          const changed = await each(file, { signal: abort.signal, onProgress });
          done.push((changed ?? file).fsPath);
        } catch (e) {
          if (e instanceof Cancelled || abort.signal.aborted) return true;
          firstError ??= e;
          failed.push({ file: file.fsPath, ...(isSensitivityError(e) ? { code: e.code } : {}), message: describeError(e, file).message });
          if (!isSensitivityError(e)) services.log.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
        } finally {
          onProgress(sizes[i]!);
          services.labels.invalidate([file]);
        }
      }
      return false;
    } finally {
      subscription?.dispose();
    }
  };
  const cancelled =
    files.length > 1 || total > LARGE_BATCH_BYTES
      ? await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (p, t) => work(p, t))
      : await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `${title} ${basename(files[0]!.fsPath)}` }, () => work());
  if (failed.length === 1 && files.length === 1) {
    // One file: the full message with its follow-ups (create identity, inspect…). Not awaited: the command returns now.
    void showError(services, firstError, files[0]);
  } else if (failed.length > 0) {
    for (const f of failed) services.log.warn(f.message);
    void vscode.window
      .showErrorMessage(`${title}: ${failed.length} of ${files.length} files failed. ${failed[0]!.message}`, 'Show Log')
      .then((b) => b && services.log.show());
  }
  return { done, failed, cancelled };
}

/**
 * The header of protected `file` as you see it, when the core's rule for an owner's action (`refusal`) lets
 * you act: said before anything is asked. Otherwise the refusal is the command's failure, shown as any other.
 */
export async function headerForAction(
  services: Services,
  title: string,
  file: vscode.Uri,
  refusal: (info: ProtectedInfo) => Error | undefined,
): Promise<{ readonly info: ProtectedInfo } | { readonly refused: BatchResult }> {
  let error: unknown;
  try {
    const info = await services.labels.protectedInfo(file);
    error = refusal(info);
    if (!error) return { info };
  } catch (e) {
    error = e;
  }
  return { refused: await runBatch(services, title, [file], () => Promise.reject(error)) };
}

/**
 * Refuses before anything is asked when you may not `action` one of the protected `files` (the first refusal is
 * shown, in the core's words, with its follow-ups); undefined when you may act on all of them.
 */
export async function refusedUnlessMay(services: Services, title: string, files: readonly vscode.Uri[], action: FileAction): Promise<BatchResult | undefined> {
  const { app } = await services.core();
  for (const file of files) {
    const header = await headerForAction(services, title, file, (info) => app.actionRefusal(info, action));
    if ('refused' in header) return header.refused;
  }
  return undefined;
}
