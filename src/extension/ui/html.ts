/** Small, strict webview pages (the denial page, the no-copy viewer): CSP with a crypto nonce, no remote content. */
import { randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A base64 nonce from the OS CSPRNG (never Math.random: a guessable nonce defeats the CSP). */
export function nonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * A complete page: `default-src 'none'`, styles and the optional script allowed by nonce only, so nothing
 * injected through file content can run.
 */
export function page(webview: vscode.Webview, opts: { title: string; style: string; body: string; script?: string }): string {
  const n = nonce();
  const csp = [`default-src 'none'`, `style-src 'nonce-${n}'`, `script-src 'nonce-${n}'`, `img-src ${webview.cspSource}`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(opts.title)}</title>
<style nonce="${n}">${opts.style}</style>
</head>
<body>
${opts.body}
${opts.script ? `<script nonce="${n}">${opts.script}</script>` : ''}
</body>
</html>`;
}

/** A lock drawn inline (no emoji font needed), in the text color. */
export const LOCK_SVG =
  '<svg class="lock" aria-hidden="true" width="16" height="16" viewBox="0 0 16 16"><path fill="currentColor" d="M4 7V5a4 4 0 1 1 8 0v2h1a1 1 0 0 1 1 1v6a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1h1Zm1.5 0h5V5a2.5 2.5 0 0 0-5 0v2Z"/></svg>';

/** Shared look: VS Code's theme variables, so light, dark and high-contrast themes all apply. */
export const BASE_STYLE = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 0 24px; }
h1 { font-size: 1.4em; font-weight: 600; margin: 24px 0 8px; }
.lock { vertical-align: -2px; margin-right: 6px; }
.muted { color: var(--vscode-descriptionForeground); }
.banner { border-left: 3px solid var(--vscode-editorWarning-foreground); background: var(--vscode-textBlockQuote-background); padding: 8px 12px; margin: 12px 0; }
.error { border-left-color: var(--vscode-editorError-foreground); }
dl { display: grid; grid-template-columns: max-content auto; gap: 4px 16px; margin: 16px 0; }
dt { color: var(--vscode-descriptionForeground); }
dd { margin: 0; }
button { font-family: inherit; font-size: inherit; color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: 1px solid var(--vscode-button-border, transparent); padding: 4px 12px; margin: 4px 8px 4px 0; cursor: pointer; border-radius: 2px; }
button:hover { background: var(--vscode-button-hoverBackground); }
button.secondary { color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); }
button.secondary:hover { background: var(--vscode-button-secondaryHoverBackground); }
button:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 2px; }
`;
