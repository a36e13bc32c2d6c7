/**
 * The status bar item: the active file's label (in the status bar's own colors: no label color reads on the blue
 * bar of Dark+ and Light+), a lock when protected, a warning when the
 * policy wants a label and there is none; the tooltip says what the label means, your rights and the
 * expiry; a click changes the label. Hidden for unlabeled files the policy does not care about.
 */
import * as vscode from 'vscode';
import { denialWords } from './ui/error-words.js';
import { escapeMarkdown } from './ui/markdown.js';
import { ownerWords, signerWords } from '../core/display.js';
import { RIGHT_WORDS, SEEN_BY } from '../shared/words.js';
import type { FindingsRegistry } from './findings.js';
import type { FileLabel, LabelIndex, ShownLabel } from './label-index.js';
import { identityDisplay } from './ui/people.js';
import { PROTECTED_SCHEME } from './protected/uris.js';
import { COMMAND } from './commands/ids.js';

/** Status bar item id (the harness's tests find the item by it). */
export const STATUS_ITEM_ID = 'sensitivity.status';

/** "in 3 days" / "3 days ago", for expiry lines. */
function relativeDays(iso: string, now = Date.now()): string {
  const days = Math.round((Date.parse(iso) - now) / 86_400_000);
  if (days === 0) return 'today';
  return days > 0 ? `in ${days} day${days === 1 ? '' : 's'}` : `${-days} day${days === -1 ? '' : 's'} ago`;
}

/** Markdown command link; arguments are URL-encoded JSON as VS Code expects. */
const commandLink = (title: string, command: string, args: unknown[]) => `[${title}](command:${command}?${encodeURIComponent(JSON.stringify(args))})`;

/** Content that needs a higher label than the file has (issue 5's findings). */
export interface Outranked {
  readonly summary: string;
  readonly needs: ShownLabel;
}

/** The rich tooltip for a file's label. */
export function tooltipOf(f: FileLabel, outranked?: Outranked): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: [COMMAND.applyLabel, COMMAND.showAccessPanel, COMMAND.inspect, COMMAND.protect] };
  md.supportThemeIcons = true;
  const lines: string[] = [];
  if (!f.label) {
    lines.push(
      '$(warning) **No sensitivity label**',
      '',
      f.missingMandatory ? 'The workspace policy requires a label on this file.' : 'This file has no label yet.',
    );
  } else {
    lines.push(`${f.protected ? '$(lock)' : '$(tag)'} **${escapeMarkdown(f.label.displayName)}**${f.protected ? ' — protected' : ''}`);
    if (f.label.description) lines.push('', escapeMarkdown(f.label.description));
  }
  const p = f.protected;
  if (p) {
    const rights = p.yourRights.includes('OWNER') ? 'everything (owner)' : p.yourRights.map((r) => RIGHT_WORDS[r]).join(', ');
    lines.push('', '---', '');
    const owner = ownerWords(p.signedBy);
    lines.push(`${owner.title}: ${escapeMarkdown(owner.who)}  `);
    if (p.lastWrittenBy)
      lines.push(`Last written by ${escapeMarkdown(signerWords(p.lastWrittenBy.signer))}, ${escapeMarkdown(new Date(p.lastWrittenBy.at).toLocaleString())}  `);
    if (p.notice) lines.push(`$(info) ${escapeMarkdown(p.notice)}  `);
    if (p.rollback)
      lines.push(
        `$(history) **An older copy**: access version ${p.lineage.at(-1)?.version ?? 1}, ${SEEN_BY[p.rollback.by]} version ${p.rollback.seen} — read-only, nothing is saved, granted or revoked on it  `,
      );
    lines.push(p.denied ? `$(circle-slash) You cannot open it: ${escapeMarkdown(denialWords(p.denied))}  ` : `You may: ${escapeMarkdown(rights)}  `);
    if (p.expires)
      lines.push(`${p.expired ? '$(error) Expired' : 'Expires'} ${escapeMarkdown(new Date(p.expires).toLocaleString())} (${relativeDays(p.expires)})  `);
    lines.push(`Access: ${p.grants.length} ${p.grants.length === 1 ? 'person' : 'people'}`);
    if (p.doubleKey) lines.push('', `$(key) **Double Key**: opening also needs your organisation's key service, ${escapeMarkdown(p.doubleKey.url)}`);
  } else if (f.document) {
    lines.push('', `Carried inside the document as Microsoft Purview label \`${escapeMarkdown(f.document.purviewId)}\`, where Office reads it`);
    if (f.label?.rank === undefined) lines.push('', "$(warning) This label is not in the workspace's policy.");
    if (f.document.foreignTenant) lines.push('', `$(warning) Set by another organisation (tenant \`${escapeMarkdown(f.document.tenantId)}\`).`);
    if (f.setAt) lines.push('', `Labeled on ${escapeMarkdown(new Date(f.setAt).toLocaleDateString())}`);
  } else if (f.setBy) {
    lines.push('', `Labeled by ${escapeMarkdown(identityDisplay(f.setBy))}${f.setAt ? ` on ${escapeMarkdown(new Date(f.setAt).toLocaleDateString())}` : ''}`);
    if (f.justification) lines.push('', `Justification: _${escapeMarkdown(f.justification)}_`);
  }
  if (f.protectionMissing)
    lines.push('', `$(warning) **Not protected yet**: ${escapeMarkdown(f.label?.displayName ?? '')} requires protection, and this file is still plaintext.`);
  if (outranked)
    lines.push('', `$(warning) Its content (${escapeMarkdown(outranked.summary)}) needs at least **${escapeMarkdown(outranked.needs.displayName)}**.`);
  const links = [commandLink(f.label ? 'Change label' : 'Apply a label', COMMAND.applyLabel, [f.uri])];
  if (p) links.push(commandLink('Inspect', COMMAND.inspect, [f.uri]));
  else if (f.label) links.push(commandLink('Protect', COMMAND.protect, [f.uri]));
  links.push(commandLink('Access panel', COMMAND.showAccessPanel, []));
  lines.push('', links.join(' · '));
  md.appendMarkdown(lines.join('\n'));
  return md;
}

