/** The harness itself: fixture workspace, isolated environment, editors, commands. */
import * as assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import * as vscode from 'vscode';
import { afterEach, suite, test } from './harness.js';
import { closeAllEditors, openFile, readFixture, uniqueName, waitFor, workspaceRoot, writeFixture } from './helpers.js';

suite('harness', () => {
  afterEach(closeAllEditors);

  test('the workspace is a fresh copy of the fixture folder', async () => {
    const text = new TextDecoder().decode(await readFixture('README.md'));
    assert.match(text, /Integration test workspace/);
    assert.equal(vscode.workspace.workspaceFolders?.length, 1);
  });

  test('SENSITIVITY_HOME reaches the extension host and is private to the run', () => {
    const home = process.env.SENSITIVITY_HOME;
    assert.ok(home, 'SENSITIVITY_HOME is not set in the extension host');
    assert.ok(!realpathSync(workspaceRoot().fsPath).startsWith(realpathSync(home)), 'home inside the workspace');
  });

  test('a written fixture opens in the active editor', async () => {
    const name = uniqueName('opened', '.md');
    await writeFixture(name, '# Hello\n');
    await openFile(name);
    const editor = await waitFor(() => vscode.window.activeTextEditor, 'an active editor');
    assert.equal(editor.document.getText(), '# Hello\n');
    assert.equal(editor.document.languageId, 'markdown');
  });

  test('the placeholder command runs through executeCommand', async () => {
    await vscode.commands.executeCommand('sensitivity.showIdentity');
  });

  test('waitFor reports what it waited for', async () => {
    await assert.rejects(
      waitFor(() => false, 'something that never happens', { timeoutMs: 100 }),
      /something that never happens/,
    );
  });
});
