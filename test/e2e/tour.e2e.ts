/**
 * What a new user meets (issue 12), with screenshots in light, dark and high contrast: the walkthrough, a
 * workspace scan into the Problems view (a test card number gets a hint, not silence), the access panel's
 * summary strip and person view, and a revoke that asks first and can be undone.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { PROTECTED_FILE } from '../../scripts/lib/demo.js';
import { importCliIdentity, THEMES, useTheme } from './steps.js';
import { useWorkbench, type Workbench } from './workbench.js';

const { scenario } = useWorkbench();
const PROTECTED = `${PROTECTED_FILE}.protected`;

/** Takes `<name>-<theme>` in each theme; `show` brings the screen back after a theme switch (or for each shot). */
async function inEveryTheme(wb: Workbench, name: string, show: () => Promise<void>): Promise<void> {
  for (const theme of THEMES) {
    await useTheme(wb, theme);
    await show();
    await wb.screenshot(`${name}-${theme.kind}`);
  }
}

scenario('the walkthrough leads through the first five minutes', async (wb) => {
  await importCliIdentity(wb);
  await wb.runCommand('Welcome: Open Walkthrough...');
  await wb.quickPickItems().filter({ hasText: 'Get Started with Sensitivity Labels' }).first().click();
  const page = wb.page.locator('.gettingStartedContainer');
  await page.getByText('Create your identity').first().waitFor();
  for (const step of ['Label (classify) a file', 'Protect (encrypt) it', 'Share it', 'See who can open what']) await page.getByText(step).first().waitFor();
  await inEveryTheme(wb, 'walkthrough', async () => {
    await page.getByText('Create your identity').first().waitFor();
  });
  await wb.runCommand('View: Close All Editors');
});

scenario('Scan Workspace lists sensitive content in the Problems view', async (wb) => {
  // The roadmap is labeled General; a card number in it needs Confidential.
  await fs.appendFile(join(wb.demo.folder, 'docs/roadmap.md'), '\nCorporate card for the offsite: 4539 1488 0343 6467\n');
  await wb.runCommand('Sensitivity: Scan Workspace for Sensitive Content');
  await wb
    .notification(/Scanned \d+ files: sensitive content in 1 file/)
    .first()
    .waitFor({ timeout: 120_000 });
  await wb.page.locator('.notifications-toasts .monaco-button', { hasText: 'Show Problems' }).first().click();
  const problems = wb.page.locator('.markers-panel .monaco-list-row');
  await problems.filter({ hasText: 'Payment card number' }).first().waitFor();
  assert.match(await problems.filter({ hasText: 'Payment card number' }).first().innerText(), /\*\*\*\* \*\*\*\* \*\*\*\* 6467/);
  await inEveryTheme(wb, 'problems-after-scan', () => problems.first().waitFor());
  // A published test number in an open file: a hint says why it does not count.
  await fs.writeFile(join(wb.demo.folder, 'checkout-test.md'), '# Sandbox\n\nUse card 4111 1111 1111 1111 to test checkout.\n');
  await wb.openFile('checkout-test.md');
  await problems.filter({ hasText: 'a published test card number, not treated as sensitive' }).first().waitFor();
  await wb.runCommand('View: Hide Panel');
  await wb.runCommand('View: Close All Editors');
});

async function openPanel(wb: Workbench): Promise<FrameLocator> {
  await wb.runCommand('Sensitivity: Show Access Panel');
  const panel = wb.webview();
  await panel.locator(`vscode-data-grid-row[data-path="${PROTECTED}"] .person`).nth(1).waitFor();
  return panel;
}

scenario('the access panel sums up the workspace and shows what one person can open', async (wb) => {
  await wb.runCommand('View: Close Primary Side Bar');
  const panel = await openPanel(wb);
  const summary = panel.locator('#summary');
  // The forecast, and notes.md, which its label (Confidential / All Employees) protected.
  await summary.locator('#summary-protected .value', { hasText: '2' }).waitFor();
  assert.equal(await summary.locator('#summary-outranked .value').innerText(), '1', 'the roadmap holds a card number above its label');
  assert.ok((await summary.locator('.label-count').count()) >= 3, 'files per label');
  // The person view: what Bob can open, and with which rights.
  await panel.locator('#filter-person').click();
  await panel.locator('vscode-option', { hasText: 'Bob Example' }).click();
  const view = panel.locator('#person-view');
  await view.locator('h2', { hasText: 'What Bob Example can open' }).waitFor();
  assert.ok((await view.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')))).includes(PROTECTED));
  assert.match(await view.locator(`tbody tr[data-path="${PROTECTED}"]`).innerText(), /Viewer\s+view\b/);
  await inEveryTheme(wb, 'access-panel-summary-person', async () => {
    await panel.locator(`body`).waitFor();
    await view.locator('h2').waitFor();
  });
});

scenario('revoke asks first, says what happens, and can be undone', async (wb) => {
  const panel = wb.webview();
  const dialog = wb.page.locator('.monaco-dialog-box');
  // Asked in each theme and cancelled (the palette does not open over a modal); the last time confirmed.
  for (const [i, theme] of THEMES.entries()) {
    await useTheme(wb, theme);
    await panel.locator('#revoke-all').click();
    await dialog.getByText(/^Stop sharing \d+ files? with Bob Example <bob@example\.com>\?$/).waitFor();
    await wb.screenshot(`revoke-confirmation-${theme.kind}`);
    if (i === THEMES.length - 1) break;
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
  }
  assert.match(await dialog.innerText(), /no longer be able to open: .*finance\/q3-forecast\.md\.protected.*\. Each file is encrypted again with a new key/);
  await dialog.locator('.monaco-button', { hasText: 'Revoke All Access' }).click();
  const row = panel.locator(`vscode-data-grid-row[data-path="${PROTECTED}"]`);
  await row.locator('.person', { hasText: 'Bob Example' }).waitFor({ state: 'detached' });
  await wb
    .notification(/Stopped sharing \d+ files? with Bob Example/)
    .first()
    .waitFor();
  await wb.screenshot('revoke-result-with-undo');
  await wb.page.locator('.notifications-toasts .monaco-button', { hasText: 'Undo' }).first().click();
  await row.locator('.person', { hasText: 'Bob Example' }).waitFor();
  assert.match(await row.locator('.person', { hasText: 'Bob Example' }).innerText(), /Viewer/);
});
