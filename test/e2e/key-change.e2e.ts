/**
 * A changed key for a known person (issue 22): someone puts their own self-signed "Bob Example" in the workspace's
 * people in place of the Bob Alice pinned. Sharing with Bob then asks, in people's words, with *Compare Fingerprints*
 * (the pinned and the new fingerprint, where each came from, when the old one was pinned) and *Replace…*, which
 * re-pins only after a confirmation that names the risk; the change is in the audit log. First, Show My Identity
 * shows your fingerprint (the one others compare). Screenshots: show-identity-fingerprint, key-change-question,
 * key-change-compare, key-change-confirm.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { BOB, CLI } from '../../scripts/lib/demo.js';
import { importCliIdentity } from './steps.js';
import { exactly, useWorkbench } from './workbench.js';

const { scenario } = useWorkbench();

scenario('a changed key: compare fingerprints, then replace after a confirmation', async (wb) => {
  await importCliIdentity(wb);
  const cli = (args: string[], home: string, input?: string) =>
    execFileSync(process.execPath, [CLI, ...args], {
      cwd: wb.demo.folder,
      env: { PATH: process.env.PATH ?? '', SENSITIVITY_HOME: home },
      encoding: 'utf8',
      ...(input === undefined ? {} : { input }),
    });
  // Alice's own file, not shared yet; then "Bob" in people.json becomes another key (made in a home of its own).
  await fs.writeFile(join(wb.demo.folder, 'docs/plan.md'), '# Plan\n');
  cli(['protect', 'docs/plan.md', '--label', 'Confidential/Specific People'], wb.demo.home);
  const impostorHome = join(wb.demo.folder, '..', 'home-impostor');
  await fs.mkdir(impostorHome, { recursive: true, mode: 0o700 });
  cli(['id', 'new', '--name', BOB.name, '--email', BOB.email], impostorHome);
  const impostor = JSON.parse(cli(['id', 'show', '--json'], impostorHome)) as { id: string };
  cli(['people', 'add', '-', '--replace'], impostorHome, cli(['id', 'show', '--json'], impostorHome));
  const fingerprintOf = (home: string) => /\d{5}( \d{5}){5}/.exec(cli(['id', 'show'], home))?.[0];
  const [pinnedFp, newFp] = [fingerprintOf(wb.demo.otherHome), fingerprintOf(impostorHome)];
  assert.ok(pinnedFp && newFp && pinnedFp !== newFp);

  // Show My Identity: the fingerprint is in the notification itself (issue 22), the one `id show` prints.
  await wb.runCommand('Sensitivity: Show My Identity');
  const mine = wb.notification(/Your identity: Alice Example <alice@example\.com>, fingerprint/).first();
  await mine.waitFor();
  assert.ok((await mine.innerText()).includes(fingerprintOf(wb.demo.home)!), await mine.innerText());
  await wb.screenshot('show-identity-fingerprint');
  await wb.page.keyboard.press('Escape');
  const pinsBefore = await fs.readFile(join(wb.demo.home, 'pins.json'), 'utf8');

  // Share plan.md with Bob: the Explorer's Sensitivity submenu, then Bob and Viewer.
  for (let attempt = 0; ; attempt++) {
    const items = await wb.explorerContextMenu('docs/plan.md.protected');
    await items.filter({ hasText: exactly('Sensitivity') }).hover();
    const share = wb.page.locator('.context-view .monaco-menu .action-label', { hasText: exactly('Share (Grant Access)…') });
    await wb.page.locator('.context-view .monaco-menu .action-label', { hasText: 'Inspect' }).first().waitFor();
    if (await share.count()) {
      await share.first().hover();
      await wb.page.keyboard.press('Enter');
      break;
    }
    // The rights come from the header, read as the Explorer decorates the file: reopen until the menu has them.
    assert.ok(attempt < 20, 'Share is offered on your own file');
    await wb.page.keyboard.press('Escape');
    await wb.page.keyboard.press('Escape');
  }
  await wb.quickPickItems().filter({ hasText: BOB.email }).first().click();
  await wb.page.keyboard.press('Enter');
  const viewer = wb.quickPickItems().filter({ has: wb.page.locator('.label-name', { hasText: exactly('Viewer') }) });
  await viewer.first().click();

  const dialog = wb.page.locator('.monaco-dialog-box');
  await dialog.getByText(`The key offered for ${BOB.name} <${BOB.email}> is not the one you pinned.`).waitFor();
  assert.doesNotMatch(await dialog.innerText(), /E_[A-Z]|[A-Za-z0-9_-]{43}/, "people's words");
  await wb.screenshot('key-change-question');
  await dialog.locator('.monaco-button', { hasText: exactly('Compare Fingerprints') }).click();
  await dialog.getByText(`Fingerprints of ${BOB.name} <${BOB.email}>`).waitFor();
  const compared = await dialog.innerText();
  assert.ok(compared.includes(pinnedFp) && compared.includes(newFp), `both fingerprints: ${compared}`);
  assert.match(compared, /in your pins.*pinned on \d{1,2} \w+ \d{4}/s);
  assert.match(compared, /people\.json/);
  await wb.screenshot('key-change-compare');
  await dialog.locator('.monaco-button', { hasText: exactly('Replace…') }).click();
  await dialog.getByText(`Replace the key you pinned for ${BOB.name} <${BOB.email}>?`).waitFor();
  assert.match(await dialog.innerText(), /whoever holds it can open every file you share with bob@example\.com/);
  assert.equal(await fs.readFile(join(wb.demo.home, 'pins.json'), 'utf8'), pinsBefore, 'nothing re-pinned before the confirmation');
  await wb.screenshot('key-change-confirm');
  await dialog.locator('.monaco-button', { hasText: exactly('Replace Key') }).click();
  await dialog.waitFor({ state: 'detached' });

  // Re-pinned, recorded, and the file shared with the new key.
  const deadline = Date.now() + 60_000;
  const pinnedNow = async () => (JSON.parse(await fs.readFile(join(wb.demo.home, 'pins.json'), 'utf8')) as { pins: { id: string; email: string }[] }).pins;
  while (!(await pinnedNow()).some((p) => p.id === impostor.id && p.email === BOB.email)) {
    assert.ok(Date.now() < deadline, 'the new key is pinned');
    await wb.page.waitForTimeout(200);
  }
  // Recorded right after the pin is written.
  while (!(await fs.readFile(join(wb.demo.home, 'audit.jsonl'), 'utf8')).includes('"action":"pin.change"')) {
    assert.ok(Date.now() < deadline, 'the replacement is in the audit log');
    await wb.page.waitForTimeout(200);
  }
  while (!cli(['inspect', 'docs/plan.md.protected', '--json'], wb.demo.home).includes(impostor.id)) {
    assert.ok(Date.now() < deadline, 'plan.md is shared with the new key');
    await wb.page.waitForTimeout(200);
  }
});
