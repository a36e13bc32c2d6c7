/**
 * The access panel's host side in the real extension host: the command opens it, the real webview loads
 * under its CSP and says `ready`, the view model lists two people at different roles, a validated request
 * runs the extension's command, invalid messages are refused, and file changes reach the model.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { createIdentity, publicIdentity, type Identity, type PublicIdentity } from '../../src/core/identity.js';
import { addPerson } from '../../src/core/index.js';
import * as app from '../../src/core/app/index.js';
import { sessionIn, type Session } from '../../src/node/session.js';
import { openWorkspace } from '../../src/node/workspace.js';
import type { AccessPanelHandle } from '../../src/extension/panel/index.js';
import type { FileRow, ViewModel } from '../../src/shared/protocol.js';
import { after, before, suite, test } from './harness.js';
import { activateExtension, closeAllEditors, waitFor, withDialogs, workspaceRoot, writeFixture } from './helpers.js';
import { api, useIdentity } from './sensitivity.js';

const dir = `panel-${Date.now().toString(36)}`;
const PLAN = `${dir}/plan.md.protected`;
const SHARED = `${dir}/shared.md.protected`;
const PLAIN = `${dir}/config.ts`;

let me: PublicIdentity;
let bob: Identity;
let carol: Identity;
let panel: AccessPanelHandle;

/** A session acting as `identity` on the test workspace (for files someone else owns). */
function sessionAs(identity: Identity): Session {
  // Someone else's actions are not recorded in this user's audit log.
  return sessionIn(openWorkspace(workspaceRoot().fsPath), identity, { append: async () => undefined });
}

const rowOf = (model: ViewModel, path: string): FileRow | undefined => model.files.find((f) => f.path === path);

async function rowWhen(path: string, ok: (row: FileRow) => boolean, what: string): Promise<FileRow> {
  return waitFor(() => {
    const row = rowOf(panel.model(), path);
    return row && ok(row) ? row : undefined;
  }, what);
}

