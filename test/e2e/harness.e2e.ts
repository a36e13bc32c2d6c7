/**
 * The harness proves itself on what the extension has from day one: a palette command, the status bar
 * item, the explorer context menu (docs/TESTING.md lists what these tests rely on).
 */
import * as assert from 'node:assert/strict';
import { exactly, useWorkbench } from './workbench.js';

const { scenario } = useWorkbench();

scenario('palette runs Show My Identity', async (wb) => {
  await wb.runCommand('Sensitivity: Show My Identity');
  await wb.notificationFrom('Sensitivity Labels').first().waitFor();
});

scenario('status bar shows the label item on a labeled file', async (wb) => {
  await wb.openFile('docs/roadmap.md');
  const item = wb.statusBarItem();
  await item.waitFor();
  assert.notEqual((await item.innerText()).trim(), '', 'the status bar item has no text');
  assert.ok(await item.getAttribute('aria-label'), 'the status bar item has no accessible label');
});

scenario('explorer context menu offers Apply Label', async (wb) => {
  const items = await wb.explorerContextMenu('docs/roadmap.md');
  const apply = items.filter({ hasText: exactly('Apply Label (Classify)…') });
  await apply.waitFor();
  await wb.screenshot('explorer-context-menu-open');
  await wb.runMenuItem(apply);
  await wb.quickPickItems().filter({ hasText: 'Confidential' }).first().waitFor();
  await wb.screenshot('apply-label-quick-pick');
  await wb.page.keyboard.press('Escape');
});

scenario('access panel webview lists and filters the demo files', async (wb) => {
  assert.ok(wb.demo.labeled, `the demo has no labels: ${wb.demo.note ?? ''}`);
  await wb.runCommand('Sensitivity: Show Access Panel');
  const panel = wb.webview();
  const rows = panel.locator('vscode-data-grid-row[data-path]');
  await panel.locator('vscode-data-grid-row[data-path="notes.md.protected"]').waitFor();
  await panel.locator('vscode-data-grid-row[data-path="docs/roadmap.md"]').waitFor();
  await wb.screenshot('access-panel');
  // Typing goes into the text field's shadow-DOM input (Playwright's CSS pierces open shadow roots).
  await panel.locator('#filter-text input').fill('roadmap');
  await panel.locator('vscode-data-grid-row[data-path="notes.md.protected"]').waitFor({ state: 'detached' });
  assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-path'))), ['docs/roadmap.md']);
});
