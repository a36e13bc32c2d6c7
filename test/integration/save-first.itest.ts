/**
 * Unsaved edits before a file changes form (issue 22), in the real extension host: Apply Label with a label that
 * protects or marks, Protect and Unprotect save the editor's edits first. When VS Code does not save them (another
 * program wrote the file, so the save is a conflict; a protected file's access changed, so our file system refuses
 * it), nothing may be acted on — not the old text on disk — and the editor keeps its edits; the person is told why
 * (E_SAVE_FAILED). A label that only changes labels.json leaves an unsaved editor alone. A will-save participant
 * that outlasts VS Code's budget does not drop the save: the edits are what gets protected.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import * as app from '../../src/core/app/index.js';
import type { Identity } from '../../src/core/index.js';
import { swapEditors } from '../../src/extension/protected/editor-swap.js';
import { sessionIn } from '../../src/node/session.js';
import { openWorkspace } from '../../src/node/workspace.js';
import { afterEach, before, suite, test } from './harness.js';
import { closeAllEditors, openFile, waitFor, workspaceRoot, writeFixture } from './helpers.js';
import { addPeople, auditSince, auditLog, ensurePolicy, freshFile, manifest, person, useIdentity } from './sensitivity.js';

interface BatchResult {
  readonly done: string[];
  readonly failed: { file: string; code?: string; message: string }[];
  readonly cancelled: boolean;
}

const rel = (uri: vscode.Uri) => vscode.workspace.asRelativePath(uri, false);
const exists = (path: string) =>
  fs.stat(path).then(
    () => true,
    () => false,
  );

/** Runs `run` and returns the error messages the extension showed meanwhile (each still shown by VS Code). */
async function errorsShown<T>(run: () => Thenable<T>): Promise<{ result: T; errors: string[] }> {
  const window = vscode.window as unknown as { showErrorMessage: (message: string, ...rest: unknown[]) => Thenable<unknown> };
  const original = window.showErrorMessage;
  const errors: string[] = [];
  window.showErrorMessage = (message, ...rest) => {
    errors.push(message);
    return original.call(window, message, ...rest);
  };
  try {
    return { result: await run(), errors };
  } finally {
    window.showErrorMessage = original;
  }
}

/** Another program writes `uri` (newer than the editor's copy): VS Code refuses the editor's save as a conflict. */
async function writtenElsewhere(uri: vscode.Uri): Promise<void> {
  await fs.writeFile(uri.fsPath, 'written elsewhere\n');
  await fs.utimes(uri.fsPath, new Date(), new Date(Date.now() + 60_000));
}

/** An open editor of a fresh file with an unsaved edit; returns the editor, its file and the text it holds. */
async function unsavedEdit(prefix: string): Promise<{ editor: vscode.TextEditor; uri: vscode.Uri; held: string }> {
  const uri = await freshFile(prefix, '.py', 'first draft\n');
  const editor = await openFile(rel(uri));
  await editor.edit((e) => e.insert(new vscode.Position(1, 0), 'my unsaved edit\n'));
  assert.equal(editor.document.isDirty, true);
  return { editor, uri, held: 'first draft\nmy unsaved edit\n' };
}

const COMMANDS: readonly [string, string, object][] = [
  ['Apply Label with a label that protects', 'sensitivity.applyLabel', { label: 'Confidential/Specific People', grants: [] }],
  ['Protect', 'sensitivity.protect', { label: 'confidential-specific-people', grants: [] }],
];

