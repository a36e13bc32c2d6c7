/**
 * Source Control diffs of protected files in plaintext. The git extension opens a change as a diff of two
 * resources (`git:` HEAD or index on the left, the working tree or index on the right); both end with
 * `.protected`, so VS Code shows our custom editor on each side. The custom editor hands such sides here:
 * the `git:` side works out its partner (working tree vs index, index vs HEAD, a commit vs its parent) and
 * replaces the tab with a text diff of two read-only `sensitivity-version:` documents, decrypted in memory;
 * the other side only waits to be replaced.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { versionUriOf } from './versions.js';

/** What the git extension puts in a `git:` URI's query. */
interface GitQuery {
  readonly path: string;
  readonly ref: string;
}

/** The subset of the git extension's API (vscode.git, getAPI(1)) used here. */
interface GitApi {
  readonly repositories: readonly { readonly state: { readonly indexChanges: readonly { readonly uri: vscode.Uri }[] } }[];
}

function gitQuery(uri: vscode.Uri): GitQuery | undefined {
  try {
    const q = JSON.parse(uri.query) as Partial<GitQuery>;
    return typeof q.path === 'string' && typeof q.ref === 'string' ? { path: q.path, ref: q.ref } : undefined;
  } catch {
    return undefined;
  }
}

function isStaged(path: string): boolean {
  const git = vscode.extensions.getExtension<{ getAPI(v: 1): GitApi }>('vscode.git');
  if (!git?.isActive) return false;
  return git.exports.getAPI(1).repositories.some((r) => r.state.indexChanges.some((c) => c.uri.fsPath === path));
}

/** The right side of the diff whose left side is `original` (a `git:` URI), and how to title it. */
function partnerOf(original: vscode.Uri, q: GitQuery): { modified: vscode.Uri; title: string } {
  const name = basename(q.path).slice(0, -'.protected'.length);
  if (q.ref === 'HEAD' && isStaged(q.path))
    return { modified: original.with({ query: JSON.stringify({ ...q, ref: '' }) }), title: `${name} (Index, plaintext)` };
  if (q.ref.endsWith('^'))
    return { modified: original.with({ query: JSON.stringify({ ...q, ref: q.ref.slice(0, -1) }) }), title: `${name} (${q.ref.slice(0, 8)}, plaintext)` };
  return { modified: vscode.Uri.file(q.path), title: `${name} (Working Tree, plaintext)` };
}

const allTabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs);

/**
 * True when the custom editor for `uri` is one side of a comparison rather than an editor of its own: no
 * custom editor tab shows it, and a tab VS Code cannot describe (a diff of two custom editors) names it.
 */
function comparisonTab(uri: vscode.Uri): vscode.Tab | undefined {
  const tabs = allTabs();
  if (tabs.some((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === uri.toString())) return undefined;
  const name = basename(uri.scheme === 'git' ? (gitQuery(uri)?.path ?? uri.path) : uri.path);
  return tabs.find((t) => t.input === undefined && t.label.includes(name));
}

const waiting = (webview: vscode.Webview) => {
  webview.html = '<!DOCTYPE html><html><body><p>Opening the plaintext diff…</p></body></html>';
};

/**
 * Takes over the custom editor for `uri` when it is a side of a Source Control or Timeline diff, or a
 * `git:` version opened alone; returns false for an ordinary open (the custom editor then routes as usual).
 */
export async function claimVersionEditor(uri: vscode.Uri, panel: vscode.WebviewPanel): Promise<boolean> {
  const tab = comparisonTab(uri);
  if (uri.scheme === 'file') {
    if (!tab) return false;
    waiting(panel.webview);
    return true;
  }
  const q = uri.scheme === 'git' ? gitQuery(uri) : undefined;
  if (!q) return false;
  waiting(panel.webview);
  const column = panel.viewColumn ?? vscode.ViewColumn.Active;
  if (!tab) {
    await vscode.commands.executeCommand('vscode.open', versionUriOf(uri), { viewColumn: column, preview: true });
    panel.dispose();
    return true;
  }
  const { modified, title } = partnerOf(uri, q);
  await vscode.commands.executeCommand('vscode.diff', versionUriOf(uri), versionUriOf(modified), title, { viewColumn: column, preview: tab.isPreview });
  await vscode.window.tabGroups.close(tab).then(undefined, () => undefined);
  return true;
}
