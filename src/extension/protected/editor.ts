/**
 * What opening `notes.md.protected` does. A custom editor claims `*.protected` and routes by your rights,
 * decided from the signed header before anything is decrypted:
 * - EDIT or EXTRACT: the plaintext opens in a normal text editor (`sensitivity-protected:` scheme, the inner
 *   file's language), read-only without EDIT; this custom editor closes before its page is ever built;
 * - VIEW only: a read-only page that offers no copy, select or print (client-side, see README);
 * - no access, expired, no identity or a damaged file: a page saying why and who the owner is.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { ownerWords } from '../../core/display.js';
import { isSensitivityError } from '../../core/errors.js';
import type { ProtectedInfo } from '../../core/app/index.js';
import type { Services } from '../services.js';
import { describeError } from '../ui/errors.js';
import { denialWords } from '../ui/error-words.js';
import { BASE_STYLE, escapeHtml, LOCK_SVG, page } from '../ui/html.js';
import { RIGHT_WORDS } from '../../shared/words.js';
import { claimVersionEditor } from '../scm/diffs.js';
import { prefetch } from './handoff.js';
import { editorUriOf } from './uris.js';
import { COMMAND } from '../commands/ids.js';

export const PROTECTED_EDITOR_VIEW_TYPE = 'sensitivity.protectedFile';

/** How a protected file is shown to you. */
export type Route =
  | { readonly kind: 'text'; readonly info: ProtectedInfo }
  | { readonly kind: 'viewOnly'; readonly info: ProtectedInfo }
  | { readonly kind: 'denied'; readonly info?: ProtectedInfo; readonly error: unknown };

/** Decides the route for an envelope from its header (no decryption). */
export async function routeOf(inspect: (uri: vscode.Uri) => Promise<ProtectedInfo>, envelope: vscode.Uri): Promise<Route> {
  let info: ProtectedInfo;
  try {
    info = await inspect(envelope);
  } catch (error) {
    return { kind: 'denied', error };
  }
  if (info.denied) return { kind: 'denied', info, error: info.denied };
  // An older copy than one you have opened reads, read-only (issue 20: the file system refuses to build on it).
  const r = info.yourRights;
  return r.includes('EDIT') || r.includes('EXTRACT') ? { kind: 'text', info } : { kind: 'viewOnly', info };
}

/** Messages the pages may post; anything else is ignored (the page renders file metadata: treat it as untrusted). */
const PAGE_ACTIONS = ['inspect', 'createIdentity', 'importIdentity', 'requestAccess', 'retry', 'acceptRestore', 'changeExpiry'] as const;
type PageAction = (typeof PAGE_ACTIONS)[number];

function isPageMessage(m: unknown): m is { action: PageAction } {
  return typeof m === 'object' && m !== null && (PAGE_ACTIONS as readonly string[]).includes((m as { action?: unknown }).action as string);
}

function button(action: PageAction, title: string, secondary = false): string {
  return `<button data-action="${action}"${secondary ? ' class="secondary"' : ''}>${escapeHtml(title)}</button>`;
}

const ACTION_SCRIPT = `
const vscode = acquireVsCodeApi();
for (const b of document.querySelectorAll('button[data-action]')) b.addEventListener('click', () => vscode.postMessage({ action: b.dataset.action }));
`;

/** What an owner can do about a refusal from the page itself: accept a restored copy, or extend an expiry. */
export interface OwnerRemedies {
  readonly restore: boolean;
  readonly expiry: boolean;
}

