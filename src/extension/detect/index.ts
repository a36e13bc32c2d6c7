/**
 * Sensitive content where people edit (issue 5): diagnostics on findings as they type, quick fixes that
 * apply the label the content needs or protect the file, automatic labels on save for the policy's
 * `apply` rules, and findings for the status bar tooltip and the access panel.
 */
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { PROTECTED_SCHEME } from '../protected/uris.js';
import { AutoLabeler } from './auto-label.js';
import { DetectionController } from './controller.js';
import { SensitivityQuickFixes } from './quick-fixes.js';

export { DIAGNOSTIC_SOURCE, TEST_NUMBER_CODE, TOO_LARGE_CODE, UPDATE_MEASURE } from './controller.js';

/**
 * Wires detection into the editor; the detectors themselves load on the first document scanned.
 * `autoLabelsSettled` resolves when automatic labels started by saves so far are written (or declined).
 */
export function registerDetection(services: Services): vscode.Disposable & { autoLabelsSettled(): Promise<void> } {
  const controller = new DetectionController(services);
  const labeler = new AutoLabeler(services, controller);
  const registrations = vscode.Disposable.from(
    controller,
    vscode.languages.registerCodeActionsProvider(
      [{ scheme: 'file' }, { scheme: PROTECTED_SCHEME }],
      new SensitivityQuickFixes(
        (doc) => controller.resultOf(doc),
        () => controller.engine(),
      ),
      SensitivityQuickFixes.metadata,
    ),
    vscode.workspace.onWillSaveTextDocument((e) => labeler.onWillSave(e)),
  );
  return Object.assign(registrations, { autoLabelsSettled: () => labeler.settled() });
}