suite('unsaved edits before protecting', () => {
  before(async () => {
    await useIdentity(await person('alice'));
    await ensurePolicy();
  });
  afterEach(closeAllEditors);

  for (const [name, command, options] of COMMANDS) {
    test(
      `${name}: a save VS Code refuses protects nothing, the editor keeps its edits, and says why`,
      async () => {
        const { editor, uri, held } = await unsavedEdit('refused');
        try {
          await writtenElsewhere(uri);
          const labelBefore = (await manifest())[rel(uri)];
          const since = (await auditLog()).length;

          const { result, errors } = await errorsShown(() => vscode.commands.executeCommand<BatchResult>(command, uri, options));

          const envelope = `${uri.fsPath}.protected`;
          if (await exists(envelope)) assert.fail(`protected anyway, holding ${JSON.stringify(await protectedText(envelope))}; editor: ${state(editor)}`);
          assert.deepEqual(result.done, []);
          assert.deepEqual(
            result.failed.map((f) => f.code),
            ['E_SAVE_FAILED'],
          );
          assert.equal(await fs.readFile(uri.fsPath, 'utf8'), 'written elsewhere\n', 'the file on disk as it was');
          assert.deepEqual((await manifest())[rel(uri)], labelBefore, 'the label unapplied');
          assert.deepEqual(
            (await auditSince(since)).filter((e) => e.file?.startsWith(rel(uri))),
            [],
          );
          assertRefused(editor, held, errors, 'Your unsaved changes could not be saved, so the file was not protected. Save it and try again.');
        } finally {
          await revert(editor.document);
        }
      },
      { timeoutMs: 40_000 },
    );
  }

  test(
    'Apply Label where the policy has markings: a save VS Code refuses leaves the file unmarked and its label unchanged',
    async () => {
      await writeFixture(
        'save-first-marked/.sensitivity/policy.json',
        JSON.stringify({
          version: 1,
          labels: [
            { id: 'public', name: 'Public' },
            { id: 'internal', name: 'Internal', markings: { header: 'INTERNAL' } },
          ],
        }),
      );
      const { editor, uri, held } = await unsavedEdit('save-first-marked/tool');
      try {
        await writtenElsewhere(uri);
        const labelBefore = (await manifest())[rel(uri)];
        const { result, errors } = await errorsShown(() => vscode.commands.executeCommand<BatchResult>('sensitivity.applyLabel', uri, { label: 'internal' }));
        assert.deepEqual(
          result.failed.map((f) => f.code),
          ['E_SAVE_FAILED'],
        );
        assert.equal(await fs.readFile(uri.fsPath, 'utf8'), 'written elsewhere\n', 'not marked');
        assert.deepEqual((await manifest())[rel(uri)], labelBefore, 'the label unchanged');
        assertRefused(editor, held, errors, 'Your unsaved changes could not be saved, so its label was not changed.');
      } finally {
        await revert(editor.document);
      }
    },
    { timeoutMs: 40_000 },
  );

  test('a label that neither protects nor marks changes only labels.json: an editor with unsaved edits is left as it is', async () => {
    const { editor, uri, held } = await unsavedEdit('unmarked');
    try {
      const result = await vscode.commands.executeCommand<BatchResult>('sensitivity.applyLabel', uri, { label: 'internal' });
      assert.deepEqual(result.failed, []);
      assert.equal((await manifest())[rel(uri)]?.label, 'internal');
      assert.equal(editor.document.isDirty, true);
      assert.equal(editor.document.getText(), held);
    } finally {
      await revert(editor.document);
    }
  });

  test(
    'Unprotect: a protected editor whose save is refused (its access changed meanwhile) is not unprotected, and keeps its edits',
    async () => {
      const plain = await freshFile('shared', '.md', 'protected draft\n');
      const protectedResult = await vscode.commands.executeCommand<BatchResult>('sensitivity.protect', plain, {
        label: 'confidential-specific-people',
        grants: [],
      });
      const envelope = vscode.Uri.file(protectedResult.done[0]!);
      await vscode.commands.executeCommand('vscode.open', envelope);
      const editor = await waitFor(
        () => vscode.window.activeTextEditor?.document.uri.scheme === 'sensitivity-protected' && vscode.window.activeTextEditor,
        'the protected file’s editor',
      );
      try {
        await editor.edit((e) => e.insert(new vscode.Position(1, 0), 'my unsaved edit\n'));
        // Its owner shares it from elsewhere (the CLI, another window): the editor's save is refused.
        const bob = await person('bob');
        await addPeople(bob);
        const s = sessionAs(await person('alice'));
        await app.grant(s, s.workspace.relPath(envelope.fsPath), [{ who: bob.email, role: 'Viewer' }]);
        const sealed = await fs.readFile(envelope.fsPath);

        const { result, errors } = await errorsShown(() => vscode.commands.executeCommand<BatchResult>('sensitivity.unprotect', envelope, { keep: false }));

        if (await exists(plain.fsPath))
          assert.fail(`unprotected anyway, holding ${JSON.stringify(await fs.readFile(plain.fsPath, 'utf8'))}; editor: ${state(editor)}`);
        assert.deepEqual(
          result.failed.map((f) => f.code),
          ['E_SAVE_FAILED'],
        );
        assert.ok((await fs.readFile(envelope.fsPath)).equals(sealed), 'the protected file as it was');
        assertRefused(editor, 'protected draft\nmy unsaved edit\n', errors, 'Your unsaved changes could not be saved, so it was not unprotected.');
      } finally {
        await revert(editor.document);
      }
    },
    { timeoutMs: 40_000 },
  );

  test(
    'an edit typed while the protected file is put in place moves to its editor: no plaintext is written back, nothing is lost',
    async () => {
      const { editor, uri, held } = await unsavedEdit('late');
      // The core protects what is on disk, as when the edit came after its last read of the file.
      const s = sessionAs(await person('alice'));
      const { output } = await app.protect(s, s.workspace.relPath(uri.fsPath), { label: 'confidential-specific-people' });
      const envelope = vscode.Uri.file(s.workspace.absPath(output));
      await swapEditors([uri], envelope);
      const name = `/${uri.path.split('/').pop()!}`;
      const moved = await waitFor(
        () => vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'sensitivity-protected' && d.uri.path.endsWith(name)),
        'the protected file’s editor',
      );
      assert.equal(moved.getText(), held, 'the edit is in the protected file’s editor');
      assert.ok(editor.document.isClosed || !editor.document.isDirty, 'the plain editor holds nothing unsaved');
      assert.ok(!vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => (t.input as { uri?: vscode.Uri }).uri?.toString() === uri.toString())));
      // The protected editor saves itself (sensitivity.protectedFiles.saveDelay), encrypted.
      await waitFor(() => !moved.isDirty, 'the protected editor to save itself');
      assert.equal(await protectedText(envelope.fsPath), held);
      assert.equal(await exists(uri.fsPath), false, 'no plaintext written back');
    },
    { timeoutMs: 40_000 },
  );

  test(
    'a will-save participant that outlasts VS Code’s budget does not drop the save: the edits are protected',
    async () => {
      const { uri, held } = await unsavedEdit('slow');
      const slow = vscode.workspace.onWillSaveTextDocument((e) => {
        if (e.document.uri.toString() === uri.toString()) e.waitUntil(new Promise((r) => setTimeout(r, 4000)));
      });
      try {
        const result = await vscode.commands.executeCommand<BatchResult>('sensitivity.applyLabel', uri, {
          label: 'Confidential/Specific People',
          grants: [],
        });
        assert.deepEqual(result.failed, []);
        assert.equal(await protectedText(result.done[0]!), held);
        assert.equal(await exists(uri.fsPath), false, 'no plaintext left');
      } finally {
        slow.dispose();
      }
    },
    { timeoutMs: 40_000 },
  );
});

