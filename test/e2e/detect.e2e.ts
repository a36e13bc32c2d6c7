/**
 * Sensitive content as people see it (packaged .vsix, demo workspace, you are Alice): a card number typed
 * into a General file is underlined, listed in the Problems panel and explained on hover, and the quick
 * fix applies the label the content needs (which protects the file: who else may open it is asked first). Screenshots: detect-hover, detect-problems-panel,
 * detect-quick-fix-applied.
 */
import * as assert from 'node:assert/strict';
import { exactly, useWorkbench } from './workbench.js';

const { scenario } = useWorkbench();

/** A Luhn-valid Visa number in a real issuer range (made up). */
const CARD = '4539 1488 0343 6467';
const MESSAGE = 'Payment card number (**** **** **** 6467) — this file should be at least Confidential (it is General)';

scenario('import the identity the CLI created (palette)', async (wb) => {
  assert.ok(wb.demo.labeled, `the demo has no labels: ${wb.demo.note ?? ''}`);
  await wb.runCommand('Sensitivity: Import My Identity…');
  await wb.quickPickItems().filter({ hasText: "The CLI's identity" }).first().click();
  await wb
    .notification(/Imported your identity Alice Example/)
    .first()
    .waitFor();
});

scenario('a typed card number is underlined and explained on hover', async (wb) => {
  await wb.openFile('docs/roadmap.md');
  await wb.statusBarItem().filter({ hasText: 'General' }).waitFor();
  const editor = wb.page.locator('.editor-group-container .monaco-editor').first();
  await editor.locator('.view-lines').click();
  await wb.page.keyboard.press('Control+End');
  await wb.page.keyboard.press('Enter');
  await wb.page.keyboard.type(`Customer card number: ${CARD}`);
  const squiggle = editor.locator('.squiggly-warning').first();
  await squiggle.waitFor();
  const hover = await wb.hoverFor(squiggle, 'this file should be at least Confidential', { force: true });
  assert.match(await hover.innerText(), /\*\*\*\* \*\*\*\* \*\*\*\* 6467/);
  assert.doesNotMatch(await hover.innerText(), /4539/);
  await wb.screenshot('detect-hover');
  await wb.page.keyboard.press('Escape');
});

scenario('the Problems panel lists the finding', async (wb) => {
  await wb.runCommand('View: Toggle Problems');
  const row = wb.page.locator('.markers-panel .monaco-list-row', { hasText: 'Payment card number' }).first();
  await row.waitFor();
  assert.match(await row.innerText(), /should be at least Confidential/);
  await wb.screenshot('detect-problems-panel');
});

scenario('the quick fix applies the label the content needs', async (wb) => {
  const editor = wb.page.locator('.editor-group-container .monaco-editor').first();
  const hover = await wb.hoverFor(editor.locator('.squiggly-warning').first(), MESSAGE.slice(0, 20), { force: true });
  await hover.locator('.action-container', { hasText: 'Quick Fix' }).first().click();
  const fix = wb.page.locator('.action-widget .monaco-list-row', { hasText: exactly('Apply label Confidential / All Employees') }).first();
  await fix.waitFor();
  await wb.screenshot('detect-quick-fix-menu');
  await wb.runMenuItem(fix);
  // The label protects: who else may open the file is asked (its default grants shown), then the file is protected.
  await wb.page.locator('.quick-input-widget .quick-input-title', { hasText: 'Confidential / All Employees Protects roadmap.md' }).waitFor();
  await wb.page.keyboard.press('Enter');
  await wb.statusBarItem().filter({ hasText: 'Confidential / All Employees' }).waitFor();
  // The finding stays listed, as information now that the label fits.
  await editor.locator('.squiggly-info').first().waitFor();
  await wb.screenshot('detect-quick-fix-applied');
});
