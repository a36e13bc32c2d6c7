/**
 * Protected files are edited through their own URI scheme: `sensitivity-protected:/finance/q3.md` with the
 * query `{"root":"/work/project"}` stands for the envelope `file:///work/project/finance/q3.md.protected`.
 * The editor sees the inner name, so it picks the inner file's language (Markdown for q3.md) and never a
 * path it could write plaintext to. Inside a workspace folder the path is relative to that folder (the
 * folder rides in the query), so the breadcrumbs read `finance › q3.md` like any file of the workspace,
 * not the folders above it; outside every folder the path is absolute and the query empty.
 */
import * as vscode from 'vscode';

export const PROTECTED_SCHEME = 'sensitivity-protected';
export const PROTECTED_EXT = '.protected';

/** True for `*.protected` paths on disk. */
export function isEnvelopeUri(uri: vscode.Uri): boolean {
  return uri.scheme !== PROTECTED_SCHEME && uri.path.endsWith(PROTECTED_EXT);
}

/** The editor URI of an envelope on disk. */
export function editorUriOf(envelope: vscode.Uri): vscode.Uri {
  if (!isEnvelopeUri(envelope)) throw new TypeError(`not a protected file: ${envelope.toString()}`);
  const inner = envelope.path.slice(0, -PROTECTED_EXT.length);
  const folder = vscode.workspace.getWorkspaceFolder(envelope)?.uri;
  if (folder?.scheme !== 'file') return vscode.Uri.from({ scheme: PROTECTED_SCHEME, path: inner });
  const root = folder.path.replace(/\/$/, '');
  return vscode.Uri.from({ scheme: PROTECTED_SCHEME, path: inner.slice(root.length), query: JSON.stringify({ root }) });
}

/** The folder an editor URI's path is relative to ('' when it is absolute). */
function rootOf(uri: vscode.Uri): string {
  if (uri.query === '') return '';
  const root = (JSON.parse(uri.query) as { root?: unknown }).root;
  if (typeof root !== 'string') throw new TypeError(`not a protected editor URI: ${uri.toString()}`);
  return root;
}

/** The path on disk an editor URI's path stands for (a folder of the breadcrumbs, or a file's inner name). */
export function diskUriOf(uri: vscode.Uri): vscode.Uri {
  if (uri.scheme !== PROTECTED_SCHEME) return uri;
  return vscode.Uri.file(rootOf(uri) + uri.path);
}

/** The envelope on disk behind an editor URI; any other URI is returned as it is. */
export function envelopeUriOf(uri: vscode.Uri): vscode.Uri {
  if (uri.scheme !== PROTECTED_SCHEME) return uri;
  return vscode.Uri.file(diskUriOf(uri).path + PROTECTED_EXT);
}
