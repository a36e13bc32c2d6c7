/** Helpers for integration tests: the extension, the fixture workspace folder, waiting for conditions. */
import * as vscode from 'vscode';
import { LOAD_SLACK } from './harness.js';

/** `publisher.name` from package.json. */
export const EXTENSION_ID = 'sensitivity-labels.sensitivity-labels';

/** The extension under test (loaded through extensionDevelopmentPath). */
export function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded`);
  return ext;
}

/** Activates the extension (as a command invocation would) and returns it. */
export async function activateExtension(): Promise<vscode.Extension<unknown>> {
  const ext = extension();
  await ext.activate();
  return ext;
}

/** The command ids package.json contributes. */
export function contributedCommands(): string[] {
  const pkg = extension().packageJSON as { contributes?: { commands?: Array<{ command: string }> } };
  return (pkg.contributes?.commands ?? []).map((c) => c.command);
}

/** The workspace folder the launcher opened (a fresh copy of test/integration/fixture per run). */
export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open');
  return folder.uri;
}

/** A URI under the workspace folder. */
export function workspaceUri(relativePath: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relativePath.split('/'));
}

/** Writes a real file under the workspace folder (parents created) and returns its URI. */
export async function writeFixture(relativePath: string, content: string | Uint8Array): Promise<vscode.Uri> {
  const uri = workspaceUri(relativePath);
  await vscode.workspace.fs.writeFile(uri, typeof content === 'string' ? new TextEncoder().encode(content) : content);
  return uri;
}

/** Reads a file under the workspace folder from disk (not from an open editor). */
export async function readFixture(relativePath: string): Promise<Uint8Array> {
  return vscode.workspace.fs.readFile(workspaceUri(relativePath));
}

/** A file name unique in this run, so tests do not see each other's files. */
export function uniqueName(prefix: string, extension = '.txt'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}${extension}`;
}

/** Opens a workspace file in an editor and returns the editor. */
export async function openFile(relativePath: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspaceUri(relativePath));
  return vscode.window.showTextDocument(document);
}

/** Closes every editor (between tests, so that the active editor is known). */
export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/**
 * Polls `probe` until it returns something other than undefined/false, and returns that; fails with
 * `message` after `timeoutMs`. For effects that VS Code applies asynchronously (events, watchers, UI).
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  message: string,
  { timeoutMs = 10_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs * LOAD_SLACK;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs * LOAD_SLACK} ms waiting for: ${message}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Saves `doc` as a person would: again if a save returned false. (A will-save answer past VS Code's 1.75 s,
 * "Aborted onWillSaveTextDocument-event" on a loaded machine, is logged and the save still made: save-first.itest.ts.)
 */
export async function saveDocument(doc: vscode.TextDocument, what = 'the document to be saved'): Promise<void> {
  await waitFor(async () => (await doc.save()) || !doc.isDirty, what, { intervalMs: 200 });
}

/** A modal dialog the extension showed (`showWarningMessage(…, { modal: true, detail }, …items)`). */
export interface ModalSeen {
  readonly message: string;
  readonly detail: string;
  readonly items: readonly string[];
}

/** How a test answers the extension's dialogs: each returns the choice, or undefined to dismiss. */
export interface DialogAnswers {
  modal?(m: ModalSeen): string | undefined;
  /** A list answers a many-choice pick (an empty list: none picked). */
  quickPick?(
    items: readonly vscode.QuickPickItem[],
    options: vscode.QuickPickOptions | undefined,
  ): vscode.QuickPickItem | readonly vscode.QuickPickItem[] | undefined;
  inputBox?(options: vscode.InputBoxOptions | undefined): Promise<string | undefined> | string | undefined;
}

type DialogWindow = {
  showWarningMessage: (message: string, ...rest: unknown[]) => Thenable<unknown>;
  showQuickPick: (items: unknown, options?: vscode.QuickPickOptions) => Thenable<unknown>;
  showInputBox: (options?: vscode.InputBoxOptions) => Thenable<string | undefined>;
};

/**
 * Runs `run` while `answers` answer the extension's modal dialogs, quick picks and input boxes, and returns the
 * modals shown. The extension host cannot click a modal (the UI tests can): this replaces only those dialog
 * functions, on the `vscode` API object that VS Code gives the extension and its tests alike (one per
 * extension), and puts them back after. Every other call (non-modal messages) goes to VS Code.
 */
export async function withDialogs<T>(answers: DialogAnswers, run: () => Thenable<T>): Promise<{ result: T; modals: ModalSeen[] }> {
  const window = vscode.window as unknown as DialogWindow;
  const original = { showWarningMessage: window.showWarningMessage, showQuickPick: window.showQuickPick, showInputBox: window.showInputBox };
  const modals: ModalSeen[] = [];
  window.showWarningMessage = (message, ...rest) => {
    const [options, ...items] = rest;
    if (!answers.modal || typeof options !== 'object' || options === null || !(options as vscode.MessageOptions).modal) {
      return original.showWarningMessage.call(window, message, ...rest);
    }
    const seen = { message, detail: (options as vscode.MessageOptions).detail ?? '', items: items.filter((i): i is string => typeof i === 'string') };
    modals.push(seen);
    return Promise.resolve(answers.modal(seen));
  };
  if (answers.quickPick) {
    const pick = answers.quickPick;
    window.showQuickPick = async (items, options) => pick(await (items as Thenable<vscode.QuickPickItem[]> | vscode.QuickPickItem[]), options);
  }
  if (answers.inputBox) {
    const input = answers.inputBox;
    window.showInputBox = async (options) => input(options);
  }
  try {
    return { result: await run(), modals };
  } finally {
    Object.assign(window, original);
  }
}