/** The page shown when the file does not open for you: why (with its stable code), whom to ask, and what an owner can do. */
function deniedPage(webview: vscode.Webview, envelope: vscode.Uri, route: Extract<Route, { kind: 'denied' }>, remedies: OwnerRemedies): string {
  const name = basename(envelope.fsPath);
  const info = route.info;
  const code = isSensitivityError(route.error) ? route.error.code : info?.denied?.code;
  // The headline in people's words; the code and the core's wording in the details line below it.
  const said = info?.denied ? { message: denialWords(info.denied), details: `${info.denied.code}: ${info.denied.reason}` } : describeError(route.error);
  const remedy =
    code === 'E_ROLLBACK' && remedies.restore
      ? button('acceptRestore', 'Accept This Version (Restore)…')
      : code === 'E_EXPIRED' && remedies.expiry
        ? button('changeExpiry', 'Change Expiry…')
        : '';
  const rows = info
    ? `<dl>
<dt>Label</dt><dd>${escapeHtml(info.label.name)}</dd>
<dt>${ownerWords(info.signedBy).title}</dt><dd>${escapeHtml(ownerWords(info.signedBy).who)}</dd>
${info.expires ? `<dt>${info.expired ? 'Expired' : 'Expires'}</dt><dd>${escapeHtml(new Date(info.expires).toLocaleString())}</dd>` : ''}
</dl>`
    : '';
  const buttons =
    code === 'E_NO_IDENTITY'
      ? button('createIdentity', 'Create Identity…') + button('importIdentity', 'Import Identity…', true)
      : info
        ? remedy || button('requestAccess', `Ask ${escapeHtml(ownerWords(info.signedBy).short)} for Access`) + button('inspect', 'Inspect', true)
        : '';
  return page(webview, {
    title: name,
    style: BASE_STYLE,
    body: `<h1>${LOCK_SVG}${escapeHtml(name)} did not open</h1>
<div class="banner error" role="alert">${escapeHtml(said.message)}</div>
<details class="muted"><summary>Details</summary><p id="error-details">${code ? `<code id="error-code">${escapeHtml(code)}</code> ` : ''}${escapeHtml(said.details.replace(/^E_[A-Z_]+: /, ''))}</p></details>
${rows}
<div>${buttons}${button('retry', 'Try Again', true)}</div>`,
    script: ACTION_SCRIPT,
  });
}

/**
 * The VIEW-only page: text without selection, copy, cut, drag or print. This is a client-side courtesy, as
 * in every rights-management viewer: someone who can read the screen can copy it by other means.
 */
function viewOnlyPage(webview: vscode.Webview, envelope: vscode.Uri, info: ProtectedInfo, text: string, markdownHtml?: string): string {
  const style = `${BASE_STYLE}
body { user-select: none; -webkit-user-select: none; }
pre { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); white-space: pre-wrap; overflow-wrap: anywhere; }
.markdown { line-height: 1.5; max-width: 900px; }
.markdown code, .markdown pre { font-family: var(--vscode-editor-font-family); }
.markdown table { border-collapse: collapse; } .markdown th, .markdown td { border: 1px solid var(--vscode-panel-border); padding: 2px 8px; }
@media print { body { display: none; } }`;
  const script = `${ACTION_SCRIPT}
for (const type of ['copy', 'cut', 'dragstart', 'selectstart', 'contextmenu']) document.addEventListener(type, (e) => e.preventDefault());
document.addEventListener('keydown', (e) => { if ((e.ctrlKey || e.metaKey) && ['a', 'c', 'x', 'p', 's'].includes(e.key.toLowerCase())) e.preventDefault(); });`;
  return page(webview, {
    title: info.innerName,
    style,
    body: `<div class="banner" role="note">${LOCK_SVG}<strong>${escapeHtml(info.label.name)}</strong> — read only. You may ${escapeHtml(info.yourRights.map((r) => RIGHT_WORDS[r]).join(', '))}, not edit or copy. ${ownerWords(info.signedBy).title}: ${escapeHtml(ownerWords(info.signedBy).who)}. ${button('inspect', 'Inspect', true)}</div>
${markdownHtml !== undefined ? `<article class="markdown" aria-label="${escapeHtml(basename(envelope.fsPath))}">${markdownHtml}</article>` : `<pre aria-label="${escapeHtml(basename(envelope.fsPath))}">${escapeHtml(text)}</pre>`}`,
    script,
  });
}

/**
 * Markdown as VS Code's built-in Markdown extension renders it (the page's CSP still runs no script of
 * it and loads nothing); undefined for other files or when that extension is not there.
 */
