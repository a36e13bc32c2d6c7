/**
 * The access panel's host side: one webview panel, a strict page, every incoming message validated against
 * the protocol and the rows on screen, requests answered by id, the view model pushed on every change.
 */
import * as vscode from 'vscode';
import {
  revocableFiles,
  validateWebviewMessage,
  type FileRow,
  type HostMessage,
  type Params,
  type RequestOf,
  type RequestType,
  type ResponseMessage,
  type Result,
  type ViewModel,
} from '../../shared/protocol.js';
import { confirmChange, reportWithUndo } from '../ui/confirm.js';
import { describeError } from '../ui/errors.js';
import { refusal, respond } from '../ui/webview-requests.js';
import { panelHtml, resourceRoots } from './html.js';
import { PANEL_COMMANDS, type PanelServices } from './services.js';
import { WorkspaceIndex } from './workspace-index.js';

/** The webview panel's view type. */
export const ACCESS_PANEL_VIEW_TYPE = 'sensitivity.accessPanel';

/** What `showAccessPanel` returns: the open panel, with hooks integration tests use to drive the host side. */
export interface AccessPanelHandle {
  readonly panel: vscode.WebviewPanel;
  /** The view model as last sent to the webview. */
  model(): ViewModel;
  /** Resolves once indexing has finished (or was cancelled or failed) and no run or file update is still in flight. */
  settled(): Promise<ViewModel>;
  /** Handles `raw` exactly as a message from the webview; resolves with the answer posted, if any. */
  receive(raw: unknown): Promise<ResponseMessage | undefined>;
  /** How many `ready` handshakes the webview has made (one per load of its page). */
  readonly readyCount: number;
  /** How many messages were rejected by validation. */
  readonly rejectedCount: number;
}

type Handlers = { readonly [K in RequestType]: (params: Params<K>) => Promise<Result<K>> };

export class AccessPanel implements AccessPanelHandle, vscode.Disposable {
  private static current: AccessPanel | undefined;
  private readonly index: WorkspaceIndex;
  private readonly subscriptions: vscode.Disposable[] = [];
  private sent: ViewModel;
  /** The rows of the model last sent: requests may only name these. */
  private onScreen: ReadonlyMap<string, FileRow> = new Map();
  readyCount = 0;
  rejectedCount = 0;

  /** The file of a row the open panel shows (what a right-click on the row names), if any. */
  static fileOnScreen(path: string): vscode.Uri | undefined {
    const open = AccessPanel.current;
    return open?.onScreen.has(path) ? open.index.uriOf(path) : undefined;
  }

  /** Reveals the open panel, or opens one and starts indexing. */
  static show(context: vscode.ExtensionContext, services: PanelServices): AccessPanel {
    if (AccessPanel.current) {
      AccessPanel.current.panel.reveal();
      return AccessPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(ACCESS_PANEL_VIEW_TYPE, 'Sensitivity: Access', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: resourceRoots(context.extensionUri),
      // Not retained when hidden: the page restores its filters through setState and asks for the model again.
      retainContextWhenHidden: false,
    });
    const created = new AccessPanel(panel, context, services);
    AccessPanel.current = created;
    context.subscriptions.push(created);
    return created;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly services: PanelServices,
  ) {
    this.index = new WorkspaceIndex(services);
    this.sent = this.index.model();
    panel.webview.html = panelHtml(panel.webview, context.extensionUri);
    this.subscriptions.push(
      this.index,
      this.index.onDidChange(() => this.postModel()),
      this.index.onProgress((p) => void this.post({ type: 'progress', done: p.done, total: p.total })),
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      panel.onDidDispose(() => this.dispose()),
    );
    void this.index.refresh();
  }

  model(): ViewModel {
    return this.sent;
  }

  async settled(): Promise<ViewModel> {
    await this.index.idle();
    return this.index.model();
  }

  private postModel(): void {
    this.sent = this.index.model();
    this.onScreen = new Map(this.sent.files.map((f) => [f.path, f]));
    void this.post({ type: 'model', model: this.sent });
  }

  private post(message: HostMessage): Thenable<boolean> {
    // A hidden panel has no page (not retained); it asks again with `ready` when shown.
    return this.panel.webview.postMessage(message).then(undefined, () => false);
  }

