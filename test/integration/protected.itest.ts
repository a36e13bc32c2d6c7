/**
 * Protected files in the real extension host: protect, open (routed by rights), edit and save (the disk
 * only ever holds an envelope), read-only without EDIT, the no-copy view without EXTRACT, denial with the
 * owner named, grant, revoke, relabel, unprotect, and the audit entries of each.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import * as app from '../../src/core/app/index.js';
import type { Identity } from '../../src/core/index.js';
import { sessionIn } from '../../src/node/session.js';
import { openWorkspace } from '../../src/node/workspace.js';
import { afterEach, before, suite, test } from './harness.js';
import { closeAllEditors, saveDocument, waitFor, workspaceRoot, writeFixture } from './helpers.js';
import { addPeople, api, auditLog, auditSince, ensurePolicy, freshFile, manifest, person, useIdentity, type AuditLine } from './sensitivity.js';

interface BatchResult {
  readonly done: string[];
  readonly failed: { file: string; code?: string; message: string }[];
  readonly cancelled: boolean;
}

interface Info {
  readonly label: { id: string; name: string };
  readonly owner: { email: string; name: string };
  readonly grants: { email: string; role: string }[];
  readonly yourRights: string[];
}

const SCHEME = 'sensitivity-protected';
const MAGIC = Buffer.from([0x89, 0x53, 0x4e, 0x53, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The editor URI of an envelope in the workspace: its workspace-relative inner path, the folder in the query. */
const editorUri = (envelope: vscode.Uri) =>
  vscode.Uri.from({
    scheme: SCHEME,
    path: `/${vscode.workspace.asRelativePath(envelope, false).slice(0, -'.protected'.length)}`,
    query: JSON.stringify({ root: workspaceRoot().path }),
  });
const marker = (what: string) => `${what}-${Math.random().toString(36).slice(2, 10)}`;

async function protect(uri: vscode.Uri, options: object): Promise<vscode.Uri> {
  const result = await vscode.commands.executeCommand<BatchResult>('sensitivity.protect', uri, options);
  assert.deepEqual(result.failed, []);
  return vscode.Uri.file(result.done[0]!);
}

/** A fresh protected Markdown file owned by Alice, shared as given; returns it and its secret marker. */
async function protectedNote(grants: { who: string; role: string }[]): Promise<{ envelope: vscode.Uri; secret: string }> {
  const secret = marker('SECRET');
  const plain = await freshFile('note', '.md', `# Notes\n\n${secret}\n`);
  const envelope = await protect(plain, { label: 'confidential-specific-people', grants });
  return { envelope, secret };
}

/** Opens like a double click in the Explorer (the custom editor routes it). */
async function open(envelope: vscode.Uri): Promise<void> {
  await vscode.commands.executeCommand('vscode.open', envelope);
}

const activeTab = () => vscode.window.tabGroups.activeTabGroup.activeTab?.input;

/**
 * Waits until the page has decided (the open or denial it audits comes after the header routed it away from
 * a text editor), then checks that nothing replaced it.
 */
async function assertStaysCustom(envelope: vscode.Uri, audited: (e: AuditLine) => boolean, since: number): Promise<void> {
  await waitFor(() => {
    const input = activeTab();
    return input instanceof vscode.TabInputCustom && input.uri.toString() === envelope.toString() && input.viewType === 'sensitivity.protectedFile';
  }, 'the protected-file page');
  await waitFor(async () => (await auditSince(since)).some(audited), 'the page to audit what it showed');
  const input = activeTab();
  assert.ok(input instanceof vscode.TabInputCustom, 'no text editor replaced the protected-file page');
  assert.ok(
    !vscode.workspace.textDocuments.some((d) => d.uri.toString() === editorUri(envelope).toString() && d.getText().length > 0),
    'no plaintext document was opened',
  );
}

