/**
 * A protected file opened first, before anything else of the workspace (issue 12): a question about the
 * folder above the workspace (what the breadcrumbs asked when they showed the absolute path) must not
 * become the workspace's root. The access panel opened next lists the workspace's plain labeled files, and "Add a
 * Person…" writes the workspace's own `.sensitivity/people.json`, not one in the folder above. The
 * protected editor's breadcrumbs read the workspace-relative path; "Reveal in Explorer" from a panel row
 * and from the protected editor selects the file in the Explorer.
 */
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { PROTECTED_FILE } from '../../scripts/lib/demo.js';
import { createIdentity, publicIdentity } from '../../src/core/index.js';
import { importCliIdentity } from './steps.js';
import { exactly, useWorkbench } from './workbench.js';

const { scenario } = useWorkbench();
const PROTECTED = `${PROTECTED_FILE}.protected`;

scenario('a protected file opened first, then the panel, then a person added', async (wb) => {
  await importCliIdentity(wb);
  // Opened before anything else: Alice is its owner, so it opens as text, with breadcrumbs.
  await wb.openFile(PROTECTED);
  await wb.page.locator('.monaco-editor .view-lines', { hasText: 'EMEA' }).first().waitFor();
  // The breadcrumbs read like the Explorer: the workspace-relative path, no folder above the workspace.
  const crumbs = wb.page.locator('.breadcrumbs-control .monaco-breadcrumb-item .label-name');
  await crumbs
    .filter({ hasText: exactly('q3-forecast.md') })
    .first()
    .waitFor();
  assert.deepEqual((await crumbs.allInnerTexts()).slice(0, 2), ['finance', 'q3-forecast.md']);
  await wb.screenshot('protected-editor-breadcrumbs');

  await wb.runCommand('Sensitivity: Show Access Panel');
  const panel = wb.webview();
  const row = (path: string) => panel.locator(`vscode-data-grid-row[data-path="${path}"]`);
  await row(PROTECTED).locator('vscode-data-grid-cell').first().waitFor();
  await row('notes.md.protected').waitFor();
  await row('README.md').waitFor();

  const carol = publicIdentity(await createIdentity('Carol Example', 'carol@example.com'));
  const card = join(wb.demo.folder, 'carol.json');
  await fs.writeFile(card, JSON.stringify(carol));
  await wb.runCommand('Sensitivity: Add a Person…');
  await wb.quickPickItems().filter({ hasText: 'From a file…' }).first().click();
  // code-server's own file dialog is a quick input that takes a path. It writes its starting folder into
  // the input, then lists it: typed before that, the path was appended to the folder (a loaded run).
  await wb.page.locator('.quick-input-widget .quick-input-title', { hasText: 'Public Identity File' }).waitFor();
  await wb.quickPickItems().filter({ hasText: 'carol.json' }).first().waitFor();
  const input = wb.page.locator('.quick-input-widget input');
  await input.fill(card);
  await wb.quickPickItems().filter({ hasText: 'carol.json' }).first().waitFor();
  await wb.page.keyboard.press('Enter');
  await wb
    .notification(/Added Carol Example <carol@example.com> to this workspace's people/)
    .first()
    .waitFor();

  const people = JSON.parse(await fs.readFile(join(wb.demo.folder, '.sensitivity/people.json'), 'utf8')) as unknown;
  assert.match(JSON.stringify(people), /carol@example\.com/);
  assert.equal(existsSync(join(dirname(wb.demo.folder), '.sensitivity')), false, 'nothing was written above the workspace');

  // "Reveal in Explorer" from a row of the access panel (its context menu) selects that file.
  await row('notes.md.protected').locator('vscode-data-grid-cell').first().click({ button: 'right' });
  await wb.runMenuItem(wb.page.locator('.context-view .monaco-menu .action-label', { hasText: exactly('Reveal in Explorer') }));
  const selected = (name: string) =>
    wb.page.locator('.explorer-folders-view .monaco-list-row[aria-selected="true"]', { has: wb.page.locator('.label-name', { hasText: exactly(name) }) });
  await selected('notes.md.protected').waitFor();

  // "Reveal in Explorer" from the protected editor selects the .protected file behind it.
  await wb.page.locator('.editor-group-container .tab', { hasText: 'q3-forecast.md' }).first().click();
  await wb.runCommand('Sensitivity: Reveal in Explorer');
  await selected('q3-forecast.md.protected').waitFor();
});

scenario('a damaged protected file says so on its first open (not VS Code\'s "unexpected error")', async (wb) => {
  // The same envelope with one byte of its last chunk changed: the header verifies, the body does not.
  const bytes = await fs.readFile(join(wb.demo.folder, PROTECTED));
  bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0x01;
  await fs.writeFile(join(wb.demo.folder, 'finance/damaged.md.protected'), bytes);
  await wb.page.keyboard.press('Control+P');
  await wb.page.locator('.quick-input-widget input').fill('finance/damaged.md.protected');
  await wb.quickPickItems().filter({ hasText: 'damaged.md.protected' }).first().waitFor();
  await wb.page.keyboard.press('Enter');
  const page = wb.webview();
  await page.locator('h1', { hasText: 'damaged.md.protected did not open' }).waitFor();
  assert.match(await page.locator('body').innerText(), /corrupt or has been tampered with/);
  assert.equal(await wb.page.locator('.editor-group-container', { hasText: /unexpected error/i }).count(), 0);
  await wb.screenshot('damaged-first-open');
});
