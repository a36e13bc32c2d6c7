/**
 * Trust you can check (issue 9) in the real extension host: the modal that shows both fingerprints when a
 * pinned person's key changes, accepting a workspace policy's recovery keys, who signed and who last wrote a
 * file in the access panel (a forged file is a problem row with its code), Change Expiry, and a rollback
 * refused, then accepted by its owner. Real keys, real files, the real pins and version memory in
 * $SENSITIVITY_HOME; only the modal dialogs are answered by the test (see `withDialogs`).
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ProtectedInfo } from '../../src/core/app/index.js';
import { byteSourceOf, memorySink, protect as seal, readEnvelopeHeader, randomAccessOf } from '../../src/core/envelope/index.js';
import { signPolicy, type EnvelopePolicy } from '../../src/core/envelope/policy.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import { addPerson, createIdentity, publicIdentity, type Identity } from '../../src/core/index.js';
import { resolveHome } from '../../src/node/home.js';
import { homePins, pinsPath } from '../../src/node/trust-store.js';
import { openWorkspace } from '../../src/node/workspace.js';
import type { BatchResult } from '../../src/extension/commands/targets.js';
import type { AccessPanelHandle } from '../../src/extension/panel/index.js';
import type { FileRow } from '../../src/shared/protocol.js';
import { drbg, reseal } from '../vectors/fixtures.js';
import { after, before, suite, test } from './harness.js';
import { closeAllEditors, waitFor, withDialogs, workspaceRoot, workspaceUri, writeFixture } from './helpers.js';
import { ensurePolicy, useIdentity } from './sensitivity.js';

const run = Date.now().toString(36);
const dir = `trust-${run}`;
/** Pins live in the home every suite shares: these people are this suite's own. */
const email = (who: string) => `${who}.trust-${run}@example.com`;
const LABEL = 'confidential-specific-people';

let me: Identity;
let bob: Identity;
let carol: Identity;
let panel: AccessPanelHandle | undefined;

const activeTab = () => vscode.window.tabGroups.activeTabGroup.activeTab?.input;
const read = (path: string) => fs.readFile(join(workspaceRoot().fsPath, path)).catch(() => undefined);
const readHome = (path: string) => fs.readFile(path).catch(() => undefined);

async function addToPeople(...who: Identity[]): Promise<void> {
  await openWorkspace(workspaceRoot().fsPath).updatePeople((people) => who.reduce((d, p) => addPerson(d, publicIdentity(p), { replace: true }), people));
}

/** Protects a fresh file through the command; returns its workspace-relative envelope path. */
async function protectedFile(name: string, options: object): Promise<string> {
  const plain = await writeFixture(`${dir}/${name}`, `# ${name}\n`);
  const r = await vscode.commands.executeCommand<BatchResult>('sensitivity.protect', plain, { label: LABEL, ...options });
  assert.deepEqual(r.failed, [], `protect ${name}`);
  return `${dir}/${name}.protected`;
}

const inspect = (path: string) => vscode.commands.executeCommand<ProtectedInfo>('sensitivity.inspect', workspaceUri(path), { quiet: true });

/** The open access panel; opened again when a test closed it (closing all editors closes the panel too). */
async function openPanel(): Promise<AccessPanelHandle> {
  if (!panel) {
    const opened = await vscode.commands.executeCommand<AccessPanelHandle>('sensitivity.showAccessPanel');
    opened.panel.onDidDispose(() => panel === opened && (panel = undefined));
    panel = opened;
  }
  return panel;
}

async function rowWhen(path: string, ok: (row: FileRow) => boolean, what: string): Promise<FileRow> {
  const p = await openPanel();
  return waitFor(() => {
    const row = p.model().files.find((f) => f.path === path);
    return row && ok(row) ? row : undefined;
  }, what);
}