/** An editor's state in words, for failure messages. */
const state = (editor: vscode.TextEditor) =>
  `${editor.document.isClosed ? 'closed' : 'open'}, ${editor.document.isDirty ? 'unsaved' : 'saved'}, ${JSON.stringify(editor.document.getText())}`;

/** The editor is still open with its unsaved edits (`held`), and `words` were shown. */
function assertRefused(editor: vscode.TextEditor, held: string, errors: readonly string[], words: string): void {
  assert.equal(editor.document.isClosed, false, 'the editor stays open');
  assert.equal(editor.document.isDirty, true);
  assert.equal(editor.document.getText(), held, 'the editor keeps its edits');
  assert.ok(
    errors.some((m) => m.includes(words)),
    `the reason is shown (shown: ${JSON.stringify(errors)})`,
  );
}

/** Throws away the unsaved edits of `doc` (so closing its editor asks nothing). */
async function revert(doc: vscode.TextDocument): Promise<void> {
  if (doc.isClosed || !doc.isDirty) return;
  await vscode.window.showTextDocument(doc);
  await vscode.commands.executeCommand('workbench.action.files.revert');
}

/** A session of the workspace acting as `identity`, recording no audit. */
const sessionAs = (identity: Identity) => sessionIn(openWorkspace(workspaceRoot().fsPath), identity, { append: async () => undefined });

/** The plaintext inside the protected file at `path`, opened as Alice. */
async function protectedText(path: string): Promise<string> {
  const s = sessionAs(await person('alice'));
  const { content } = await app.open(s, s.workspace.relPath(path));
  return new TextDecoder().decode(content);
}
