/**
 * "Inspect Protected File" renders the envelope's header (label, owner, people and roles, expiry, your
 * rights) as a read-only Markdown document shown in the preview. Nothing here needs the file key.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { ProtectedInfo } from '../../core/app/index.js';
import { ownerWords } from '../../core/display.js';
import { RIGHT_WORDS } from '../../shared/words.js';
import { escapeMarkdown } from '../ui/markdown.js';
import { identityDisplay } from '../ui/people.js';

export const INSPECT_SCHEME = 'sensitivity-inspect';

const documents = new Map<string, string>();
const changed = new vscode.EventEmitter<vscode.Uri>();

const cell = escapeMarkdown;

/** The Markdown report for a protected file's header. */
export function inspectMarkdown(info: ProtectedInfo): string {
  const date = (iso: string) => new Date(iso).toLocaleString();
  const owner = ownerWords(info.signedBy);
  const lines = [
    `# ${cell(info.innerName)} (protected)`,
    '',
    `| | |`,
    `|---|---|`,
    `| Label | **${cell(info.label.name)}** (${cell(info.label.id)}) |`,
    `| ${owner.title} | ${cell(owner.who)} |`,
    `| Issued | ${date(info.issued)} |`,
    `| Expires | ${info.expires ? `${date(info.expires)}${info.expired ? ' — **expired**' : ''}` : 'never'} |`,
    `| Content | ${cell(info.contentType)}, ${info.size.toLocaleString()} bytes |`,
    `| Content id | ${cell(info.contentId)} |`,
    `| Format | envelope v${info.version} |`,
    ...(info.doubleKey
      ? [
          `| Protection | **Double Key**: opening also needs your organisation's key service, ${cell(info.doubleKey.url)} (key ${cell(info.doubleKey.kid)}), which can revoke access at any time |`,
        ]
      : []),
    `| Your rights | ${info.yourRights.length ? info.yourRights.map((r) => RIGHT_WORDS[r]).join(', ') : 'none'} |`,
    ...(info.denied ? [`| Why you cannot open it | ${cell(info.denied.reason)} |`] : []),
    '',
    `## Who has access (${info.grants.length})`,
    '',
    '| Person | Role | Rights |',
    '|---|---|---|',
    ...info.grants.map(
      (g) =>
        `| ${cell(identityDisplay(g))}${g.recovery ? ' _(recovery)_' : ''}${g.id === info.owner.id ? ` _(${owner.role.toLowerCase()})_` : ''} | ${cell(g.role)} | ${g.rights.map((r) => RIGHT_WORDS[r]).join(', ')} |`,
    ),
    '',
    '_Read from the signed header without decrypting the content. VIEW is enforced by encryption; the other rights by Sensitivity clients._',
  ];
  return lines.join('\n') + '\n';
}

/** Shows the report in the Markdown preview. */
export async function showInspectReport(envelope: vscode.Uri, info: ProtectedInfo): Promise<vscode.Uri> {
  const uri = vscode.Uri.from({ scheme: INSPECT_SCHEME, path: `${envelope.path}.md` });
  documents.set(uri.toString(), inspectMarkdown(info));
  changed.fire(uri);
  try {
    await vscode.commands.executeCommand('markdown.showPreview', uri);
  } catch {
    await vscode.window.showTextDocument(uri, { preview: true });
  }
  return uri;
}

/** Registers the read-only document provider behind the reports. */
export function registerInspectView(): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, {
      onDidChange: changed.event,
      provideTextDocumentContent: (uri) => documents.get(uri.toString()) ?? `# ${basename(uri.path)}\n\nRun "Sensitivity: Inspect Protected File" again.\n`,
    }),
    { dispose: () => documents.clear() },
  );
}