suite('trust (issue 9)', () => {
  before(async () => {
    await ensurePolicy();
    [me, bob, carol] = await Promise.all([
      createIdentity('Tess Trust', email('tess')),
      createIdentity('Bob Trust', email('bob')),
      createIdentity('Carol Trust', email('carol')),
    ]);
    await useIdentity(me);
    await addToPeople(me, bob, carol);
  });

  after(async () => {
    panel?.panel.dispose();
    await closeAllEditors();
  });

  test('a changed key for a pinned person: Compare shows both fingerprints; declining writes nothing, Replace (confirmed) re-pins', async () => {
    const home = resolveHome();
    await protectedFile('pinned.md', { grants: [{ who: bob.email, role: 'Viewer' }] });
    assert.equal((await homePins(home).byEmail(bob.email))?.id, bob.id, 'the first grant pins Bob');
    const pinnedSince = await homePins(home).pinnedSince?.(bob.id);
    assert.ok(pinnedSince, 'the pin is dated');
    // Someone edits people.json: "Bob" is now Mallory's self-signed identity (anyone can sign a name and an email).
    const mallory = await createIdentity('Bob Trust', bob.email);
    await addToPeople(mallory);
    const target = await protectedFile('later.md', {});
    const [pinsBefore, fileBefore] = await Promise.all([readHome(pinsPath(home)), read(target)]);
    const grant = () =>
      vscode.commands.executeCommand<BatchResult>('sensitivity.grantAccess', workspaceUri(target), { grants: [{ who: bob.email, role: 'Viewer' }] });

    // Compare, then close: nothing changes.
    const declined = await withDialogs({ modal: (m) => (m.items.includes('Compare Fingerprints') ? 'Compare Fingerprints' : undefined) }, grant);
    assert.equal(declined.result.cancelled, true);
    assert.deepEqual(declined.result.done, []);
    assert.equal(declined.modals.length, 2, 'the question, then the fingerprints');
    const [first, compare] = declined.modals;
    assert.match(first!.message, new RegExp(`key offered for Bob Trust <${bob.email.replace(/\./g, '\\.')}> is not the one you pinned`));
    assert.deepEqual(first!.items, ['Compare Fingerprints', 'Replace…']);
    assert.ok(compare!.detail.includes(fingerprint(bob.id)), 'the pinned fingerprint is shown');
    assert.ok(compare!.detail.includes(fingerprint(mallory.id)), 'the new fingerprint is shown');
    assert.match(compare!.detail, /pinned on \d{1,2} \w+ \d{4}/, 'when it was pinned');
    assert.match(compare!.detail, /people\.json/, 'where the new key came from');
    assert.doesNotMatch(`${first!.message} ${compare!.detail}`, /E_[A-Z]|[A-Za-z0-9_-]{43}/, "people's words");
    assert.deepEqual(compare!.items, ['Replace…']);
    assert.deepEqual(await readHome(pinsPath(home)), pinsBefore, 'pins.json unchanged');
    assert.deepEqual(await read(target), fileBefore, 'the file unchanged');

    // Replace… without the confirmation changes nothing either.
    const unconfirmed = await withDialogs({ modal: (m) => (m.items.includes('Replace…') ? 'Replace…' : undefined) }, grant);
    assert.equal(unconfirmed.result.cancelled, true);
    assert.match(unconfirmed.modals[1]!.detail, /whoever holds it can open every file you share/, 'the confirmation names the risk');
    assert.deepEqual(await readHome(pinsPath(home)), pinsBefore, 'pins.json unchanged');

    const accepted = await withDialogs({ modal: (m) => (m.items.includes('Replace Key') ? 'Replace Key' : 'Replace…') }, grant);
    assert.equal(accepted.modals.length, 2);
    assert.deepEqual(accepted.result.failed, []);
    assert.equal(accepted.result.done.length, 1);
    assert.equal((await homePins(home).byEmail(bob.email))?.id, mallory.id, 'pins.json now holds the accepted key');
    const grants = (await inspect(target)).grants;
    assert.ok(grants.some((g) => g.id === mallory.id));
  });

  test("a workspace policy's recovery keys: protect shows their fingerprints and waits until they are accepted", async () => {
    const team = `${dir}/team`;
    const [recovery, second] = await Promise.all([createIdentity('Team Recovery', email('recovery')), createIdentity('Audit Recovery', email('audit'))]);
    const policy = (keys: Identity[]) =>
      JSON.stringify({
        version: 1,
        labels: [{ id: 'confidential', name: 'Confidential' }],
        defaultLabel: 'confidential',
        recovery: keys.map((k) => publicIdentity(k)),
      });
    await writeFixture(`${team}/.sensitivity/policy.json`, policy([recovery]));
    const plain = await writeFixture(`${team}/keys.md`, '# keys\n');
    const accepted = join(resolveHome(), 'accepted-keys.json');
    const before = await readHome(accepted);
    const protect = () => vscode.commands.executeCommand<BatchResult>('sensitivity.protect', plain, { label: 'confidential' });

    const declined = await withDialogs({ modal: () => undefined }, protect);
    assert.equal(declined.result.cancelled, true);
    assert.equal(declined.modals.length, 1);
    assert.ok(declined.modals[0]!.detail.includes(fingerprint(recovery.id)), 'the recovery key is shown by its fingerprint');
    assert.deepEqual(await readHome(accepted), before, 'nothing accepted');
    assert.equal(await read(`${team}/keys.md.protected`), undefined, 'nothing protected');

    const done = await withDialogs({ modal: (m) => m.items[0] }, protect);
    assert.deepEqual(done.result.failed, []);
    const info = await inspect(`${team}/keys.md.protected`);
    assert.ok(
      info.grants.some((g) => g.id === recovery.id && g.recovery),
      'protected for the accepted recovery key',
    );

    // A commit adds a second key: the command shows the new set, and nothing changes until it is accepted.
    await writeFixture(`${team}/.sensitivity/policy.json`, policy([recovery, second]));
    const acceptKeys = () => vscode.commands.executeCommand<{ keys: string[] } | undefined>('sensitivity.acceptWorkspaceKeys', workspaceUri(`${team}/keys.md`));
    const no = await withDialogs({ modal: () => undefined }, acceptKeys);
    assert.equal(no.result, undefined);
    assert.ok(no.modals[0]!.detail.includes(fingerprint(second.id)));
    const yes = await withDialogs({ modal: (m) => m.items[0] }, acceptKeys);
    assert.equal(yes.result?.keys.length, 2);
    assert.ok(yes.result?.keys.some((k) => k.includes(fingerprint(second.id))));
    // Trusted here (the harness runs without Workspace Trust prompts): Restricted Mode is covered by its own run.
    assert.equal(vscode.workspace.isTrusted, true);
  });

  test('the access panel says who signed the access policy and who last wrote the content', async () => {
    const mine = await protectedFile('signed.md', { grants: [{ who: carol.email, role: 'Reviewer' }] });
    // Carol's file shared with me: her key is not pinned here until I grant to her, so it is "unverified".
    const dave = await createIdentity('Dave Trust', email('dave'));
    const sink = memorySink();
    const text = new TextEncoder().encode('from dave\n');
    await seal(byteSourceOf(text), sink, {
      owner: dave,
      label: { id: LABEL, name: 'Confidential' },
      grants: [{ person: publicIdentity(me), rights: ['VIEW', 'VIEWRIGHTSDATA'] }],
      innerName: 'daves.md',
      size: text.length,
    });
    await writeFixture(`${dir}/daves.md.protected`, sink.bytes());

    const own = await rowWhen(mine, (r) => r.signedBy !== null, 'my file in the panel');
    assert.equal(own.signedBy?.verified, true, 'my own key is mine');
    assert.equal(own.lastWrittenBy?.signer.verified, true);
    assert.equal(own.people[0]?.role, 'Owner');
    const theirs = await rowWhen(`${dir}/daves.md.protected`, (r) => r.signedBy !== null, "Dave's file in the panel");
    assert.equal(theirs.signedBy?.verified, false);
    assert.equal(theirs.signedBy?.fingerprint, fingerprint(dave.id));
    assert.match(
      theirs.signedBy?.words ?? '',
      new RegExp(`^an unverified key ${fingerprint(dave.id)} claiming ${dave.name} <${dave.email.replace(/\./g, '\\.')}>$`),
    );
    assert.equal(theirs.people[0]?.role, 'Signer (unverified key)');
    assert.equal(theirs.actions.open, true);

    // The Inspect report names the owner only when verified (issue 20): Dave's key is not.
    const report = async (path: string) => {
      const file = workspaceUri(path);
      await vscode.commands.executeCommand('sensitivity.inspect', file);
      const markdown = (await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'sensitivity-inspect', path: `${file.path}.md` }))).getText();
      return markdown.replace(/\\(.)/g, '$1'); // Markdown escapes undone, to compare with the words
    };
    const daves = await report(`${dir}/daves.md.protected`);
    assert.doesNotMatch(daves, /\| Owner \||_\(owner\)_/);
    assert.ok(daves.includes(`| Signed by | an unverified key ${fingerprint(dave.id)} claiming ${dave.name} <${dave.email}> |`), daves);
    assert.ok(daves.includes('_(signer (unverified key))_'), daves);
    assert.match(await report(mine), /\| Owner \| .+ \(verified, \d{5}/);
  });

  test('a forged file (a Viewer re-signed it as owner; a Viewer rewrote its body) is a problem row with its code, not openable', async () => {
    const random = drbg(`itest ${run}`);
    const sink = memorySink();
    const text = new TextEncoder().encode('the plan\n');
    await seal(byteSourceOf(text), sink, {
      owner: carol,
      label: { id: LABEL, name: 'Confidential' },
      grants: [
        { person: publicIdentity(bob), rights: ['VIEW', 'VIEWRIGHTSDATA'] },
        { person: publicIdentity(me), rights: ['VIEW', 'VIEWRIGHTSDATA', 'EDIT'] },
      ],
      innerName: 'plan.md',
      size: text.length,
      random,
    });
    const env = sink.bytes();
    const fileKey = random.served().slice(0, 32);
    // Bob (Viewer) holds the file key: he rewrites the body and signs the write himself.
    await writeFixture(`${dir}/rewritten.md.protected`, await reseal(env, fileKey, (m) => ({ ...m, name: 'plan.md' }), bob));
    // And he re-signs the policy as its owner, chained to Carol's version 1.
    const h = await readEnvelopeHeader(randomAccessOf(env));
    const claims: EnvelopePolicy = { ...h.policy, ver: 2, prev: h.policyDigest, owner: { id: bob.id, email: bob.email, name: bob.name, sig: bob.sig } };
    const jws = await signPolicy(claims, bob);
    await writeFixture(`${dir}/reowned.md.protected`, await reseal(env, fileKey, (m) => ({ ...m, policy: jws, lineage: [m.policy] }), bob));

    for (const [file, code] of [
      ['rewritten', 'E_WRITER_NOT_ALLOWED'],
      ['reowned', 'E_LINEAGE'],
    ] as const) {
      const row = await rowWhen(`${dir}/${file}.md.protected`, (r) => r.problem !== null, `${file} as a problem row`);
      assert.equal(row.problemCode, code);
      assert.equal(row.actions.open, false, 'nothing to open');
      assert.equal(row.signedBy, null);
      const refused = await panel!.receive({ type: 'openFile', id: 900, params: { path: row.path } });
      assert.equal(refused?.ok, false, 'the host refuses to open it');
    }
  });

  test('Change Expiry: owners only; a quick pick of durations, a typed date checked, never; the panel offers it', async () => {
    const path = await protectedFile('expiring.md', { grants: [{ who: carol.email, role: 'Co-Author' }], expires: '30d' });
    const uri = workspaceUri(path);
    const change = (expires: string) => vscode.commands.executeCommand<BatchResult>('sensitivity.changeExpiry', uri, { expires });
    const day = 24 * 3600 * 1000;

    assert.deepEqual((await change('90d')).failed, []);
    const in90 = Date.parse((await inspect(path)).expires!);
    assert.ok(Math.abs(in90 - (Date.now() + 90 * day)) < day, 'about 90 days from now');
    assert.deepEqual((await change('never')).failed, []);
    assert.equal((await inspect(path)).expires, null);

    // Interactive: "7 days" from the quick pick; then a typed date, checked as people type it.
    const seven = await withDialogs({ quickPick: (items) => items.find((i) => i.label.includes('7 days')) }, () =>
      vscode.commands.executeCommand<BatchResult>('sensitivity.changeExpiry', uri),
    );
    assert.deepEqual(seven.result.failed, []);
    assert.ok(Math.abs(Date.parse((await inspect(path)).expires!) - (Date.now() + 7 * day)) < day);
    const judged: Record<string, string | undefined> = {};
    const typed = await withDialogs(
      {
        quickPick: (items) => items.find((i) => i.label.includes('A date')),
        inputBox: async (options) => {
          for (const v of ['tomorrow', '2001-01-01', '2099-02-31', '2099-12-31']) judged[v] = (await options?.validateInput?.(v)) as string | undefined;
          return '2099-12-31';
        },
      },
      () => vscode.commands.executeCommand<BatchResult>('sensitivity.changeExpiry', uri),
    );
    assert.deepEqual(typed.result.failed, []);
    assert.match(judged.tomorrow ?? '', /YYYY-MM-DD/);
    assert.match(judged['2001-01-01'] ?? '', /past/);
    assert.match(judged['2099-02-31'] ?? '', /no such day/);
    assert.equal(judged['2099-12-31'], undefined);
    assert.equal((await inspect(path)).expires, '2099-12-31T23:59:59.000Z');

    // Not an owner: refused before anything is asked, with the stable code; the file is untouched.
    const theirs = `${dir}/carols.md.protected`;
    const sink = memorySink();
    const text = new TextEncoder().encode('carol\n');
    await seal(byteSourceOf(text), sink, {
      owner: carol,
      label: { id: LABEL, name: 'Confidential' },
      grants: [{ person: publicIdentity(me), rights: ['VIEW', 'VIEWRIGHTSDATA', 'EDIT'] }],
      innerName: 'carols.md',
      size: text.length,
      expires: new Date(Date.now() + 30 * day),
    });
    await writeFixture(theirs, sink.bytes());
    const bytes = await read(theirs);
    const asked: string[] = [];
    const refused = await withDialogs({ quickPick: () => (asked.push('quick pick'), undefined) }, () =>
      vscode.commands.executeCommand<BatchResult>('sensitivity.changeExpiry', workspaceUri(theirs)),
    );
    assert.equal(refused.result.failed[0]?.code, 'E_RIGHT_MISSING');
    assert.deepEqual(asked, [], 'nothing asked');
    assert.deepEqual(await read(theirs), bytes);

    // The panel offers it on my file only, and its request runs the command.
    await rowWhen(theirs, (r) => r.signedBy !== null && !r.actions.expiry, "Carol's file without Expiry…");
    const row = await rowWhen(path, (r) => r.actions.expiry && r.expires === '2099-12-31T23:59:59.000Z', 'my file with Expiry…');
    const viaPanel = await withDialogs({ quickPick: (items) => items.find((i) => i.label.includes('Never')) }, () =>
      panel!.receive({ type: 'changeExpiry', id: 901, params: { path: row.path } }),
    );
    assert.equal(viaPanel.result?.ok, true);
    assert.equal((await inspect(path)).expires, null);
    const notMine = await panel!.receive({ type: 'changeExpiry', id: 902, params: { path: theirs } });
    assert.equal(notMine?.ok, false);
  });

  test('an older copy reads, read-only, and says so; the owner restores it after a modal, and it is writable again', async () => {
    const path = await protectedFile('rolled.md', { grants: [{ who: carol.email, role: 'Viewer' }] });
    const old = (await read(path))!;
    const uri = workspaceUri(path);
    const revoked = await vscode.commands.executeCommand<BatchResult>('sensitivity.revokeAccess', uri, { who: [carol.email] });
    assert.equal(revoked.done.length, 1, 'Carol revoked: version 2, remembered');
    // Carol restores the old copy (a git revert, a backup): version 1, which still lets her in.
    await fs.writeFile(uri.fsPath, old);
    const editor = vscode.Uri.from({ scheme: 'sensitivity-protected', path: uri.path.slice(0, -'.protected'.length) });
    await waitFor(async () => (await inspect(path)).rollback?.seen === 2, 'inspect to see the older copy');
    // Reading works (issue 20, P3); building on it does not: the editor is read-only.
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(editor)), '# rolled.md\n');
    assert.equal((await vscode.workspace.fs.stat(editor)).permissions, vscode.FilePermission.Readonly);
    const row = await rowWhen(path, (r) => r.rollback !== null, 'the rollback in the panel');
    assert.deepEqual(row.rollback, { version: 1, seen: 2, by: 'memory' });
    assert.equal(row.actions.restore, true);

    const accept = () => vscode.commands.executeCommand<BatchResult>('sensitivity.acceptRestore', uri);
    const declined = await withDialogs({ modal: () => undefined }, accept);
    assert.equal(declined.result.cancelled, true);
    assert.match(declined.modals[0]!.detail, /version 1 of its access policy; you have opened version 2/);
    assert.ok(declined.modals[0]!.detail.includes(carol.email), 'the modal names who this copy lets in');
    assert.deepEqual(await read(path), old, 'declining writes nothing');

    const accepted = await withDialogs({ modal: (m) => m.items[0] }, accept);
    assert.deepEqual(accepted.result.failed, []);
    const info = await inspect(path);
    assert.equal(info.rollback, null);
    assert.equal(info.lineage.at(-1)?.version, 3);
    // The open panel follows the file on disk.
    await rowWhen(path, (r) => r.rollback === null && !r.actions.restore, 'the panel without the rollback');
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(editor)), '# rolled.md\n');
    await vscode.commands.executeCommand('vscode.open', uri);
    await waitFor(
      () => activeTab() instanceof vscode.TabInputText && (activeTab() as vscode.TabInputText).uri.scheme === 'sensitivity-protected',
      'the text editor',
    );
    await closeAllEditors();
  });
});
