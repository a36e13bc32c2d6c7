/**
 * A Double Key file in the real VS Code, with real servers started here: a SoftHSM2 token, the key
 * service (`sensitivity key-service serve`, its own process group on 127.0.0.1, on the Node that pkcs11js
 * was built for) and the oidc-provider IdP. The extension signs in through its authentication provider
 * (the IdP's login and consent forms driven over HTTP), opens the file and reads its plaintext; the access
 * panel marks it; then the administrator revokes the person in the service's config and the next open is
 * refused with E_KEYSERVICE_REVOKED, in words. The workspace names the organisation, so nothing uses it until
 * the user accepts it in the Accept Workspace Keys modal, which shows its certification key's fingerprint. Last, an
 * old copy opened with nothing remembered: the head its decrypt answers makes the editor read-only and is kept (issue 21).
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { AccessPanelHandle } from '../../src/extension/panel/index.js';
import type { ProtectedInfo } from '../../src/core/app/index.js';
import { startIdp, VSCODE_CLIENT_ID, type TestIdp } from '../support/idp.js';
import { doubleKeyPolicy, freePort, startKeyService, type KeyServiceConfig, type TestKeyService } from '../support/key-service.js';
import { after, before, suite, test } from './harness.js';
import { closeAllEditors, extension, waitFor, withDialogs, workspaceRoot, writeFixture } from './helpers.js';
import { publicIdentity } from '../../src/core/identity.js';
import { api, auditLog, auditSince, person, useIdentity } from './sensitivity.js';

/** A workspace of its own inside the fixture (its own `.sensitivity/`), so the shared test policy stays as it is. */
const DIR = `double-key-${Date.now().toString(36)}`;
/** The Node pkcs11js was built for: the launcher's (the extension host runs code-server's own Node). */
const NODE = process.env.SENSITIVITY_ITEST_NODE || 'node';

