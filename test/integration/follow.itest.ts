/**
 * Labels follow the content in the real extension host: a duplicate (a copy on disk) keeps its original's
 * label; a rename moves it. Pastes need real keyboard events (the web workbench cannot paste from a
 * command), so test/e2e/follow.e2e.ts shows them.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { afterEach, before, suite, test } from './harness.js';
import { closeAllEditors, waitFor, workspaceUri } from './helpers.js';
import { ensurePolicy, freshFile, manifest, person, useIdentity } from './sensitivity.js';

const rel = (uri: vscode.Uri) => vscode.workspace.asRelativePath(uri, false);
const apply = (uri: vscode.Uri, label: string) => vscode.commands.executeCommand('sensitivity.applyLabel', uri, { label });
const labelIn = async (uri: vscode.Uri) => (await manifest())[rel(uri)]?.label;

suite('labels follow the content', () => {
  before(async () => {
    await useIdentity(await person('alice'));
    await ensurePolicy();
  });
  afterEach(closeAllEditors);

  test(
    'a duplicate keeps the label of its original, a rename moves it',
    async () => {
      const original = await freshFile('budget', '.md', 'Q3 budget: 1.2M\n');
      await apply(original, 'Internal');
      const copy = workspaceUri(rel(original).replace('.md', ' copy.md'));
      await vscode.workspace.fs.copy(original, copy);
      await waitFor(async () => (await labelIn(copy)) === 'internal', 'the copy to take the label of its original', { timeoutMs: 15_000 });

      const moved = workspaceUri(rel(copy).replace(' copy.md', '-moved.md'));
      const edit = new vscode.WorkspaceEdit();
      edit.renameFile(copy, moved);
      assert.equal(await vscode.workspace.applyEdit(edit), true);
      await waitFor(async () => (await labelIn(moved)) === 'internal', 'the label to follow the rename');
      assert.equal(await labelIn(copy), undefined);
    },
    { timeoutMs: 30_000 },
  );
});