/** Every file under `dir` (bounded), for searching leaked plaintext. */
async function filesUnder(dir: string, out: string[] = []): Promise<string[]> {
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await filesUnder(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Files under the run folder (user data, browser profile, temp, home) that contain `needle`; the workspace is skipped. */
async function filesContaining(needle: string, skip: string): Promise<string[]> {
  const runRoot = dirname(process.env.XDG_DATA_HOME ?? process.env.SENSITIVITY_HOME ?? '/nonexistent');
  const hits: string[] = [];
  for (const f of await filesUnder(runRoot)) {
    if (f.startsWith(skip)) continue;
    const st = await fs.stat(f).catch(() => undefined);
    if (!st || st.size > 64 * 1024 * 1024) continue;
    const bytes = await fs.readFile(f).catch(() => undefined);
    if (bytes?.includes(needle)) hits.push(f);
  }
  return hits;
}

suite('protected files', () => {
  let alice: Identity, bob: Identity, carol: Identity, dave: Identity, erin: Identity;
  before(async () => {
    [alice, bob, carol, dave, erin] = (await Promise.all(['alice', 'bob', 'carol', 'dave', 'erin'].map(person))) as [
      Identity,
      Identity,
      Identity,
      Identity,
      Identity,
    ];
    await useIdentity(alice);
    await ensurePolicy();
    await addPeople(bob, carol, dave, erin);
  });
  afterEach(async () => {
    await closeAllEditors();
    await useIdentity(alice);
  });

  test('Protect replaces the plain file with an envelope: no plaintext on disk, its label letter kept as badge, audited', async () => {
    const secret = marker('SECRET');
    const plain = await freshFile('protect-me', '.md', `# Plan\n${secret}\n`);
    await vscode.commands.executeCommand('sensitivity.applyLabel', plain, { label: 'general' });
    const before = (await auditLog()).length;
    const envelope = await protect(plain, { label: 'confidential-specific-people', grants: [{ who: 'bob@example.com', role: 'Reviewer' }] });
    assert.equal(envelope.fsPath, plain.fsPath + '.protected');
    await assert.rejects(fs.stat(plain.fsPath), 'the plain file is gone');
    const bytes = await fs.readFile(envelope.fsPath);
    assert.ok(bytes.subarray(0, 8).equals(MAGIC), 'the file is an envelope');
    assert.ok(!bytes.includes(secret), 'the envelope holds no plaintext');
    assert.equal((await manifest())[vscode.workspace.asRelativePath(plain, false)], undefined, 'the label moved into the envelope');
    const a = await api();
    const decoration = await waitFor(() => a.decorationOf(envelope), 'a decoration');
    assert.equal(decoration.badge, 'C', 'a protected file keeps its label letter (no emoji: issue 22)');
    assert.match(decoration.tooltip ?? '', /Protected \(encrypted\) · Confidential \/ Specific People/);
    const [entry] = await auditSince(before);
    assert.equal(entry?.action, 'protect');
    assert.deepEqual((entry?.grantees as { email: string; role: string }[]).map((g) => `${g.email}=${g.role}`).sort(), [
      'alice@example.com=Co-Owner',
      'bob@example.com=Reviewer',
    ]);
  });

  test('opening a .protected file shows its plaintext in a normal editor with the inner language', async () => {
    const { envelope, secret } = await protectedNote([]);
    const before = (await auditLog()).length;
    await open(envelope);
    const editor = await waitFor(() => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.toString() === editorUri(envelope).toString() && e;
    }, 'the text editor of the protected file');
    assert.equal(editor.document.languageId, 'markdown');
    assert.match(editor.document.getText(), new RegExp(secret));
    assert.ok(!(activeTab() instanceof vscode.TabInputCustom), 'the routing page closed itself');
    assert.ok((await auditSince(before)).some((e) => e.action === 'open' && e.actor?.email === 'alice@example.com'));
    const status = await (await api()).statusBar();
    assert.equal(status.text, '$(lock) Confidential / Specific People');
    assert.match(status.tooltip, /Owner: Alice/);
    assert.match(status.tooltip, /You may: everything/);
  });

  test('the editor of a protected file in a sub-folder is named by its workspace-relative path (breadcrumbs read like the Explorer)', async () => {
    const folder = marker('deep');
    const plain = await writeFixture(`${folder}/plan.md`, '# Plan\n');
    const envelope = await protect(plain, { label: 'general', grants: [] });
    await open(envelope);
    const editor = await waitFor(() => vscode.window.activeTextEditor?.document.uri.scheme === SCHEME && vscode.window.activeTextEditor, 'the editor');
    const uri = editor.document.uri;
    assert.equal(uri.path, `/${folder}/plan.md`, 'no folder above the workspace in the path the breadcrumbs show');
    assert.equal(uri.toString(), editorUri(envelope).toString());
    // The breadcrumbs' folder segment lists what the scheme sees there: the protected file by its inner name.
    const parent = vscode.Uri.joinPath(uri, '..');
    assert.equal((await vscode.workspace.fs.stat(parent)).type, vscode.FileType.Directory);
    assert.deepEqual(await vscode.workspace.fs.readDirectory(parent), [['plan.md', vscode.FileType.File]]);
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)), '# Plan\n');
  });

  test('edit and save: the disk holds an envelope (never the plaintext) and reopening shows the edit', async () => {
    const { envelope, secret } = await protectedNote([]);
    await open(envelope);
    const editor = await waitFor(() => vscode.window.activeTextEditor?.document.uri.scheme === SCHEME && vscode.window.activeTextEditor, 'the editor');
    const edit = marker('EDITED');
    const before = (await auditLog()).length;
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), `${edit}\n`));
    await saveDocument(editor.document);
    await waitFor(() => !editor.document.isDirty, 'the save');
    const bytes = await fs.readFile(envelope.fsPath);
    assert.ok(bytes.subarray(0, 8).equals(MAGIC));
    assert.ok(!bytes.includes(edit) && !bytes.includes(secret), 'no plaintext on disk after the save');
    const siblings = await fs.readdir(dirname(envelope.fsPath));
    assert.ok(!siblings.some((n) => n.startsWith(basename(envelope.fsPath, '.protected')) && !n.endsWith('.protected')), 'no plain or temp file beside it');
    assert.ok((await auditSince(before)).some((e) => e.action === 'edit'));
    await closeAllEditors();
    const reread = new TextDecoder().decode(await vscode.workspace.fs.readFile(editorUri(envelope)));
    assert.ok(reread.startsWith(`${edit}\n# Notes`), 'the edit is in the envelope');
    await open(envelope);
    await waitFor(() => vscode.window.activeTextEditor?.document.getText().includes(edit), 'the reopened editor to show the edit');
  });

  test('plaintext decrypted for an open is never served once the envelope changed on disk: the open document shows the new text', async () => {
    // A .txt file: the Markdown extension reads .md documents on its own, which would take the prepared plaintext first.
    const secret = marker('SECRET');
    const envelope = await protect(await freshFile('handoff', '.txt', `${secret}\n`), { label: 'confidential-specific-people', grants: [] });
    await open(envelope);
    const uri = editorUri(envelope);
    const editor = await waitFor(() => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.toString() === uri.toString() && e.document.getText().includes(secret) && e;
    }, 'the text editor');
    // Opened again from the Explorer, the file is decrypted for the file system's next read (handoff.ts); the
    // document is open and unchanged, so no read follows yet: the plaintext waits, recorded as an open.
    const before = (await auditLog()).length;
    await open(envelope);
    await waitFor(async () => (await auditSince(before)).some((e) => e.action === 'open'), 'the plaintext to be prepared for the next read');
    // Then the envelope changes on disk (another window, the CLI, a pull): VS Code reloads the document through
    // the file system, whose read must decrypt the new envelope, not hand over the plaintext prepared before.
    const changed = marker('CHANGED');
    const s = sessionIn(openWorkspace(workspaceRoot().fsPath), alice, { append: async () => undefined });
    await app.save(s, s.workspace.relPath(envelope.fsPath), new TextEncoder().encode(`${changed}\n`));
    await waitFor(() => editor.document.getText().includes(changed), 'the open document to show the new text');
    assert.ok(!editor.document.getText().includes(secret));
  });

  test('reads of one protected file at once each get the whole plaintext, each a copy of its own', async () => {
    // The Markdown extension reads a closed .md file through the file system several times at once; those
    // reads join one decryption (handoff.ts InFlight, whose sharing the unit tests pin down deterministically).
    const text = `${marker('BURST')}\n`.repeat(20_000);
    const envelope = await protect(await freshFile('burst', '.txt', text), { label: 'confidential-specific-people', grants: [] });
    const before = (await auditLog()).length;
    const reads = await Promise.all([1, 2, 3, 4].map(() => vscode.workspace.fs.readFile(editorUri(envelope))));
    for (const bytes of reads) assert.equal(new TextDecoder().decode(bytes), text);
    reads[0]!.fill(0);
    assert.equal(new TextDecoder().decode(reads[1]), text, 'zeroing one reader’s bytes leaves the others’');
    const opens = (await auditSince(before)).filter((e) => e.action === 'open').length;
    assert.ok(opens >= 1 && opens <= 4, `each decryption is audited (${opens} opens for 4 reads)`);
  });

  test('without EDIT the file opens read-only (Readonly stat, writes refused)', async () => {
    const { envelope, secret } = await protectedNote([{ who: 'erin@example.com', role: 'Reader' }]);
    await useIdentity(erin);
    const uri = editorUri(envelope);
    const stat = await vscode.workspace.fs.stat(uri);
    assert.equal(stat.permissions, vscode.FilePermission.Readonly);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('overwritten'))), /EDIT|NoPermissions|permission/i);
    await open(envelope);
    const editor = await waitFor(
      () => vscode.window.activeTextEditor?.document.uri.toString() === uri.toString() && vscode.window.activeTextEditor,
      'a text editor (EXTRACT allows it)',
    );
    assert.match(editor.document.getText(), new RegExp(secret));
    const info = await vscode.commands.executeCommand<Info>('sensitivity.inspect', envelope, { quiet: true });
    assert.deepEqual(info.yourRights, ['VIEW', 'EXTRACT', 'VIEWRIGHTSDATA']);
  });

  test('a Viewer (no EDIT, no EXTRACT) gets the read-only page, not a text editor', async () => {
    const { envelope } = await protectedNote([{ who: 'carol@example.com', role: 'Viewer' }]);
    await useIdentity(carol);
    const before = (await auditLog()).length;
    await open(envelope);
    await assertStaysCustom(envelope, (e) => e.action === 'open' && e.actor?.email === 'carol@example.com', before);
    // Nor can the plaintext be had through the file system API (other extensions, a direct open).
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(editorUri(envelope))), /view only \(no copying\)/);
  });

  test('without access the page says why and names the owner; the denial is audited', async () => {
    const { envelope } = await protectedNote([]);
    await useIdentity(dave);
    const before = (await auditLog()).length;
    await open(envelope);
    await assertStaysCustom(envelope, (e) => e.action === 'open.denied', before);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(editorUri(envelope))), /not granted access.*Alice <alice@example\.com>/);
    const denied = (await auditSince(before)).filter((e) => e.action === 'open.denied');
    assert.ok(denied.length > 0 && denied.every((e) => e.actor?.email === 'dave@example.com' && e.code === 'E_NOT_GRANTEE'));
    const a = await api();
    const f = await a.labelOf(envelope);
    assert.equal(f?.protected?.denied?.code, 'E_NOT_GRANTEE');
  });

  test('Grant Access and Revoke Access change who may open it (revoke rotates the key); audited', async () => {
    const { envelope } = await protectedNote([]);
    const before = (await auditLog()).length;
    const granted = await vscode.commands.executeCommand<BatchResult>('sensitivity.grantAccess', envelope, {
      grants: [{ who: 'dave@example.com', role: 'Viewer' }],
    });
    assert.deepEqual(granted.failed, []);
    let info = await vscode.commands.executeCommand<Info>('sensitivity.inspect', envelope, { quiet: true });
    assert.ok(info.grants.some((g) => g.email === 'dave@example.com' && g.role === 'Viewer'));
    // The access panel passes the grantee as a bare string.
    const revoked = await vscode.commands.executeCommand<BatchResult>('sensitivity.revokeAccess', envelope, 'dave@example.com');
    assert.deepEqual(revoked.failed, []);
    info = await vscode.commands.executeCommand<Info>('sensitivity.inspect', envelope, { quiet: true });
    assert.ok(!info.grants.some((g) => g.email === 'dave@example.com'));
    const actions = (await auditSince(before)).map((e) => [e.action, e.rotated]);
    assert.deepEqual(actions, [
      ['grant', undefined],
      ['revoke', true],
    ]);
    await useIdentity(dave);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(editorUri(envelope))), /not granted/);
  });

  test('relabeling a protected file changes the label inside the envelope (downgrade justified)', async () => {
    const { envelope } = await protectedNote([]);
    const upgraded = await vscode.commands.executeCommand<BatchResult>('sensitivity.applyLabel', envelope, { label: 'highly-confidential-specific-people' });
    assert.deepEqual(upgraded.failed, []);
    const done = await vscode.commands.executeCommand<BatchResult>('sensitivity.applyLabel', envelope, { label: 'general', justification: 'Declassified' });
    assert.deepEqual(done.failed, []);
    const info = await vscode.commands.executeCommand<Info>('sensitivity.inspect', envelope, { quiet: true });
    assert.equal(info.label.id, 'general');
  });

  test('a non-owner cannot grant, and gets the reason', async () => {
    const { envelope } = await protectedNote([{ who: 'bob@example.com', role: 'Reviewer' }]);
    await useIdentity(bob);
    const result = await vscode.commands.executeCommand<BatchResult>('sensitivity.grantAccess', envelope, {
      grants: [{ who: 'dave@example.com', role: 'Viewer' }],
    });
    assert.equal(result.failed[0]?.code, 'E_RIGHT_MISSING');
    assert.match(result.failed[0]!.message, /only an owner can/); // said before any question, in people's words
  });

  test('Unprotect writes the plain file back (EXPORT), the label moves to labels.json; audited', async () => {
    const { envelope, secret } = await protectedNote([]);
    const before = (await auditLog()).length;
    const result = await vscode.commands.executeCommand<BatchResult>('sensitivity.unprotect', envelope, {});
    assert.deepEqual(result.failed, []);
    const plain = vscode.Uri.file(envelope.fsPath.slice(0, -'.protected'.length));
    assert.match(await fs.readFile(plain.fsPath, 'utf8'), new RegExp(secret));
    await assert.rejects(fs.stat(envelope.fsPath));
    assert.equal((await manifest())[vscode.workspace.asRelativePath(plain, false)]?.label, 'confidential-specific-people');
    assert.ok((await auditSince(before)).some((e) => e.action === 'unprotect'));
  });

  test('protecting several files at once reports each one', async () => {
    const files = await Promise.all([1, 2, 3].map((i) => freshFile(`batch${i}`, '.txt', `batch ${i}\n`)));
    const result = await vscode.commands.executeCommand<BatchResult>('sensitivity.protect', files, { label: 'confidential-all-employees' });
    assert.deepEqual(result.failed, []);
    assert.equal(result.done.length, 3);
    for (const f of files) assert.ok((await fs.stat(f.fsPath + '.protected')).isFile());
    const again = await vscode.commands.executeCommand<BatchResult>(
      'sensitivity.protect',
      files.map((f) => vscode.Uri.file(f.fsPath + '.protected')),
      {},
    );
    assert.equal(again.failed.length, 3, 'protected files are not protected twice');
  });

  test(
    'unsaved edits: with saveDelay the editor saves before the hot exit backup; without, the backup holds plaintext',
    async () => {
      const config = vscode.workspace.getConfiguration('sensitivity');
      const files = vscode.workspace.getConfiguration('files');
      const workspace = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
      // Desktop VS Code's default; code-server's own default (afterDelay, 1 s) would save before any backup.
      await files.update('autoSave', 'off', vscode.ConfigurationTarget.Global);
      try {
        const { envelope } = await protectedNote([]);
        await open(envelope);
        const editor = await waitFor(() => vscode.window.activeTextEditor?.document.uri.scheme === SCHEME && vscode.window.activeTextEditor, 'the editor');
        // Default (400 ms): saved and encrypted before VS Code's 1 s backup timer.
        const quick = marker('UNSAVED');
        await editor.edit((e) => e.insert(new vscode.Position(0, 0), `${quick}\n`));
        await waitFor(() => !editor.document.isDirty, 'the protected editor to save itself');
        assert.ok(!(await fs.readFile(envelope.fsPath)).includes(quick));
        // Off: VS Code backs the dirty editor up in the user data folder until it is saved (README documents it).
        await config.update('protectedFiles.saveDelay', 0, vscode.ConfigurationTarget.Global);
        try {
          const slow = marker('BACKEDUP');
          // Replaces the first marker, so a backup of this edit does not hold it.
          await editor.edit((e) => e.replace(editor.document.lineAt(0).rangeIncludingLineBreak, `${slow}\n`));
          // Backups are taken in order: once this edit's backup exists, the first edit's would too, had it been taken.
          const hits = await waitFor(
            async () => {
              const found = await filesContaining(slow, workspace);
              return found.some((h) => h.includes('/User/Backups/') && h.includes('/sensitivity-protected/')) && found;
            },
            'VS Code to back up the dirty editor (it does for any scheme)',
            { timeoutMs: 20_000 },
          );
          assert.equal(editor.document.isDirty, true);
          console.log(`[itest] hot exit backup of an unsaved protected editor (saveDelay 0): ${hits.join(', ')}`);
          assert.deepEqual(await filesContaining(quick, workspace), [], 'the edit saved within saveDelay left no plaintext anywhere in the run folder');
          await saveDocument(editor.document);
          await waitFor(async () => (await filesContaining(slow, workspace)).length === 0, 'the backup to be discarded after the save');
        } finally {
          await config.update('protectedFiles.saveDelay', undefined, vscode.ConfigurationTarget.Global);
        }
      } finally {
        await files.update('autoSave', undefined, vscode.ConfigurationTarget.Global);
      }
    },
    { timeoutMs: 60_000 },
  );
});
