/**
 * Quick fixes on sensitive-content diagnostics: apply the label the content needs (through the Apply Label
 * command, so the same checks and audit entry as anywhere else), choose another, or protect the file.
 */
import * as vscode from 'vscode';
import { PROTECTED_SCHEME } from '../protected/uris.js';
import { DIAGNOSTIC_SOURCE, TEST_NUMBER_CODE, TOO_LARGE_CODE, type DocumentResult } from './controller.js';
import { COMMAND } from '../commands/ids.js';

export class SensitivityQuickFixes implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly resultOf: (doc: vscode.TextDocument) => DocumentResult | undefined) {}

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const ours = context.diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE && d.code !== TOO_LARGE_CODE && d.code !== TEST_NUMBER_CODE);
    const result = this.resultOf(doc);
    if (ours.length === 0 || !result) return [];
    const { scope, assessment } = result;
    const actions: vscode.CodeAction[] = [];
    const outranked = ours.filter((d) => d.severity === vscode.DiagnosticSeverity.Warning);
    if (outranked.length > 0 && assessment.target) {
      const title = `Apply label ${assessment.target.displayName}`;
      const apply = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
      apply.command = { title, command: COMMAND.applyLabel, arguments: [scope.disk, { label: assessment.target.id }] };
      apply.diagnostics = outranked;
      apply.isPreferred = true;
      const choose = new vscode.CodeAction('Choose a sensitivity label…', vscode.CodeActionKind.QuickFix);
      choose.command = { title: choose.title, command: COMMAND.applyLabel, arguments: [scope.disk] };
      choose.diagnostics = outranked;
      actions.push(apply, choose);
    }
    if (!scope.protected && doc.uri.scheme !== PROTECTED_SCHEME) {
      const protect = new vscode.CodeAction('Protect this file…', vscode.CodeActionKind.QuickFix);
      protect.command = { title: protect.title, command: COMMAND.protect, arguments: [scope.disk] };
      protect.diagnostics = ours;
      actions.push(protect);
    }
    return actions;
  }
}