async function renderMarkdown(innerName: string, text: string): Promise<string | undefined> {
  if (!/\.(md|markdown)$/i.test(innerName)) return undefined;
  const html = await Promise.resolve(vscode.commands.executeCommand<string>('markdown.api.render', text)).catch(() => undefined);
  return typeof html === 'string' ? html : undefined;
}

/**
 * Opens the text editor of `envelope` in `column` (the active one when undefined) and resolves as soon as its
 * tab is the active one there, before the text has loaded (or once the open settles, if that comes first).
 */
async function showText(envelope: vscode.Uri, column: vscode.ViewColumn | undefined): Promise<void> {
  const target = editorUriOf(envelope).toString();
  const shown = () =>
    vscode.window.tabGroups.all.some((g) => {
      const input = (column === undefined ? g.isActive : g.viewColumn === column) ? g.activeTab?.input : undefined;
      return input instanceof vscode.TabInputText && input.uri.toString() === target;
    });
  if (shown()) return;
  const subscriptions: vscode.Disposable[] = [];
  const tabShown = new Promise<void>((resolve) => subscriptions.push(vscode.window.tabGroups.onDidChangeTabs(() => shown() && resolve())));
  const opened = Promise.resolve(
    vscode.commands.executeCommand('vscode.open', editorUriOf(envelope), { viewColumn: column ?? vscode.ViewColumn.Active, preview: false }),
  );
  // A failure after the tab is there shows in the text editor itself.
  void opened.catch(() => undefined);
  try {
    await Promise.race([opened, tabShown]);
  } finally {
    vscode.Disposable.from(...subscriptions).dispose();
  }
}

/** The one column whose active tab is the routing editor of `envelope` (none for a side of a diff). */
function routingColumn(envelope: vscode.Uri): vscode.ViewColumn | undefined {
  const columns = vscode.window.tabGroups.all
    .filter((g) => {
      const input = g.activeTab?.input;
      return input instanceof vscode.TabInputCustom && input.viewType === PROTECTED_EDITOR_VIEW_TYPE && input.uri.toString() === envelope.toString();
    })
    .map((g) => g.viewColumn);
  return columns.length === 1 ? columns[0] : undefined;
}

/** A routed file: `early` settles once a file that opens as text has its text editor's tab (or at once otherwise). */
interface RoutingDocument extends vscode.CustomDocument {
  /** Settles once the early route is taken; holds the decryption's error when a file that routes to text cannot be read. */
  readonly early: Promise<unknown>;
}

/**
 * The custom editor for `*.protected`: routes each open as described above. A file that opens as text never
 * gets this editor's webview: VS Code calls openCustomDocument as soon as the routing editor's tab is there,
 * and that already starts decrypting (handoff.ts) and opens the text editor in the tab's column;
 * resolveCustomEditor then closes the routing editor before returning, and VS Code builds a custom editor's
 * webview only after that returns, never for a disposed one.
 */
export class ProtectedEditorProvider implements vscode.CustomReadonlyEditorProvider<RoutingDocument> {
  constructor(
    private readonly services: Services,
    private readonly inspect: (uri: vscode.Uri) => Promise<ProtectedInfo>,
  ) {}

  openCustomDocument(uri: vscode.Uri): RoutingDocument {
    const early =
      uri.scheme === 'file'
        ? routeOf(this.inspect, uri).then(async (route) => {
            if (route.kind !== 'text') return undefined;
            // Decrypted before the text editor opens: a damaged file says why on this page, at the first open.
            const failure = await prefetch(this.services, uri);
            if (failure !== undefined) return failure;
            const column = routingColumn(uri);
            if (column !== undefined) await showText(uri, column);
            return undefined;
          })
        : Promise.resolve();
    return { uri, early: early.catch(() => undefined), dispose: () => undefined };
  }

  /** What you could do about a refusal as an owner (decided again by the operation). */
  private async remedies(info: ProtectedInfo | undefined): Promise<OwnerRemedies> {
    if (!info) return { restore: false, expiry: false };
    const { app } = await this.services.core();
    return { restore: app.mayAcceptRestore(info), expiry: app.mayChangeExpiry(info) };
  }

