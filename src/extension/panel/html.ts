/** The access panel's page: a strict CSP with a fresh crypto nonce, scripts and styles served from dist/ and media/ only. */
import * as vscode from 'vscode';
import { escapeHtml, nonce } from '../ui/html.js';

/** The folders the webview may load from (its `localResourceRoots`). */
export function resourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
}

/**
 * The Content-Security-Policy of the panel. `style-src` carries the nonce too: FAST (the toolkit) injects
 * one `<style>` and finds the nonce through `<meta property="csp-nonce">`, so no 'unsafe-inline' is needed.
 */
export function contentSecurityPolicy(cspSource: string, n: string): string {
  return [`default-src 'none'`, `script-src 'nonce-${n}'`, `style-src ${cspSource} 'nonce-${n}'`, `font-src ${cspSource}`, `img-src ${cspSource}`].join('; ');
}

/**
 * The page: an empty app root filled by its script (dist/webview.js for the access panel, dist/audit.js for
 * the audit view, with media/audit.css) once it has announced itself with `ready`.
 */
export function panelHtml(
  webview: vscode.Webview,
  extensionUri: vscode.Uri,
  page = { script: 'webview.js', style: 'panel.css', title: 'Sensitivity: Access' },
): string {
  const n = nonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', page.script));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', page.style));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview.cspSource, n)}">
<meta property="csp-nonce" content="${n}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(style.toString())}">
<title>${escapeHtml(page.title)}</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="muted">Loading…</p></main>
<script nonce="${n}" src="${escapeHtml(script.toString())}"></script>
</body>
</html>`;
}
