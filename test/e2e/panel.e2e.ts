/**
 * The access panel as people use it, in a real VS Code with the packaged extension: open it from the
 * palette, read who can open the demo's protected file (Alice the owner, Bob a viewer), filter by person
 * and label, sort, act from a row, and see the table follow. Screenshots in light, dark and high contrast.
 */
import * as assert from 'node:assert/strict';
import type { FrameLocator, Locator } from 'playwright-core';
import { PROTECTED_FILE } from '../../scripts/lib/demo.js';
import { exactly, useWorkbench, type Workbench } from './workbench.js';

const { scenario } = useWorkbench();
const PROTECTED = `${PROTECTED_FILE}.protected`;

const rowsOf = (panel: FrameLocator) => panel.locator('vscode-data-grid-row[row-type="default"]');
const rowOf = (panel: FrameLocator, path: string) => panel.locator(`vscode-data-grid-row[data-path="${path}"]`);
const pathsOf = (rows: Locator) => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));

/** Picks a color theme through the palette, then waits for the webview to repaint in it. */
async function useTheme(wb: Workbench, theme: string, bodyClass: string): Promise<void> {
  await wb.runCommand('Preferences: Color Theme');
  await wb.page.locator('.quick-input-widget input').fill(theme);
  await wb
    .quickPickItems()
    .filter({ has: wb.page.locator('.label-name', { hasText: exactly(theme) }) })
    .first()
    .waitFor();
  await wb.page.keyboard.press('Enter');
  await wb.webview().locator(`body.${bodyClass}`).waitFor();
}

async function openPanel(wb: Workbench): Promise<FrameLocator> {
  await wb.runCommand('Sensitivity: Show Access Panel');
  const panel = wb.webview();
  await rowOf(panel, PROTECTED).locator('vscode-data-grid-cell').first().waitFor();
  return panel;
}

scenario('access panel lists two people with different roles', async (wb) => {
  assert.ok(wb.demo.labeled, `the demo has no labels: ${wb.demo.note ?? ''}`);
  // More room for the table: the explorer is not needed here.
  await wb.runCommand('View: Close Primary Side Bar');
  const panel = await openPanel(wb);
  // The demo's identity lives in the CLI's home: the panel offers to import it, and then knows who you are.
  await panel.locator('#import-identity').click();
  await wb.quickPickItems().filter({ hasText: "The CLI's identity" }).first().click();
  const row = rowOf(panel, PROTECTED);
  await row.locator('.person .who', { hasText: '(you)' }).waitFor();
  await panel.locator('#import-identity').waitFor({ state: 'detached' });
  const people = row.locator('.person');
  await people.nth(1).waitFor();
  assert.deepEqual(await people.locator('.who').allInnerTexts(), ['Alice Example (you)', 'Bob Example']);
  assert.deepEqual(
    (await people.locator('.role').allInnerTexts()).map((t) => t.split(',')[0]),
    ['Owner', 'Viewer'],
  );
  assert.match(await row.locator('.chip').innerText(), /Highly Confidential/);
  assert.match(await row.innerText(), /Protected/);
  // Issue 9: who signed the access policy and who last wrote the content (your own key: verified), the whole verdict in the tooltip.
  const signed = row.locator('.signer[data-signer="signed"]');
  assert.equal(await signed.innerText(), 'access signed by Alice Example ✓');
  assert.match((await signed.getAttribute('title')) ?? '', /Alice Example <alice@example\.com> \(verified, \d{5}( \d{5}){5}\)/);
  assert.equal(await row.locator('.signer[data-signer="written"]').innerText(), 'last written by Alice Example ✓');
  await row.locator('vscode-button[data-action="changeExpiry"]').waitFor();
  assert.ok((await pathsOf(rowsOf(panel))).length >= 4, 'the labeled demo files are listed');
  await wb.runCommand('Notifications: Clear All Notifications');
  await useTheme(wb, 'Light Modern', 'vscode-light');
  await wb.screenshot('access-panel-light');
  await useTheme(wb, 'Dark Modern', 'vscode-dark');
  await wb.screenshot('access-panel-dark');
  await useTheme(wb, 'Dark High Contrast', 'vscode-high-contrast');
  await wb.screenshot('access-panel-high-contrast');
  await useTheme(wb, 'Dark Modern', 'vscode-dark');
});

