/**
 * Protected files are edited through their own URI scheme: `sensitivity-protected:/dir/notes.md` stands
 * for the envelope `file:///dir/notes.md.protected`. The editor sees the inner name, so it picks the
 * inner file's language (Markdown for notes.md) and never a path it could write plaintext to.
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
  return vscode.Uri.from({ scheme: PROTECTED_SCHEME, path: envelope.path.slice(0, -PROTECTED_EXT.length) });
}

/** The envelope on disk behind an editor URI; any other URI is returned as it is. */
export function envelopeUriOf(uri: vscode.Uri): vscode.Uri {
  if (uri.scheme !== PROTECTED_SCHEME) return uri;
  return vscode.Uri.file(uri.path + PROTECTED_EXT);
}
