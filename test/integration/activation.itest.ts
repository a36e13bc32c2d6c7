/** The extension loads in the real extension host and registers what package.json contributes. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { suite, test } from './harness.js';
import { activateExtension, contributedCommands, extension } from './helpers.js';

suite('activation', () => {
  test('the extension is loaded and activates', async () => {
    const ext = await activateExtension();
    assert.equal(ext.isActive, true);
    assert.equal((ext.packageJSON as { main: string }).main, './dist/extension.js');
  });

  test('engines.vscode claims the VS Code these tests run in, and nothing older', () => {
    // The manifest's floor is the oldest version tested: this one (README, docs/EXTENSION.md say so too).
    const [major, minor] = vscode.version.split('.');
    assert.equal((extension().packageJSON as { engines: { vscode: string } }).engines.vscode, `^${major}.${minor}.0`);
  });

  test('every contributed command is registered', async () => {
    await activateExtension();
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = contributedCommands();
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    assert.deepEqual(
      contributed.filter((id) => !registered.has(id)),
      [],
      'contributed but not registered',
    );
  });

  test('activation is lazy: only workspaces that use labels, or restoring a protected editor', () => {
    // Beyond contributions (commands, the .protected custom editor): a workspace with `.sensitivity/` (so
    // badges and the status bar show without a command first) and `onFileSystem` (restored editors of
    // protected files and of their earlier versions need the providers). Never `*` or onStartupFinished.
    assert.deepEqual((extension().packageJSON as { activationEvents?: unknown }).activationEvents, [
      'workspaceContains:.sensitivity',
      'onFileSystem:sensitivity-protected',
      'onFileSystem:sensitivity-version',
    ]);
  });
});