scenario('access panel filters by person and label, and sorts', async (wb) => {
  const panel = wb.webview();
  const rows = rowsOf(panel);
  await panel.locator('#filter-text input').fill('bob');
  await rowOf(panel, 'docs/roadmap.md').waitFor({ state: 'detached' });
  // Bob may open both protected files: Viewer of the forecast, Co-Author of the notes (All Employees).
  assert.deepEqual((await pathsOf(rows)).sort(), [PROTECTED, 'notes.md.protected'].sort());
  await panel.locator('#filter-text input').fill('');
  await rowOf(panel, 'docs/roadmap.md').waitFor();

  // The label dropdown: "Confidential" also lists its sublabels (notes.md.protected is Confidential / All Employees).
  await panel.locator('#filter-label').click();
  await panel.locator('#filter-label vscode-option[value="confidential"]').click();
  await rowOf(panel, 'docs/roadmap.md').waitFor({ state: 'detached' });
  assert.deepEqual(await pathsOf(rows), ['notes.md.protected']);
  await wb.screenshot('access-panel-filtered');
  await panel.locator('#filter-label').click();
  await panel.locator('#filter-label vscode-option[value=""]').click();
  await rowOf(panel, 'docs/roadmap.md').waitFor();

  // Label column, most sensitive first after two clicks.
  const header = panel.locator('vscode-data-grid-cell[data-sort="label"]');
  await header.click();
  await panel.locator('vscode-data-grid-cell[data-sort="label"][aria-sort="ascending"]').waitFor();
  assert.equal((await pathsOf(rows))[0], 'README.md', 'Public sorts first');
  await header.click();
  await panel.locator('vscode-data-grid-cell[data-sort="label"][aria-sort="descending"]').waitFor();
  assert.equal((await pathsOf(rows))[0], PROTECTED, 'Highly Confidential sorts first');
});

scenario('access panel state survives hiding the panel', async (wb) => {
  const panel = wb.webview();
  await panel.locator('#filter-text input').fill('alice');
  // Another editor in front destroys the page (not retained); coming back restores filters and sort from setState.
  await wb.openFile('src/app.ts');
  await wb.page.locator('.editor-group-container .tab', { hasText: 'Sensitivity: Access' }).click();
  const restored = wb.webview();
  await rowOf(restored, PROTECTED).locator('vscode-data-grid-cell').first().waitFor();
  assert.equal(await restored.locator('#filter-text').evaluate((e) => (e as HTMLElement & { value: string }).value), 'alice');
  await restored.locator('vscode-data-grid-cell[data-sort="label"][aria-sort="descending"]').waitFor();
  await restored.locator('#filter-text input').fill('');
});

scenario('access panel opens a file and acts from a row', async (wb) => {
  const panel = wb.webview();
  // Open: the protected file opens decrypted in a normal editor (Alice is Co-Owner).
  await rowOf(panel, PROTECTED).locator('vscode-button[data-action="openFile"]').click();
  await wb.page.locator('.editor-group-container .tab.active', { hasText: 'q3-forecast.md' }).waitFor();
  await wb.page.locator('.monaco-editor .view-lines', { hasText: 'EMEA' }).first().waitFor();
  await wb.page.locator('.editor-group-container .tab', { hasText: 'Sensitivity: Access' }).click();

  // Revoke Bob: the extension's command runs, rotates the key, and the row follows the file on disk.
  const again = wb.webview();
  const row = rowOf(again, PROTECTED);
  await row.locator('.person').nth(1).waitFor();
  await row.locator('vscode-button[data-action="revoke"]').click();
  // Nothing destructive without a word: the confirmation says who loses access and that the key changes.
  const dialog = wb.page.locator('.monaco-dialog-box');
  await dialog.getByText(/Revoke access to q3-forecast\.md\.protected for Bob Example/).waitFor();
  assert.match(await dialog.innerText(), /encrypted again with a new key/);
  await dialog.locator('.monaco-button', { hasText: 'Revoke Access' }).click();
  await row.locator('.person', { hasText: 'Bob Example' }).waitFor({ state: 'detached' });
  assert.deepEqual(await row.locator('.person .who').allInnerTexts(), ['Alice Example (you)']);
  await wb.screenshot('access-panel-after-revoke');

  // Grant: the host runs the extension's Grant Access, which asks whom in a quick pick.
  await row.locator('vscode-button[data-action="grant"]').click();
  await wb.quickPickItems().filter({ hasText: 'Bob Example' }).first().waitFor();
  await wb.page.keyboard.press('Escape');
});