suite('access panel', () => {
  before(async () => {
    await activateExtension();
    // The panel's revoke asks first (a modal, which the extension host cannot answer; the UI tests answer it).
    await vscode.workspace.getConfiguration('sensitivity').update('confirmDestructiveActions', false, vscode.ConfigurationTarget.Global);
    me = (await vscode.commands.executeCommand<PublicIdentity>('sensitivity.createIdentity', {
      name: 'Alice Admin',
      email: 'alice@example.com',
      force: true,
    }))!;
    assert.ok(me?.id, 'createIdentity returned no identity');
    bob = await createIdentity('Bob Reader', 'bob.reader@example.com');
    carol = await createIdentity('Carol Owner', 'carol.owner@example.com');
    const ws = openWorkspace(workspaceRoot().fsPath);
    await ws.updatePeople((people) =>
      [publicIdentity(me), publicIdentity(bob), publicIdentity(carol)].reduce((d, p) => addPerson(d, p, { replace: true }), people),
    );

    // Alice (you) owns plan.md and lets Bob view it; Carol owns shared.md and lets Alice review it.
    const plan = await writeFixture(`${dir}/plan.md`, '# Plan\n');
    const r = await vscode.commands.executeCommand<{ done: string[] }>('sensitivity.protect', plan, {
      label: 'confidential-specific-people',
      grants: [{ who: bob.email, role: 'Viewer' }],
    });
    assert.equal(r?.done.length, 1, 'protect did not protect plan.md');
    await writeFixture(`${dir}/shared.md`, '# Shared\n');
    await app.protect(sessionAs(carol), `${dir}/shared.md`, { label: 'confidential-specific-people', grants: [{ who: me.email, role: 'Reviewer' }] });
    const plain = await writeFixture(PLAIN, 'export const port = 8080;\n');
    await vscode.commands.executeCommand('sensitivity.applyLabel', plain, { label: 'general' });

    panel = (await vscode.commands.executeCommand<AccessPanelHandle>('sensitivity.showAccessPanel'))!;
    assert.ok(panel && typeof panel.model === 'function', 'sensitivity.showAccessPanel did not return the panel');
    await panel.settled();
  });

  after(async () => {
    await vscode.workspace.getConfiguration('sensitivity').update('confirmDestructiveActions', undefined, vscode.ConfigurationTarget.Global);
    panel?.panel.dispose();
    await closeAllEditors();
  });

  test('the page has the strict CSP with a fresh crypto nonce', () => {
    const html = panel.panel.webview.html;
    const nonce = /<meta property="csp-nonce" content="([^"]+)">/.exec(html)?.[1];
    assert.ok(nonce && Buffer.from(nonce, 'base64').length === 16, 'no 16-byte nonce');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    const source = panel.panel.webview.cspSource;
    assert.equal(csp, `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${source} 'nonce-${nonce}'; font-src ${source}; img-src ${source}`);
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
    const script = /<script nonce="([^"]+)" src="([^"]+)"><\/script>/.exec(html);
    assert.equal(script?.[1], nonce);
    assert.match(script?.[2] ?? '', /\/dist\/webview\.js$/);
    const opts = panel.panel.webview.options;
    assert.equal(opts.enableScripts, true);
    assert.deepEqual(
      opts.localResourceRoots?.map((u) => u.path.split('/').pop()),
      ['dist', 'media'],
    );
  });

  test('the real webview loads its script under that CSP and completes the ready handshake', async () => {
    await waitFor(() => panel.readyCount >= 1, 'the webview to send ready', { timeoutMs: 15_000 });
  });

  test('the view model lists owner and grantee with their roles, and what you may do', async () => {
    const plan = await rowWhen(PLAN, (r) => r.people.length === 2, 'plan.md.protected with two people');
    assert.equal(plan.protected, true);
    assert.equal(plan.label?.id, 'confidential-specific-people');
    assert.equal(plan.owner?.email, 'alice@example.com');
    assert.equal(plan.owner?.you, true);
    assert.deepEqual(
      plan.people.map((p) => [p.email, p.role, p.you]),
      [
        ['alice@example.com', 'Owner', true],
        ['bob.reader@example.com', 'Viewer', false],
      ],
    );
    assert.deepEqual(plan.people[1]!.rights, ['VIEW', 'VIEWRIGHTSDATA']);
    assert.equal(plan.yourRole, 'Owner');
    assert.deepEqual(plan.actions, { open: true, applyLabel: true, protect: false, grant: true, revoke: true, expiry: true, restore: false });

    const shared = (await rowWhen(SHARED, () => true, 'shared.md.protected'))!;
    assert.equal(shared.owner?.email, 'carol.owner@example.com');
    assert.deepEqual(
      shared.people.map((p) => [p.email, p.role]),
      [
        // Carol's key is in people.json but not pinned here (nobody granted to her): her claim is not verified (issue 9).
        ['carol.owner@example.com', 'Signer (unverified key)'],
        ['alice@example.com', 'Reviewer'],
      ],
    );
    assert.equal(shared.signedBy?.verified, false);
    assert.equal(shared.yourRole, 'Reviewer');
    assert.deepEqual(shared.yourRights, ['VIEW', 'EDIT', 'VIEWRIGHTSDATA']);
    assert.deepEqual(shared.actions, { open: true, applyLabel: false, protect: false, grant: false, revoke: false, expiry: false, restore: false });

    const plain = await rowWhen(PLAIN, () => true, 'config.ts labeled');
    assert.equal(plain.protected, false);
    assert.equal(plain.label?.id, 'general');
    assert.equal(plain.labeledBy, 'Alice Admin');
    assert.deepEqual(plain.actions, { open: true, applyLabel: true, protect: true, grant: false, revoke: false, expiry: false, restore: false });
    assert.deepEqual(panel.model().identity, { name: 'Alice Admin', email: 'alice@example.com' });
    assert.ok(panel.model().labels.some((l) => l.id === 'confidential-specific-people' && l.color));
  });

  test('nothing secret crosses: the model holds no key material', () => {
    const text = JSON.stringify(panel.model());
    for (const secret of [bob.sigPrivate.d, bob.encPrivate.d, carol.sigPrivate.d, bob.enc.x, bob.sig.x])
      assert.ok(!text.includes(secret), 'key material in the model');
    assert.doesNotMatch(text, /"d":|"x":|# Plan|# Shared/);
  });

  test('invalid messages are rejected and change nothing', async () => {
    const before = panel.rejectedCount;
    const bobId = bob.id;
    assert.equal(await panel.receive({ type: 'deleteAll', id: 1, params: {} }), undefined);
    const outside = await panel.receive({ type: 'revoke', id: 2, params: { path: '../../etc/passwd', personId: bobId } });
    assert.deepEqual(outside && { ok: outside.ok, id: outside.id }, { ok: false, id: 2 });
    const notAllowed = await panel.receive({ type: 'revoke', id: 3, params: { path: SHARED, personId: me.id } });
    assert.equal(notAllowed?.ok, false);
    const owner = await panel.receive({ type: 'revoke', id: 4, params: { path: PLAN, personId: me.id } });
    assert.equal(owner?.ok, false);
    const protectAgain = await panel.receive({ type: 'protect', id: 5, params: { path: PLAN } });
    assert.equal(protectAgain?.ok, false);
    assert.equal(await panel.receive('{"type":"refresh"}'), undefined);
    assert.equal(panel.rejectedCount, before + 6);
    const info = await app.inspect(sessionAs(bob), PLAN);
    assert.ok(
      info.grants.some((g) => g.id === bobId),
      'a rejected revoke changed the file',
    );
  });

  test('openFile opens the file of a row', async () => {
    const response = await panel.receive({ type: 'openFile', id: 10, params: { path: PLAIN } });
    assert.deepEqual(response && { ok: response.ok, request: response.request }, { ok: true, request: 'openFile' });
    await waitFor(() => vscode.window.activeTextEditor?.document.uri.path.endsWith(`/${PLAIN}`), 'config.ts in the active editor');
  });

  test('a validated revoke runs the extension command, and the model follows the file on disk', async () => {
    const response = await panel.receive({ type: 'revoke', id: 11, params: { path: PLAN, personId: bob.id } });
    assert.equal(response?.ok, true, response && !response.ok ? response.error : '');
    const info = await app.inspect(sessionAs(carol), PLAN);
    assert.deepEqual(
      info.grants.map((g) => g.email),
      ['alice@example.com'],
      'bob still granted on disk',
    );
    const row = await rowWhen(PLAN, (r) => r.people.length === 1, 'the panel to drop bob from plan.md.protected');
    assert.equal(row.actions.revoke, false);
  });

  test('new and deleted files reach the model through the file watchers', async () => {
    await writeFixture(`${dir}/late.txt`, 'late\n');
    await app.protect(sessionAs(carol), `${dir}/late.txt`, { label: 'confidential-specific-people' });
    const late = await rowWhen(`${dir}/late.txt.protected`, () => true, 'late.txt.protected to appear');
    assert.equal(late.denied !== null, true, 'you were not granted late.txt, the row should say so');
    assert.deepEqual(late.yourRights, []);
    await fs.rm(join(workspaceRoot().fsPath, dir, 'late.txt.protected'));
    await waitFor(() => !rowOf(panel.model(), `${dir}/late.txt.protected`), 'late.txt.protected to disappear');
  });

  test('Share, Revoke and Unprotect refuse before asking anything on a file you may not change (Reviewer)', async () => {
    const file = vscode.Uri.joinPath(workspaceRoot(), SHARED);
    const asked: string[] = [];
    for (const command of ['sensitivity.grantAccess', 'sensitivity.revokeAccess', 'sensitivity.unprotect']) {
      const { result, modals } = await withDialogs(
        { quickPick: (_i, o) => (asked.push(`${command}: ${o?.title}`), undefined), modal: (m) => (asked.push(`${command}: ${m.message}`), undefined) },
        () => vscode.commands.executeCommand<{ failed: { code?: string; message: string }[] }>(command, file),
      );
      assert.deepEqual(modals, []);
      assert.equal(result.failed[0]?.code, 'E_RIGHT_MISSING', command);
      assert.match(result.failed[0]!.message, /only an owner can|Export right/);
      assert.match(result.failed[0]!.message, /ask .*carol\.owner@example\.com/);
    }
    assert.deepEqual(asked, [], 'nothing was asked');
  });

  test('a damaged protected file is listed with its problem, not hidden', async () => {
    await writeFixture(`${dir}/broken.md.protected`, 'not an envelope');
    const row = await rowWhen(`${dir}/broken.md.protected`, () => true, 'broken.md.protected to appear');
    assert.ok(row.problem && row.problem.length > 0);
    // Nothing to open either (issue 9): the row says why, with the stable code.
    assert.equal(row.problemCode, 'E_FORMAT');
    assert.deepEqual(row.actions, { open: false, applyLabel: false, protect: false, grant: false, revoke: false, expiry: false, restore: false });
    await fs.rm(join(workspaceRoot().fsPath, dir, 'broken.md.protected'));
  });

  test(
    "the file search decides which envelopes are listed: the panel's exclude, files.exclude, symbolic links",
    async () => {
      const root = workspaceRoot().fsPath;
      const source = join(root, SHARED);
      const at = (rel: string) => join(root, dir, 'listing', rel);
      await fs.mkdir(at('skipped'), { recursive: true });
      await fs.mkdir(at('kept'), { recursive: true });
      await fs.mkdir(join(root, `${dir}-elsewhere`), { recursive: true });
      await Promise.all(
        [at('skipped/a.md.protected'), at('kept/b.md.protected'), at('kept/c.md.protected'), join(root, `${dir}-elsewhere`, 'd.md.protected')].map((p) =>
          fs.copyFile(source, p),
        ),
      );
      // Behind a symbolic link: the walk does not follow it, the search does.
      await fs.symlink(join(root, `${dir}-elsewhere`), at('linked'));
      const sensitivity = vscode.workspace.getConfiguration('sensitivity');
      const files = vscode.workspace.getConfiguration('files');
      const listed = async (id: number) => {
        await panel.receive({ type: 'refresh', id, params: {} });
        return (await panel.settled()).files
          .map((f) => f.path)
          .filter((p) => p.startsWith(`${dir}/listing/`))
          .sort();
      };
      try {
        // The panel's own exclude: neither the walk nor the search lists what it names.
        await sensitivity.update('accessPanel.exclude', ['**/skipped/**'], vscode.ConfigurationTarget.Global);
        assert.deepEqual(await listed(30), [
          `${dir}/listing/kept/b.md.protected`,
          `${dir}/listing/kept/c.md.protected`,
          `${dir}/listing/linked/d.md.protected`,
        ]);
        // files.exclude applies too, and a row the search no longer lists goes, though an earlier run read it.
        await files.update('exclude', { '**/kept/c.md.protected': true }, vscode.ConfigurationTarget.Global);
        assert.deepEqual(await listed(31), [`${dir}/listing/kept/b.md.protected`, `${dir}/listing/linked/d.md.protected`]);
      } finally {
        await sensitivity.update('accessPanel.exclude', undefined, vscode.ConfigurationTarget.Global);
        await files.update('exclude', undefined, vscode.ConfigurationTarget.Global);
        await fs.rm(join(root, dir, 'listing'), { recursive: true });
        await fs.rm(join(root, `${dir}-elsewhere`), { recursive: true });
      }
    },
    { timeoutMs: 60_000 },
  );

  test(
    'indexing can be cancelled and resumed',
    async () => {
      const source = join(workspaceRoot().fsPath, SHARED);
      const many = join(workspaceRoot().fsPath, dir, 'many');
      await fs.mkdir(many, { recursive: true });
      await Promise.all(Array.from({ length: 60 }, (_, i) => fs.copyFile(source, join(many, `copy-${i}.md.protected`))));
      // Written into a folder created a moment before: the watcher may miss them, the folder's create event may not.
      await waitFor(() => panel.model().files.filter((f) => f.path.startsWith(`${dir}/many/`)).length === 60, 'the watchers to add the 60 copies');
      // Not awaited in between: the cancel reaches the host while the run it started is still going.
      const refreshing = panel.receive({ type: 'refresh', id: 20, params: {} });
      const cancelling = panel.receive({ type: 'cancelIndexing', id: 21, params: {} });
      assert.deepEqual(
        (await Promise.all([refreshing, cancelling])).map((r) => r?.ok),
        [true, true],
      );
      const cancelled = await panel.settled();
      assert.equal(cancelled.status, 'cancelled');
      assert.ok(
        cancelled.files.some((f) => f.path === PLAN),
        'the rows found before stay after a cancel',
      );
      await panel.receive({ type: 'refresh', id: 22, params: {} });
      const done = await panel.settled();
      assert.equal(done.status, 'ready');
      assert.equal(done.files.filter((f) => f.path.startsWith(`${dir}/many/`)).length, 60);
      // Deleting a folder reports the folder alone; its envelopes' rows must go too.
      await fs.rm(many, { recursive: true });
      await waitFor(() => !panel.model().files.some((f) => f.path.startsWith(`${dir}/many/`)), 'the copies to leave the model');
    },
    { timeoutMs: 60_000 },
  );

  test(
    'an identity change while an older run is still reading: the rows end as the new identity reads them, whichever run ends last',
    async () => {
      // Alice (you) owns seen.md and lets Bob view it; Carol, who has no grant, is shown the owner alone.
      const seen = await writeFixture(`${dir}/seen.md`, '# Seen\n');
      const SEEN = `${dir}/seen.md.protected`;
      await vscode.commands.executeCommand('sensitivity.protect', seen, {
        label: 'confidential-specific-people',
        grants: [{ who: bob.email, role: 'Viewer' }],
      });
      await rowWhen(SEEN, (r) => r.people.length === 2, 'seen.md.protected with two people');
      const saved = join(process.env.SENSITIVITY_HOME!, `panel-${Date.now()}.jwe`);
      await vscode.commands.executeCommand('sensitivity.exportIdentity', vscode.Uri.file(saved), { passphrase: 'panel test passphrase' });
      // Every run asks content findings for each plain row it lists: holding that answer holds a run there.
      let asked = 0;
      let hold = false;
      let entered!: () => void;
      const holding = new Promise<void>((resolve) => (entered = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const registration = (await api()).registerFindingsProvider(async (uri) => {
        if (!uri.path.endsWith(`/${PLAIN}`)) return undefined;
        asked++;
        if (hold) {
          entered();
          await released;
        }
        return undefined;
      });
      try {
        // A new provider re-reads the plain rows (a flush): let it finish before holding anything.
        await waitFor(() => asked > 0, 'the panel to ask the new provider');
        await panel.settled();
        hold = true;
        void panel.receive({ type: 'refresh', id: 40, params: {} });
        await holding; // the older run has its folders, read as Alice, and waits on its plain rows
        hold = false;
        // Importing an identity reports it twice (the store, then SecretStorage): newer runs start as Carol.
        await useIdentity(carol);
        await waitFor(() => {
          const m = panel.model();
          return m.status === 'ready' && m.identity?.email === carol.email && rowOf(m, SEEN)?.people.length === 1;
        }, 'a newer run to list seen.md.protected as Carol');
        release();
        const model = await panel.settled();
        assert.equal(model.identity?.email, carol.email);
        const row = rowOf(model, SEEN);
        assert.deepEqual(
          row?.people.map((p) => [p.email, p.you]),
          [[me.email, false]],
          'seen.md.protected still shows what the older run read as Alice',
        );
        assert.notEqual(row?.denied, null, 'Carol was not granted seen.md');
        assert.equal(rowOf(model, SHARED)?.owner?.you, true);
      } finally {
        release();
        registration.dispose();
        await vscode.commands.executeCommand('sensitivity.importIdentity', vscode.Uri.file(saved), { passphrase: 'panel test passphrase', force: true });
        await fs.rm(saved, { force: true });
      }
    },
    { timeoutMs: 60_000 },
  );
});
