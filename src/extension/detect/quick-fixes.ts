/**
 * Quick fixes on sensitive-content diagnostics: apply the label the content needs (through the Apply Label
 * command, so the same checks and audit entry as anywhere else), choose another, or protect the file. For a
 * credential, fixes that shrink access: move it out of the source into a git-ignored `.env` read by the code,
 * or protect the file for you alone.
 */
import * as vscode from 'vscode';
import { PROTECTED_SCHEME } from '../protected/uris.js';
import { DIAGNOSTIC_SOURCE, TEST_NUMBER_CODE, TOO_LARGE_CODE, type DocumentResult } from './controller.js';
import { COMMAND } from '../commands/ids.js';

type Engine = typeof import('./engine.js');

/** The text of `uri`, or '' when there is no such file. */
async function textOf(uri: vscode.Uri): Promise<string> {
  const bytes = await Promise.resolve(vscode.workspace.fs.readFile(uri)).catch(() => undefined);
  return bytes ? new TextDecoder().decode(bytes) : '';
}

/**
 * Writes `line` at the end of the file at `uri` (created when missing) when the edit is applied: the whole file
 * is written, so no unsaved editor is left behind for a file the person did not open.
 */
function appendLine(edit: vscode.WorkspaceEdit, uri: vscode.Uri, existing: string | undefined, line: string): void {
  const before = existing === undefined || existing === '' || existing.endsWith('\n') ? (existing ?? '') : `${existing}\n`;
  edit.createFile(uri, { contents: new TextEncoder().encode(`${before}${line}\n`), overwrite: true });
}

export class SensitivityQuickFixes implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(
    private readonly resultOf: (doc: vscode.TextDocument) => DocumentResult | undefined,
    private readonly engine: () => Promise<Engine>,
  ) {}

  async provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE && d.code !== TOO_LARGE_CODE && d.code !== TEST_NUMBER_CODE);
    const result = this.resultOf(doc);
    if (ours.length === 0 || !result) return [];
    const { scope, assessment } = result;
    const actions: vscode.CodeAction[] = [];
    const outranked = ours.filter((d) => d.severity === vscode.DiagnosticSeverity.Warning);
    const engine = await this.engine();
    const credentials = ours.filter((d) => typeof d.code === 'string' && engine.CREDENTIAL_TYPES.includes(d.code));
    const plain = !scope.protected && doc.uri.scheme !== PROTECTED_SCHEME;
    if (plain) actions.push(...(await this.moveOut(doc, credentials, engine)));
    if (outranked.length > 0 && assessment.target) {
      const title = `Apply label ${assessment.target.displayName}`;
      const apply = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
      apply.command = { title, command: COMMAND.applyLabel, arguments: [scope.disk, { label: assessment.target.id }] };
      apply.diagnostics = outranked;
      apply.isPreferred = credentials.length === 0;
      const choose = new vscode.CodeAction('Choose a sensitivity label…', vscode.CodeActionKind.QuickFix);
      choose.command = { title: choose.title, command: COMMAND.applyLabel, arguments: [scope.disk] };
      choose.diagnostics = outranked;
      actions.push(apply, choose);
    }
    if (plain) {
      if (credentials.length > 0 && assessment.target?.protection && !assessment.target.protection.grants?.length) {
        const title = `Protect this file for you only (${assessment.target.displayName})`;
        const mine = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
        mine.command = { title, command: COMMAND.protect, arguments: [scope.disk, { label: assessment.target.id, grants: [] }] };
        mine.diagnostics = credentials;
        actions.push(mine);
      }
      const protect = new vscode.CodeAction('Protect this file…', vscode.CodeActionKind.QuickFix);
      protect.command = { title: protect.title, command: COMMAND.protect, arguments: [scope.disk] };
      protect.diagnostics = ours;
      actions.push(protect);
    }
    return actions;
  }

  /**
   * "Move this secret to .env as NAME": the literal becomes an environment read in the document's language, the
   * value a line of `.env` beside the workspace folder's root, and `.env` is added to `.gitignore` unless there.
   */
  private async moveOut(doc: vscode.TextDocument, credentials: readonly vscode.Diagnostic[], engine: Engine): Promise<vscode.CodeAction[]> {
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    if (credentials.length === 0 || !folder) return [];
    const envUri = vscode.Uri.joinPath(folder.uri, '.env');
    const ignoreUri = vscode.Uri.joinPath(folder.uri, '.gitignore');
    const envText = await Promise.resolve(vscode.workspace.fs.stat(envUri)).then(
      () => textOf(envUri),
      () => undefined,
    );
    const text = doc.getText();
    const actions: vscode.CodeAction[] = [];
    for (const d of credentials) {
      const offset = doc.offsetAt(d.range.start);
      const move = engine.moveSecretOut(
        text,
        { offset, length: doc.offsetAt(d.range.end) - offset, typeId: String(d.code) },
        doc.languageId,
        engine.parseDotEnv(envText ?? ''),
      );
      if (!move) continue;
      const edit = new vscode.WorkspaceEdit();
      edit.replace(
        doc.uri,
        new vscode.Range(doc.positionAt(move.replace.offset), doc.positionAt(move.replace.offset + move.replace.length)),
        move.replace.text,
      );
      if (move.insert) edit.insert(doc.uri, doc.positionAt(move.insert.offset), move.insert.text);
      if (move.envLine) appendLine(edit, envUri, envText, move.envLine);
      const ignore = await Promise.resolve(vscode.workspace.fs.stat(ignoreUri)).then(
        () => textOf(ignoreUri),
        () => undefined,
      );
      if (!engine.ignoresDotEnv(ignore ?? '')) appendLine(edit, ignoreUri, ignore, '.env');
      const action = new vscode.CodeAction(
        `Move this secret to .env as ${move.name} (git-ignored; the code reads the environment)`,
        vscode.CodeActionKind.QuickFix,
      );
      action.edit = edit;
      action.diagnostics = [d];
      action.isPreferred = true;
      actions.push(action);
    }
    return actions;
  }
}