suite('Double Key files in VS Code', () => {
  let idp: TestIdp;
  let service: TestKeyService;
  let config: KeyServiceConfig;
  let base: string;
  let envelope: vscode.Uri;
  const secret = `SECRET-${Math.random().toString(36).slice(2, 10)}`;
  const settings = () => vscode.workspace.getConfiguration('sensitivity.organisation');
  /** The editor URI of the envelope: its workspace-relative inner path, the folder in the query (as protected.itest.ts). */
  const editorUri = () =>
    vscode.Uri.from({ scheme: 'sensitivity-protected', path: `/${DIR}/budget.csv`, query: JSON.stringify({ root: workspaceRoot().path }) });

  before(async () => {
    const root = extension().extensionPath;
    idp = await startIdp({ root });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    service = await startKeyService({
      idp: { issuer: idp.issuer, audience: base },
      keys: { finance: { allow: { domains: ['example.com'] } } },
      port,
      cli: join(root, 'dist/cli.js'),
      node: NODE,
    });
    config = service.config();
    await settings().update('issuer', idp.issuer, vscode.ConfigurationTarget.Global);
    await settings().update('clientId', VSCODE_CLIENT_ID, vscode.ConfigurationTarget.Global);
    await settings().update('audiences', [base], vscode.ConfigurationTarget.Global);
    await writeFixture(`${DIR}/.sensitivity/policy.json`, JSON.stringify({ ...doubleKeyPolicy(base), organisation: { url: base } }));
    await useIdentity(await person('alice'));
    const plain = await writeFixture(`${DIR}/budget.csv`, `q1,${secret}\n`);
    const offered = (await (await fetch(`${base}/directory`)).json()) as { keys: { fingerprint: string }[] };
    const orgLine = `organisation  ${base}  ${offered.keys[0]!.fingerprint}`;
    const serviceLine = `Double Key service  ${base}/finance`;
    // Protecting needs only the service's public key (no sign-in yet), and the organisation and the service accepted: declined, nothing is protected.
    const protect = () =>
      vscode.commands.executeCommand<{ done: string[]; failed: unknown[]; cancelled?: boolean }>('sensitivity.protect', plain, {
        label: 'finance',
        grants: [],
      });
    const declined = await withDialogs({ modal: () => undefined }, protect);
    assert.equal(declined.result.cancelled, true);
    assert.equal(declined.modals.length, 1);
    assert.ok(declined.modals[0]!.detail.includes(orgLine), `the modal shows the organisation's fingerprint: ${declined.modals[0]!.detail}`);
    assert.deepEqual(declined.result.done, []);
    const accepted = await withDialogs({ modal: (m) => m.items[0] }, () =>
      vscode.commands.executeCommand<{ keys: string[] } | undefined>('sensitivity.acceptWorkspaceKeys', plain),
    );
    assert.deepEqual(accepted.result?.keys, [orgLine, serviceLine]);
    assert.ok(accepted.modals[0]!.detail.includes(orgLine) && accepted.modals[0]!.detail.includes(serviceLine), accepted.modals[0]!.detail);
    // The workspace names the organisation, so its witness registers the new file (issue 21): that needs the sign-in.
    let browser: Promise<string> | undefined;
    const account = await vscode.commands.executeCommand<string | undefined>('sensitivity.signIn', {
      open: (url: string) => {
        browser = idp.completeLogin(url, 'alice@example.com');
      },
    });
    assert.equal(account, 'alice@example.com');
    await browser;
    const r = await protect();
    assert.deepEqual(r?.failed, []);
    envelope = vscode.Uri.file(r.done[0]!);
  });
  after(async () => {
    await closeAllEditors();
    await vscode.commands.executeCommand('sensitivity.signOut').then(undefined, () => undefined);
    for (const key of ['issuer', 'clientId', 'audiences']) await settings().update(key, undefined, vscode.ConfigurationTarget.Global);
    await service?.stop();
    await idp?.stop();
    await fs.rm(join(workspaceRoot().fsPath, DIR), { recursive: true, force: true });
  });

  test(
    'signed in through the authentication provider (before protecting), the file opens with its plaintext; the panel and status bar name the key service',
    async () => {
      const before = (await auditLog()).length;
      await vscode.commands.executeCommand('vscode.open', envelope);
      const editor = await waitFor(
        () => {
          const e = vscode.window.activeTextEditor;
          return e?.document.uri.toString() === editorUri().toString() && e;
        },
        'the text editor of the Double Key file',
        { timeoutMs: 20_000 },
      );
      assert.match(editor.document.getText(), new RegExp(secret));
      assert.ok((await auditSince(before)).some((e) => e.action === 'open' && e.actor?.email === 'alice@example.com'));
      const host = new URL(base).host;
      const status = await (await api()).statusBar();
      assert.match(status.tooltip, /Double Key/);
      // The tooltip is Markdown: its punctuation comes escaped.
      assert.ok(status.tooltip.replaceAll('\\', '').includes(base), `the status bar names the key service: ${status.tooltip}`);

      const panel = (await vscode.commands.executeCommand<AccessPanelHandle>('sensitivity.showAccessPanel'))!;
      await panel.settled();
      const row = await waitFor(() => panel.model().files.find((f) => f.path.endsWith('budget.csv.protected')), 'the Double Key row in the panel');
      assert.deepEqual(row.doubleKey, { host, url: `${base}/finance` });
      await closeAllEditors();
    },
    { timeoutMs: 90_000 },
  );

  test(
    "the administrator revokes the person in the service's config: the next open is refused with E_KEYSERVICE_REVOKED, in words",
    async () => {
      service.writeConfig({ ...config, revoked: { people: ['alice@example.com'] } });
      const before = (await auditLog()).length;
      // The service takes up a config edit within about a second; each attempt is a fresh open.
      const refusal = await waitFor(
        async () =>
          Promise.resolve(vscode.workspace.fs.readFile(editorUri())).then(
            () => undefined,
            (e: unknown) => e as Error,
          ),
        'the key service to refuse the open',
        { timeoutMs: 15_000, intervalMs: 300 },
      );
      assert.match(refusal.message, /key service at http:\/\/127\.0\.0\.1:\d+ has revoked your access to this file/);
      assert.match(refusal.message, /Ask your administrator about the organisation's key service/);
      assert.ok(!refusal.message.includes(secret));
      const denied = (await auditSince(before)).filter((e) => e.action === 'open.denied');
      assert.ok(
        denied.some((e) => e.code === 'E_KEYSERVICE_REVOKED'),
        `an open.denied entry with E_KEYSERVICE_REVOKED (got ${JSON.stringify(denied.map((e) => e.code))})`,
      );
      service.writeConfig(config);
    },
    { timeoutMs: 60_000 },
  );

  test(
    'Add a Person from the organisation directory: Bob, certified by the directory, joins people.json',
    async () => {
      // Bob publishes his identity with his own sign-in (what `sensitivity id publish` does).
      const bob = publicIdentity(await person('bob'));
      const token = await idp.tokenFor('bob@example.com', base);
      const published = await fetch(`${base}/directory`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ identity: bob }),
      });
      assert.equal(published.status, 200);
      const added = await vscode.commands.executeCommand<{ id: string } | undefined>('sensitivity.addPerson', {
        fromDirectory: 'bob@example.com',
        folder: envelope, // a file of that workspace: its people.json gets the person
      });
      assert.equal(added?.id, bob.id);
      const people = await fs.readFile(join(workspaceRoot().fsPath, DIR, '.sensitivity/people.json'), 'utf8');
      assert.ok(people.includes(bob.id), 'people.json lists the certified Bob');
      // Nobody certified: refused in words, nothing added.
      const nobody = await vscode.commands.executeCommand('sensitivity.addPerson', {
        fromDirectory: 'nobody@example.com',
        folder: envelope,
      });
      assert.equal(nobody, undefined);
      assert.ok(!(await fs.readFile(join(workspaceRoot().fsPath, DIR, '.sensitivity/people.json'), 'utf8')).includes('nobody@'));
    },
    { timeoutMs: 60_000 },
  );

  test(
    "an older copy, with nothing remembered, learns from the organisation's head in its decrypt: the open editor turns read-only (typing changes nothing), memory keeps the head, and inspect, the status bar and the panel say it as for a copy memory knows",
    async () => {
      const home = process.env.SENSITIVITY_HOME!;
      const inspect = () => vscode.commands.executeCommand<ProtectedInfo>('sensitivity.inspect', envelope, { quiet: true });
      // The revocation of an earlier test is lifted once the service takes up its config again (about a second).
      await waitFor(
        async () =>
          Promise.resolve(vscode.workspace.fs.readFile(editorUri())).then(
            () => true,
            () => false,
          ),
        'the key service to serve Alice again',
        { timeoutMs: 15_000, intervalMs: 300 },
      );
      const v1 = await fs.readFile(envelope.fsPath);
      /** Types into `doc`'s editor: whether the text changed (then undone: nothing re-reads the file, nothing is saved). */
      const typesInto = async (doc: vscode.TextDocument) => {
        const before = doc.getText();
        await vscode.window.showTextDocument(doc);
        await vscode.commands.executeCommand('type', { text: 'X' });
        const typed = doc.getText() !== before || doc.isDirty;
        if (typed) await vscode.commands.executeCommand('undo');
        return typed;
      };
      // Alice ends access in 30 days: version 2, registered at the witness (its head).
      const changed = await vscode.commands.executeCommand<{ done: string[] }>('sensitivity.changeExpiry', envelope, { expires: '30d' });
      assert.equal(changed.done.length, 1);
      // A new laptop, a fresh clone: nothing remembered; the old copy (version 1, genuinely witnessed) is back on disk.
      await fs.rm(join(home, 'versions.json'), { force: true });
      await fs.rm(join(home, 'heads'), { recursive: true, force: true });
      await fs.writeFile(envelope.fsPath, v1);
      await waitFor(async () => (await inspect()).lineage.length === 1 && (await inspect()).rollback === null, 'the old copy, nothing known of it');
      await vscode.commands.executeCommand('vscode.open', envelope);
      const editor = await waitFor(
        () => {
          const e = vscode.window.activeTextEditor;
          return e?.document.uri.toString() === editorUri().toString() && e;
        },
        'the text editor of the old copy',
        { timeoutMs: 20_000 },
      );
      assert.match(editor.document.getText(), new RegExp(secret), 'an older copy reads');
      // The decrypt's answer raised memory to the organisation's head: only what its receipt proves.
      const kept = JSON.parse(await fs.readFile(join(home, 'versions.json'), 'utf8')) as { witness?: Record<string, { ver: number }> };
      assert.deepEqual(
        Object.values(kept.witness ?? {}).map((h) => h.ver),
        [2],
      );
      await waitFor(async () => (await vscode.workspace.fs.stat(editorUri())).permissions === vscode.FilePermission.Readonly, 'a read-only stat');
      // The editor itself: VS Code re-stated the file and made it read-only, so typing changes nothing.
      await waitFor(async () => !(await typesInto(editor.document)), 'the open editor to refuse typing', { timeoutMs: 20_000 });
      // The same words as for an older copy memory knows: inspect, the status bar and the access panel.
      assert.deepEqual((await inspect()).rollback, { seen: 2, by: 'organisation' });
      const status = await waitFor(async () => {
        const s = await (await api()).statusBar();
        return s.tooltip.includes('An older copy') && s;
      }, 'the status bar to say it is an older copy');
      assert.match(status.tooltip, /access version 1, your organisation's witness holds version 2 — read-only/);
      const panel = (await vscode.commands.executeCommand<AccessPanelHandle>('sensitivity.showAccessPanel'))!;
      await panel.settled();
      const row = await waitFor(
        () => panel.model().files.find((f) => f.path.endsWith('budget.csv.protected') && f.rollback !== null),
        'the older copy in the panel',
      );
      assert.deepEqual(row.rollback, { version: 1, seen: 2, by: 'organisation' });
      await closeAllEditors();

      // Opened as text directly (a restored window, a link): VS Code stats it first, writable while nothing is known; the
      // read's decrypt hears the head, and the file system tells VS Code the file changed, so it stats again.
      await fs.rm(join(home, 'versions.json'), { force: true });
      await fs.writeFile(envelope.fsPath, v1);
      await waitFor(async () => (await inspect()).rollback === null, 'nothing known of the old copy again');
      assert.equal((await vscode.workspace.fs.stat(editorUri())).permissions, undefined, 'writable as far as anyone knows');
      const direct = await vscode.workspace.openTextDocument(editorUri());
      assert.match(direct.getText(), new RegExp(secret));
      await waitFor(async () => !(await typesInto(direct)), 'the directly opened editor to turn read-only', { timeoutMs: 20_000 });
      await closeAllEditors();
    },
    { timeoutMs: 120_000 },
  );
});
