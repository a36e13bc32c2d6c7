/**
 * Labels of plain files in the real extension host: apply / change / remove through the commands (and the
 * real quick pick), the status bar and Explorer decorations, downgrade justification, mandatory labels on
 * save, default labels for new files, renames and deletes, and the audit entries of each.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { afterEach, before, suite, test } from './harness.js';
import { closeAllEditors, openFile, saveDocument, waitFor, withDialogs, workspaceRoot, writeFixture } from './helpers.js';
import { api, auditLog, auditSince, ensurePolicy, freshFile, manifest, person, useIdentity } from './sensitivity.js';

interface BatchResult {
  readonly done: string[];
  readonly failed: { file: string; code?: string; message: string }[];
  readonly cancelled: boolean;
}

const rel = (uri: vscode.Uri) => vscode.workspace.asRelativePath(uri, false);
const apply = (uri: vscode.Uri, options?: object) =>
  Promise.resolve(vscode.commands.executeCommand<BatchResult>('sensitivity.applyLabel', uri, ...(options ? [options] : [])));

/** Accepts the active quick pick item until `done` holds (the picker opens asynchronously). */
async function acceptQuickPickUntil(done: () => Promise<boolean>, what: string): Promise<void> {
  await waitFor(
    async () => {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return done();
    },
    what,
    { intervalMs: 200 },
  );
}

