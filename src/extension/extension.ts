/**
 * MINIMAL placeholder extension that proves the test harness (issue 3): activation, two commands, a
 * status bar item. The real extension (issue 4) replaces it; docs/TESTING.md lists what the harness's
 * own tests rely on (command ids and titles, the status bar item id).
 */
import * as vscode from 'vscode';

/** Label names offered until the core's policy is wired in. */
const PLACEHOLDER_LABELS = ['Public', 'General', 'Confidential', 'Highly Confidential'];

/** Called by VS Code on first use of a contributed command (activationEvents are empty: lazy). */
export function activate(context: vscode.ExtensionContext): void {
  const status = vscode.window.createStatusBarItem('sensitivity.status', vscode.StatusBarAlignment.Right, 100);
  status.name = 'Sensitivity Label';
  status.text = '$(shield) Sensitivity';
  status.tooltip = 'Sensitivity Labels: click to apply a label';
  status.accessibilityInformation = { label: 'Sensitivity label' };
  status.command = 'sensitivity.applyLabel';
  status.show();

  context.subscriptions.push(
    status,
    vscode.commands.registerCommand('sensitivity.showIdentity', () => {
      // Not awaited: the command completes while the message is still on screen.
      void vscode.window.showInformationMessage(`Sensitivity Labels ${(context.extension.packageJSON as { version: string }).version} is active.`);
    }),
    vscode.commands.registerCommand('sensitivity.applyLabel', async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      const picked = await vscode.window.showQuickPick(PLACEHOLDER_LABELS, {
        title: 'Apply Sensitivity Label',
        placeHolder: target ? vscode.workspace.asRelativePath(target) : undefined,
      });
      if (picked) status.text = `$(shield) ${picked}`;
      return picked;
    }),
  );
}

/** Nothing to release beyond context.subscriptions. */
export function deactivate(): void {}
