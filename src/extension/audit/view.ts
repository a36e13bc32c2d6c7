/**
 * The audit view's host side (issue 22): one webview panel over `$SENSITIVITY_HOME/audit.jsonl`, read
 * again when the file changes, every incoming message validated, queries answered from the model, and
 * Verify running the core's chain check (the CLI's `sensitivity audit --verify`) against the head of the
 * last intact verification, kept in VS Code's global state, so entries cut from the end show too.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { readAuditLines, verifyAuditLog, type AuditEntry } from '../../core/audit/index.js';
import { auditPath, resolveHome } from '../../node/home.js';
import { readTextIfExists } from '../../node/node-io.js';
import { homePins } from '../../node/trust-store.js';
import {
  NO_FILTERS,
  validateAuditMessage,
  type AuditHostMessage,
  type AuditParams,
  type AuditRequestOf,
  type AuditRequestType,
  type AuditResponseMessage,
  type AuditResult,
} from '../../shared/audit-protocol.js';
import { panelHtml, resourceRoots } from '../panel/html.js';
import { describeError } from '../ui/errors.js';
import { refusal, respond } from '../ui/webview-requests.js';
import { AuditLogModel, localTime, localWording, verifyView, type AuditAnchor } from './model.js';

/** The webview panel's view type. */
export const AUDIT_VIEW_TYPE = 'sensitivity.auditLog';

/** What the view needs from the rest of the extension (the extension's `Services` satisfies it). */
export interface AuditViewServices {
  readonly context: vscode.ExtensionContext;
  readonly log: Pick<vscode.LogOutputChannel, 'info' | 'warn' | 'error'>;
  readonly identities: { get(): Promise<{ readonly id: string; readonly name: string } | undefined> };
  /** Label names of the policy governing `uri` (the first workspace folder's), when there is one. */
  labelNames(uri: vscode.Uri): Promise<ReadonlyMap<string, string>>;
}

/** The open view, with hooks integration tests and the benchmark use to drive the host side. */
export interface AuditViewHandle {
  readonly panel: vscode.WebviewPanel;
  /** The model of the log as last read. */
  model(): Promise<AuditLogModel>;
  /** Handles `raw` exactly as a message from the webview; resolves with the answer posted, if any. */
  receive(raw: unknown): Promise<AuditResponseMessage | undefined>;
  readonly rejectedCount: number;
}

type Handlers = { readonly [K in AuditRequestType]: (params: AuditParams<K>) => Promise<AuditResult<K>> };

/** The key under which the head of the last intact verification of the log at `path` is kept. */
const anchorKey = (path: string) => `sensitivity.auditAnchor:${path}`;

export class AuditView implements AuditViewHandle, vscode.Disposable {
  private static current: AuditView | undefined;
  private readonly path = auditPath(resolveHome());
  private loaded: Promise<AuditLogModel>;
  /** The text the model was built from. */
  private text = '';
  /** People your pins verify, by the ids the log names (looked up once each). */
  private readonly pinned = new Map<string, { name: string; email: string }>();
  private readonly looked = new Set<string>();
  private watcher: FSWatcher | undefined;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  rejectedCount = 0;