export class LabelStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(STATUS_ITEM_ID, vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Guards against a slow lookup for an old editor overwriting a newer one. */
  private generation = 0;
  private shown = false;

  constructor(
    private readonly labels: LabelIndex,
    private readonly findings: FindingsRegistry,
  ) {
    this.item.name = 'Sensitivity Label';
    this.subscriptions.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => void this.update()),
      vscode.window.tabGroups.onDidChangeTabs(() => void this.update()),
      labels.onDidChange((uris) => {
        const active = this.activeUri();
        if (!uris || (active && uris.some((u) => u.toString() === active.toString()))) void this.update();
      }),
      findings.onDidChange(() => void this.update()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('sensitivity') && void this.update()),
    );
    void this.update();
  }

  /**
   * The active editor's file: a text editor's, or else the active tab's — the protected-file page, or a
   * document VS Code shows as binary (a .docx, a .pdf: no text editor then).
   */
  private activeUri(): vscode.Uri | undefined {
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    const tabUri = tab instanceof vscode.TabInputCustom || tab instanceof vscode.TabInputText ? tab.uri : undefined;
    const uri = vscode.window.activeTextEditor?.document.uri ?? tabUri;
    return uri && (uri.scheme === 'file' || uri.scheme === PROTECTED_SCHEME) ? uri : undefined;
  }

  /** Re-reads the active file's label and redraws (also awaited by tests through the API). */
  async update(): Promise<void> {
    const generation = ++this.generation;
    const uri = this.activeUri();
    const enabled = vscode.workspace.getConfiguration('sensitivity').get<boolean>('statusBar.enabled', true);
    const f = uri && enabled ? await this.labels.labelOf(uri).catch(() => undefined) : undefined;
    const outranked = f && !f.protected ? await this.outranked(f) : undefined;
    if (generation !== this.generation) return;
    if (!f || (!f.label && !f.missingMandatory && !outranked)) {
      this.item.hide();
      this.shown = false;
      return;
    }
    const warn = f.missingMandatory || outranked !== undefined || f.protectionMissing;
    this.item.text =
      (f.label ? `${f.protected ? '$(lock)' : '$(tag)'} ${f.label.displayName}` : '$(tag) No label') + (outranked || f.protectionMissing ? ' $(warning)' : '');
    this.item.backgroundColor = warn ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.tooltip = tooltipOf(f, outranked);
    this.item.command = { title: 'Change Label', command: COMMAND.applyLabel, arguments: [f.uri] };
    this.item.accessibilityInformation = {
      label: f.label
        ? `Sensitivity label ${f.label.displayName}${f.protected ? ', protected' : f.protectionMissing ? ', not protected yet though the label requires it' : ''}`
        : 'No sensitivity label; one is required',
    };
    this.item.show();
    this.shown = true;
  }

  /** The findings of a plain file when they need a higher label than it has. */
  private async outranked(f: FileLabel): Promise<Outranked | undefined> {
    const found = await this.findings.of(f.uri);
    if (!found || found.count === 0) return undefined;
    const needs = await this.labels.policyLabel(f.uri, found.minimumLabel).catch(() => undefined);
    if (!needs || (f.label?.rank !== undefined && needs.rank !== undefined && f.label.rank >= needs.rank)) return undefined;
    return { summary: found.summary ?? `${found.count} sensitive item${found.count === 1 ? '' : 's'}`, needs };
  }

  /** What the item shows now (StatusBarItem itself cannot tell whether it is visible). */
  get state(): { readonly visible: boolean; readonly text: string; readonly tooltip: string } {
    const tooltip = this.item.tooltip;
    return { visible: this.shown, text: this.item.text, tooltip: typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? '') };
  }

  dispose(): void {
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
