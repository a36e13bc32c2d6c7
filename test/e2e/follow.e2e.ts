/**
 * Labels follow the content, with the keyboard in a real VS Code (the packaged .vsix, the demo workspace;
 * you are Alice): copying from the Highly Confidential forecast and pasting into the General roadmap offers
 * to raise the roadmap's label, and the offer raises it.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { PROTECTED_FILE } from '../../scripts/lib/demo.js';
import { importCliIdentity } from './steps.js';
import { useWorkbench } from './workbench.js';

const { scenario } = useWorkbench();

scenario('import the identity the CLI created (palette)', importCliIdentity);

scenario('a paste from Highly Confidential into General offers to raise the label, and raises it', async (wb) => {
  const { page } = wb;
  await (await wb.explorerItem(`${PROTECTED_FILE}.protected`)).dblclick();
  await page.locator('.editor-group-container .tab.active', { hasText: 'q3-forecast.md' }).waitFor();
  const forecast = page.locator('.monaco-editor .view-lines', { hasText: 'EMEA' }).first();
  await forecast.waitFor();
  await forecast.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+C');

  await (await wb.explorerItem('docs/roadmap.md')).dblclick();
  await page.locator('.editor-group-container .tab.active', { hasText: 'roadmap.md' }).waitFor();
  const status = wb.statusBarItem();
  await status.filter({ hasText: 'General' }).waitFor();
  await page.locator('.monaco-editor .view-lines', { hasText: 'Roadmap' }).first().click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Control+V');
  await page.locator('.monaco-editor .view-lines', { hasText: 'EMEA' }).first().waitFor();

  const offer = wb.notification(/The pasted text comes from a Highly Confidential \/ Specific People file; docs\/roadmap\.md is General/).first();
  await offer.waitFor();
  await wb.screenshot('paste-offers-label');
  await page.locator('.notifications-toasts .monaco-button', { hasText: 'Raise Label to Highly Confidential / Specific People' }).first().click();
  await status.filter({ hasText: 'Highly Confidential' }).waitFor();
  const manifest = JSON.parse(await fs.readFile(join(wb.demo.folder, '.sensitivity/labels.json'), 'utf8')) as { files: Record<string, { label: string }> };
  assert.equal(manifest.files['docs/roadmap.md']?.label, 'highly-confidential-specific-people');
  await wb.screenshot('paste-raised-label');
});