suite('labels', () => {
  before(async () => {
    await useIdentity(await person('alice'));
    await ensurePolicy();
  });
  afterEach(closeAllEditors);

  test('Apply Label records the label in labels.json, shows it in the status bar and as a badge', async () => {
    const uri = await freshFile('plan', '.md', '# Plan\n');
    const before = (await auditLog()).length;
    const result = await apply(uri, { label: 'general' });
    assert.deepEqual(result.failed, []);
    assert.equal((await manifest())[rel(uri)]?.label, 'general');
    await openFile(rel(uri));
    const a = await api();
    const status = await waitFor(async () => {
      const s = await a.statusBar();
      return s.text.includes('General') && s;
    }, 'the status bar to show General');
    assert.equal(status.visible, true);
    assert.match(status.text, /^\$\(tag\) General$/);
    assert.match(status.tooltip, /Business data not intended for public consumption/);
    const decoration = await a.decorationOf(uri);
    assert.equal(decoration?.badge, 'G');
    assert.deepEqual(
      (await auditSince(before)).map((e) => [e.action, e.file, e.to, e.direction]),
      [['label.set', rel(uri), 'general', 'new']],
    );
  });

  test('an unlabeled file outside the mandatory globs shows no status bar item', async () => {
    const uri = await freshFile('scratch', '.txt', 'nothing\n');
    await openFile(rel(uri));
    const s = await (await api()).statusBar();
    assert.equal(s.visible, false);
  });

  test('changing the label through the real quick pick (current label preselected) and upgrading it', async () => {
    const uri = await freshFile('picked', '.md', 'x\n');
    await apply(uri, { label: 'general' });
    // No label option: the picker opens with the current label active; accepting keeps it ("same").
    let settled = false;
    const pending = apply(uri).finally(() => (settled = true));
    await acceptQuickPickUntil(async () => settled, 'the label picker to be accepted');
    const picked = await pending;
    assert.equal(picked.cancelled, false);
    assert.equal((await manifest())[rel(uri)]?.label, 'general');
    const before = (await auditLog()).length;
    await apply(uri, { label: 'Internal' });
    assert.equal((await manifest())[rel(uri)]?.label, 'internal');
    const [entry] = await auditSince(before);
    assert.equal(entry?.direction, 'upgrade');
  });

  test(
    'a downgrade asks for a justification: dismissing it changes nothing, giving one records it',
    async () => {
      const uri = await freshFile('downgrade', '.md', 'x\n');
      await apply(uri, { label: 'internal' });
      const before = (await auditLog()).length;
      let settled = false;
      const pending = apply(uri, { label: 'public' }).finally(() => (settled = true));
      // The command waits for the justification prompt until it is dismissed (asked again until the prompt is up).
      await waitFor(
        async () => {
          await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
          return settled;
        },
        'the justification prompt to be dismissed',
        { intervalMs: 200 },
      );
      const cancelled = await pending;
      assert.equal(cancelled.cancelled, true);
      assert.equal((await manifest())[rel(uri)]?.label, 'internal');
      assert.deepEqual(await auditSince(before), [], 'nothing is audited for a cancelled change');

      const done = await apply(uri, { label: 'public', justification: 'Published in the annual report' });
      assert.deepEqual(done.failed, []);
      const entry = (await manifest())[rel(uri)];
      assert.equal(entry?.label, 'public');
      assert.equal(entry?.justification, 'Published in the annual report');
      const [audit] = await auditSince(before);
      assert.deepEqual([audit?.action, audit?.direction, audit?.justification], ['label.set', 'downgrade', 'Published in the annual report']);
    },
    { timeoutMs: 30_000 },
  );

  test('Remove Label is a downgrade too: justified, then gone from labels.json and audited', async () => {
    const uri = await freshFile('remove', '.md', 'x\n');
    await apply(uri, { label: 'general' });
    const before = (await auditLog()).length;
    const result = await vscode.commands.executeCommand<BatchResult>('sensitivity.removeLabel', uri, { justification: 'Not business data' });
    assert.deepEqual(result.failed, []);
    assert.equal((await manifest())[rel(uri)], undefined);
    const [entry] = await auditSince(before);
    assert.deepEqual([entry?.action, entry?.justification], ['label.remove', 'Not business data']);
  });

  test(
    'a file under the mandatory globs shows "No label" and asks for a label after saving',
    async () => {
      const uri = await writeFixture(`mandatory/report-${Date.now()}.md`, '# Report\n');
      const a = await api();
      assert.equal((await a.labelOf(uri))?.missingMandatory, true);
      assert.equal((await a.decorationOf(uri))?.badge, '!');
      const editor = await openFile(rel(uri));
      const status = await waitFor(async () => {
        const s = await a.statusBar();
        return s.visible && s;
      }, 'the status bar to warn');
      assert.equal(status.text, '$(tag) No label');
      await editor.edit((e) => e.insert(new vscode.Position(1, 0), 'Quarterly numbers\n'));
      await saveDocument(editor.document);
      // The picker opens after the save with the policy's default label active.
      await acceptQuickPickUntil(async () => (await manifest())[rel(uri)]?.label === 'general', 'the mandatory label prompt to label the file');
      await waitFor(async () => (await a.statusBar()).text === '$(tag) General', 'the status bar to show the new label');
    },
    { timeoutMs: 30_000 },
  );

  test('a file created in VS Code gets the default label', async () => {
    const uri = vscode.Uri.joinPath(workspaceRoot(), `created-${Date.now()}.md`);
    const edit = new vscode.WorkspaceEdit();
    edit.createFile(uri, { contents: new TextEncoder().encode('new\n') });
    assert.equal(await vscode.workspace.applyEdit(edit), true);
    await waitFor(async () => (await manifest())[rel(uri)]?.label === 'general', 'the default label on the new file');
  });

  test('renames and deletes in VS Code keep labels.json in step; decorations follow', async () => {
    const from = await freshFile('moving', '.md', 'x\n');
    await apply(from, { label: 'internal' });
    const to = vscode.Uri.joinPath(workspaceRoot(), `moved-${Date.now()}.md`);
    const rename = new vscode.WorkspaceEdit();
    rename.renameFile(from, to);
    assert.equal(await vscode.workspace.applyEdit(rename), true);
    await waitFor(async () => {
      const m = await manifest();
      return m[rel(to)]?.label === 'internal' && m[rel(from)] === undefined;
    }, 'the label to follow the rename');
    const a = await api();
    await waitFor(async () => (await a.decorationOf(to))?.badge === 'I', 'the moved file to carry the I badge');
    const del = new vscode.WorkspaceEdit();
    del.deleteFile(to);
    assert.equal(await vscode.workspace.applyEdit(del), true);
    await waitFor(async () => (await manifest())[rel(to)] === undefined, 'the label to go with the deleted file');
  });

  test('a labels.json changed on disk (git pull, the CLI) updates decorations through the watcher', async () => {
    const uri = await freshFile('external', '.md', 'x\n');
    await apply(uri, { label: 'public' });
    const a = await api();
    await waitFor(async () => (await a.decorationOf(uri))?.badge === 'P', 'the P badge');
    const path = vscode.Uri.joinPath(workspaceRoot(), '.sensitivity/labels.json').fsPath;
    const m = JSON.parse(await fs.readFile(path, 'utf8')) as { files: Record<string, { label: string }> };
    m.files[rel(uri)]!.label = 'highly-confidential-all-employees';
    await fs.writeFile(path, JSON.stringify(m, null, 2));
    await waitFor(async () => (await a.decorationOf(uri))?.badge === 'HC', 'the HC badge after the external change');
  });

  test('a downgrade offers preset reasons and "Other", whose words are asked next; the reason is recorded', async () => {
    const uri = await freshFile('reasons', '.md', 'x\n');
    await apply(uri, { label: 'internal' });
    const offered: string[] = [];
    await withDialogs(
      { quickPick: (items) => (offered.push(...items.map((i) => i.label)), items.find((i) => i.label === 'Previous label was incorrect')) },
      () => apply(uri, { label: 'public' }),
    );
    assert.deepEqual(offered, ['Previous label no longer applies', 'Previous label was incorrect', 'The content is already public', 'Other (explain)…']);
    assert.equal((await manifest())[rel(uri)]?.justification, 'Previous label was incorrect');
    await apply(uri, { label: 'internal' });
    await withDialogs({ quickPick: (items) => items.find((i) => i.label.startsWith('Other')), inputBox: () => 'Draft for the press release' }, () =>
      apply(uri, { label: 'general' }),
    );
    assert.equal((await manifest())[rel(uri)]?.justification, 'Draft for the press release');
  });

  test('a label that requires protection protects the file in the same step; a plaintext file under one stays a warning', async () => {
    const uri = await freshFile('launch', '.md', 'launch plan\n');
    await apply(uri, { label: 'general' });
    const before = (await auditLog()).length;
    const done = await apply(uri, { label: 'Confidential/Specific People', grants: [] });
    assert.deepEqual(done.failed, []);
    assert.equal(done.done[0], `${uri.fsPath}.protected`);
    await assert.rejects(fs.stat(uri.fsPath), 'no plaintext left');
    assert.equal((await manifest())[rel(uri)], undefined, 'the label lives in the envelope');
    assert.deepEqual(
      (await auditSince(before)).map((e) => [e.action, e.file]),
      [['protect', `${rel(uri)}.protected`]],
    );

    // Labeled before (git, an older version): the status bar warns until the file is protected.
    const legacy = await freshFile('legacy', '.md', 'x\n');
    await apply(legacy, { label: 'general' });
    const path = vscode.Uri.joinPath(workspaceRoot(), '.sensitivity/labels.json').fsPath;
    const m = JSON.parse(await fs.readFile(path, 'utf8')) as { files: Record<string, { label: string }> };
    m.files[rel(legacy)]!.label = 'confidential-all-employees';
    await fs.writeFile(path, JSON.stringify(m, null, 2));
    const a = await api();
    await waitFor(async () => (await a.labelOf(legacy))?.protectionMissing, 'the label index to read the changed labels.json');
    await openFile(rel(legacy));
    const s = await waitFor(async () => {
      const st = await a.statusBar();
      return st.text === '$(tag) Confidential / All Employees $(warning)' && st;
    }, 'the status bar to warn about the plaintext file');
    assert.match(s.tooltip, /Not protected yet/);
  });

  test('content findings that outrank the label show in the status bar', async () => {
    const uri = await freshFile('cards', '.csv', 'name,card\n');
    await apply(uri, { label: 'general' });
    const a = await api();
    const registration = a.registerFindingsProvider(async (u) =>
      u.toString() === uri.toString() ? { count: 2, minimumLabel: 'internal', summary: '2 payment card numbers' } : undefined,
    );
    try {
      await openFile(rel(uri));
      const s = await waitFor(async () => {
        const st = await a.statusBar();
        return st.text.endsWith('$(warning)') && st;
      }, 'the status bar to warn about the content');
      assert.match(s.tooltip, /2 payment card numbers/);
      assert.match(s.tooltip, /needs at least \*\*Internal\*\*/);
      await apply(uri, { label: 'internal' });
      await waitFor(async () => (await a.statusBar()).text === '$(tag) Internal', 'the warning to go once the label is high enough');
    } finally {
      registration.dispose();
    }
  });
});