  /** Reveals the open view, or opens one. */
  static show(services: AuditViewServices): AuditView {
    if (AuditView.current) {
      AuditView.current.panel.reveal();
      return AuditView.current;
    }
    const panel = vscode.window.createWebviewPanel(AUDIT_VIEW_TYPE, 'Sensitivity: Audit Log', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: resourceRoots(services.context.extensionUri),
      retainContextWhenHidden: false,
    });
    const created = new AuditView(panel, services);
    AuditView.current = created;
    services.context.subscriptions.push(created);
    return created;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly services: AuditViewServices,
  ) {
    panel.webview.html = panelHtml(panel.webview, services.context.extensionUri, { script: 'audit.js', style: 'audit.css', title: 'Sensitivity: Audit Log' });
    this.loaded = this.load();
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m)),
      panel.onDidDispose(() => this.dispose()),
    );
    this.watch();
  }

  /** Live refresh: the log's folder is watched (the file may not exist yet, and a writer may replace it). */
  private watch(): void {
    try {
      this.watcher = watch(dirname(this.path), (_event, name) => {
        if (name !== null && name.toString() !== basename(this.path)) return;
        // Appends come in bursts (a command writes several entries): one read per burst.
        clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => this.reload(), 200);
      });
      this.watcher.on('error', (e) => this.services.log.warn(`audit view: watching ${this.path} stopped: ${e.message}`));
    } catch (e) {
      // No home folder yet: nothing has been audited; the view reads again when shown.
      this.services.log.info(`audit view: not watching ${this.path}: ${(e as Error).message}`);
      this.subscriptions.push(this.panel.onDidChangeViewState((s) => s.webviewPanel.visible && this.reload()));
    }
  }

  /** Reads the log again after the last read: a log that only grew is read from where it ended; any other change, whole. */
  private reload(): void {
    this.loaded = this.loaded.then(
      (m) => this.update(m),
      () => this.load(),
    );
    void this.loaded.then((m) => this.post({ type: 'changed', total: m.total }));
  }

  private async update(model: AuditLogModel): Promise<AuditLogModel> {
    const text = (await readTextIfExists(this.path)) ?? '';
    const before = this.text;
    // Appends add whole lines: anything else (an edit, a cut, a torn last line) is read again from the start.
    if ((before !== '' && !before.endsWith('\n')) || !text.startsWith(before)) return this.load(text);
    const { entries, damaged } = readAuditLines(text.slice(before.length));
    await this.lookUpPins(entries);
    model.append(entries, damaged.length);
    this.text = text;
    return model;
  }

  private async lookUpPins(entries: readonly AuditEntry[]): Promise<void> {
    const pins = homePins(resolveHome());
    for (const e of entries) {
      const id = e.actor?.id;
      if (id === undefined || this.looked.has(id)) continue;
      this.looked.add(id);
      const p = await pins.byId(id).catch(() => undefined);
      if (p) this.pinned.set(id, { name: p.name, email: p.email });
    }
  }

  private async load(known?: string): Promise<AuditLogModel> {
    const text = known ?? (await readTextIfExists(this.path)) ?? '';
    const { entries, damaged } = readAuditLines(text);
    const identity = await this.services.identities.get();
    const you = identity ? { id: identity.id, name: identity.name } : undefined;
    this.pinned.clear();
    this.looked.clear();
    await this.lookUpPins(entries);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const labelNames = folder ? await this.services.labelNames(folder).catch(() => new Map<string, string>()) : new Map<string, string>();
    this.text = text;
    return new AuditLogModel(entries, damaged.length, this.path, localWording(you, this.pinned, labelNames));
  }

  model(): Promise<AuditLogModel> {
    return this.loaded;
  }

  private post(message: AuditHostMessage): Thenable<boolean> {
    return this.panel.webview.postMessage(message).then(undefined, () => false);
  }

  async receive(raw: unknown): Promise<AuditResponseMessage | undefined> {
    const model = await this.loaded.catch(() => undefined);
    const choices = model?.choices ?? { people: new Set<string>(), actions: new Set<string>(), labels: new Set<string>() };
    const verdict = validateAuditMessage(raw, choices);
    if (!verdict.ok) {
      this.rejectedCount++;
      const refused = refusal(verdict, this.services.log, 'audit view', 'The audit view sent a request the extension does not accept; close and reopen it.');
      return refused && this.answer(refused);
    }
    const message = verdict.message;
    if (message.type === 'ready') {
      void this.post({ type: 'changed', total: model?.total ?? 0 });
      return undefined;
    }
    return this.answer(await this.dispatch(message));
  }

  private async answer(response: AuditResponseMessage): Promise<AuditResponseMessage> {
    await this.post(response);
    return response;
  }

  private async dispatch<K extends AuditRequestType>(request: AuditRequestOf<K>): Promise<AuditResponseMessage> {
    const handler = this.handlers[request.type] as (params: AuditParams<K>) => Promise<AuditResult<K>>;
    return (await respond(request, handler, (e) => describeError(e).message)) as AuditResponseMessage;
  }

  private readonly handlers: Handlers = {
    query: async ({ filters, page }) => {
      try {
        return (await this.loaded).query(filters, page);
      } catch (e) {
        const { message } = describeError(e, vscode.Uri.file(this.path));
        const empty = new AuditLogModel([], 0, this.path, localWording(undefined, new Map(), new Map())).query(NO_FILTERS, 0);
        return { ...empty, status: 'error', error: message };
      }
    },
    verify: async () => {
      // The file as it is now (not the model last read): what the CLI's `audit --verify` would check.
      const text = (await readTextIfExists(this.path)) ?? '';
      const state = this.services.context.globalState;
      const anchor = state.get<AuditAnchor>(anchorKey(this.path));
      const result = await verifyAuditLog(text, anchor ? { anchor: anchor.head } : {});
      const model = await this.loaded.catch(() => undefined);
      const view = verifyView(text, result, anchor, localTime);
      if (result.ok && result.head !== undefined) {
        await state.update(anchorKey(this.path), { head: result.head, entries: result.entries.length, at: new Date().toISOString() } satisfies AuditAnchor);
      }
      this.services.log.info(`audit view: verified ${this.path}: ${view.details}`);
      if (result.ok && result.entries.length !== model?.total) this.reload();
      return view;
    },
  };

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (AuditView.current === this) AuditView.current = undefined;
    clearTimeout(this.reloadTimer);
    this.watcher?.close();
    vscode.Disposable.from(...this.subscriptions).dispose();
    this.panel.dispose();
  }
}