  async resolveCustomEditor(document: RoutingDocument, panel: vscode.WebviewPanel): Promise<void> {
    // The first render uses the early route's decryption; later ones (Try Again) check again.
    let early: { failure: unknown } | undefined = { failure: await document.early };
    // A side of a Source Control diff (or a git version) shows as a read-only plaintext diff instead.
    if (await claimVersionEditor(document.uri, panel)) return;
    const envelope = document.uri;
    panel.webview.options = { enableScripts: true, localResourceRoots: [] };
    const subscriptions: vscode.Disposable[] = [];
    panel.onDidDispose(() => vscode.Disposable.from(...subscriptions).dispose());
    const render = async (): Promise<void> => {
      const route = await routeOf(this.inspect, envelope);
      const failure = early ? early.failure : route.kind === 'text' ? await prefetch(this.services, envelope) : undefined;
      early = undefined;
      if (route.kind === 'text' && failure !== undefined) {
        panel.webview.html = deniedPage(panel.webview, envelope, { kind: 'denied', info: route.info, error: failure }, await this.remedies(route.info));
        return;
      }
      if (route.kind === 'text') {
        // The text editor takes this editor's place (opened already when openCustomDocument found the column).
        await showText(envelope, panel.viewColumn);
        panel.dispose();
        return;
      }
      if (route.kind === 'viewOnly') {
        try {
          const { app } = await this.services.core();
          const s = await this.services.session(envelope);
          const { content } = await app.open(s, s.workspace.relPath(envelope.fsPath));
          const text = new TextDecoder().decode(content);
          panel.webview.html = viewOnlyPage(panel.webview, envelope, route.info, text, await renderMarkdown(route.info.innerName, text));
        } catch (error) {
          panel.webview.html = deniedPage(panel.webview, envelope, { kind: 'denied', info: route.info, error }, await this.remedies(route.info));
        }
        return;
      }
      // Record the denied open in the audit log (the operation refuses before decrypting anything).
      if (route.info) {
        const { app } = await this.services.core();
        const s = await this.services.session(envelope);
        await app.open(s, s.workspace.relPath(envelope.fsPath)).catch(() => undefined);
      }
      panel.webview.html = deniedPage(panel.webview, envelope, route, await this.remedies(route.info));
    };
    subscriptions.push(
      panel.webview.onDidReceiveMessage(async (m: unknown) => {
        if (!isPageMessage(m)) return;
        const info = await this.inspect(envelope).catch(() => undefined);
        switch (m.action) {
          case 'inspect':
            return vscode.commands.executeCommand(COMMAND.inspect, envelope);
          case 'createIdentity':
            return vscode.commands.executeCommand(COMMAND.createIdentity);
          case 'importIdentity':
            return vscode.commands.executeCommand(COMMAND.importIdentity);
          case 'requestAccess':
            if (!info) return;
            return vscode.env.openExternal(
              vscode.Uri.from({ scheme: 'mailto', path: info.owner.email, query: `subject=${encodeURIComponent(`Access to ${info.innerName}`)}` }),
            );
          case 'retry':
            return render();
          case 'acceptRestore':
          case 'changeExpiry': {
            const command = m.action === 'acceptRestore' ? COMMAND.acceptRestore : COMMAND.changeExpiry;
            const result = await vscode.commands.executeCommand<{ done: string[] } | undefined>(command, envelope);
            return result?.done.length ? render() : undefined;
          }
        }
      }),
      // A new identity may open the file: route again.
      this.services.identities.onDidChange(() => void render()),
    );
    await render();
  }
}

/** Registers the custom editor (it activates the extension lazily: `onCustomEditor`). */
export function registerProtectedEditor(services: Services, inspect: (uri: vscode.Uri) => Promise<ProtectedInfo>): vscode.Disposable {
  return vscode.window.registerCustomEditorProvider(PROTECTED_EDITOR_VIEW_TYPE, new ProtectedEditorProvider(services, inspect), {
    webviewOptions: { retainContextWhenHidden: false },
    supportsMultipleEditorsPerDocument: true,
  });
}