  async receive(raw: unknown): Promise<ResponseMessage | undefined> {
    const verdict = validateWebviewMessage(raw, { files: this.onScreen });
    if (!verdict.ok) {
      this.rejectedCount++;
      const refused = refusal(verdict, this.services.log, 'access panel', 'The panel sent a request the extension does not accept; refresh the panel.');
      return refused && this.answer(refused);
    }
    const message = verdict.message;
    if (message.type === 'ready') {
      this.readyCount++;
      this.postModel();
      return undefined;
    }
    return this.answer(await this.dispatch(message));
  }

  private async answer(response: ResponseMessage): Promise<ResponseMessage> {
    await this.post(response);
    return response;
  }

  private async dispatch<K extends RequestType>(request: RequestOf<K>): Promise<ResponseMessage> {
    const handler = this.handlers[request.type] as (params: Params<K>) => Promise<Result<K>>;
    const path = (request.params as { path?: string }).path;
    return (await respond(request, handler, (e) => describeError(e, path ? this.index.uriOf(path) : undefined).message)) as ResponseMessage;
  }

  /** The file of a validated path (validation already checked it is on screen). */
  private uri(path: string): vscode.Uri {
    const uri = this.index.uriOf(path);
    if (!uri) throw new Error('the file is no longer listed; refresh the panel');
    return uri;
  }

  /** A handler that runs the extension's `command` on the row's file (the command asks and checks what it needs). */
  private onFile(command: string): (params: { path: string }) => Promise<null> {
    return async ({ path }) => {
      await vscode.commands.executeCommand(command, this.uri(path));
      return null;
    };
  }

  private readonly handlers: Handlers = {
    refresh: async () => {
      void this.index.refresh();
      return null;
    },
    cancelIndexing: async () => {
      this.index.cancel();
      return null;
    },
    openFile: async ({ path }) => {
      // A protected file opens through the extension's custom editor, which routes by your rights (text, view-only or why not).
      await vscode.commands.executeCommand('vscode.open', this.uri(path), { preview: false });
      return null;
    },
    applyLabel: async ({ path }) => {
      await vscode.commands.executeCommand(PANEL_COMMANDS.applyLabel, ...(path ? [this.uri(path)] : []));
      return null;
    },
    protect: this.onFile(PANEL_COMMANDS.protect),
    grant: this.onFile(PANEL_COMMANDS.grant),
    revoke: async ({ path, personId }) => {
      await vscode.commands.executeCommand(PANEL_COMMANDS.revoke, this.uri(path), { who: [personId], confirm: true });
      return null;
    },
    changeExpiry: this.onFile(PANEL_COMMANDS.changeExpiry),
    acceptRestore: this.onFile(PANEL_COMMANDS.acceptRestore),
    revokeAll: async ({ personId }) => {
      const files = revocableFiles(this.onScreen.values(), personId);
      const person = files[0]?.people.find((p) => p.id === personId);
      if (!person) return null;
      const who = person.name ? `${person.name} <${person.email}>` : person.email;
      const list = files.map((f) => f.path).join(', ');
      const n = files.length === 1 ? '1 file' : `${files.length} files`;
      const ok = await confirmChange(
        `Stop sharing ${n} with ${who}?`,
        `${who} will no longer be able to open: ${list}. Each file is encrypted again with a new key, so a copy of their old key opens nothing new. Copies they already opened and saved elsewhere are not affected.`,
        'Revoke All Access',
      );
      if (!ok) return null;
      const done: { uri: vscode.Uri; role: string }[] = [];
      for (const f of files) {
        const uri = this.uri(f.path);
        const result = await vscode.commands.executeCommand<{ done: string[] }>(PANEL_COMMANDS.revoke, uri, { who: [personId] });
        if (result?.done.length) done.push({ uri, role: f.people.find((p) => p.id === personId)!.role });
      }
      if (done.length > 0) {
        reportWithUndo(`Stopped sharing ${done.length === 1 ? '1 file' : `${done.length} files`} with ${who}; each file key was rotated.`, async () => {
          for (const d of done) await vscode.commands.executeCommand(PANEL_COMMANDS.grant, d.uri, { grants: [{ who: person.email, role: d.role }] });
        });
      }
      return null;
    },
    createIdentity: async () => {
      await vscode.commands.executeCommand(PANEL_COMMANDS.createIdentity);
      return null;
    },
    importIdentity: async () => {
      await vscode.commands.executeCommand(PANEL_COMMANDS.importIdentity);
      return null;
    },
    showAuditLog: async () => {
      await vscode.commands.executeCommand(PANEL_COMMANDS.showAuditLog);
      return null;
    },
  };

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (AccessPanel.current === this) AccessPanel.current = undefined;
    vscode.Disposable.from(...this.subscriptions).dispose();
    this.panel.dispose();
  }
}
