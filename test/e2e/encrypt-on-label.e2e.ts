/**
 * Labels that do what they say (issue 22), in the packaged extension on the demo workspace (you are Alice): a
 * label whose protection is required protects the file in the same gesture — from the Explorer's Apply Label,
 * from the status bar (cancelled first: nothing applied) and from a quick fix — and a credential's quick fix
 * moves the secret out of the source into a git-ignored `.env`. Screenshots: encrypt-on-label-people,
 * encrypt-on-label-protected, move-secret-menu, move-secret-done.
 */
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { importCliIdentity } from './steps.js';
import { exactly, useWorkbench, type Workbench } from './workbench.js';

const { scenario } = useWorkbench();

/** A made-up AWS access key id of the right shape (not a published sample). */
const AWS_KEY = 'AKIAQWERTYUIOPASDF23';

/** Waits until `path` exists (or no longer does) in the demo workspace. */
async function fileState(wb: Workbench, path: string, present: boolean): Promise<void> {
  const full = join(wb.demo.folder, path);
  for (let i = 0; i < 600 && existsSync(full) !== present; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(existsSync(full), present, `${path} ${present ? 'to appear' : 'to go'}`);
}

/** The people question of the encrypt-on-label flow, with the label's default grants in its placeholder. */
const peopleStep = (wb: Workbench, label: string) => wb.page.locator('.quick-input-widget .quick-input-title', { hasText: `${label} Protects` });

scenario('import the identity the CLI created (palette)', importCliIdentity);

scenario('Apply Label from the Explorer with a label that protects: the file is protected in the same gesture', async (wb) => {
  const items = await wb.explorerContextMenu('docs/roadmap.md');
  await wb.runMenuItem(items.filter({ hasText: exactly('Apply Label (Classify)…') }));
  await wb.quickPickItems().filter({ hasText: 'Confidential / Specific People' }).first().click();
  await peopleStep(wb, 'Confidential / Specific People').waitFor();
  const placeholder = await wb.page.locator('.quick-input-widget input').getAttribute('placeholder');
  assert.match(placeholder ?? '', /grants nobody else besides you \(Co-Owner\)/);
  await wb.screenshot('encrypt-on-label-people');
  await wb.page.keyboard.press('Enter'); // nobody else
  await fileState(wb, 'docs/roadmap.md.protected', true);
  await fileState(wb, 'docs/roadmap.md', false);
  await wb.explorerItem('docs/roadmap.md.protected');
  await wb.screenshot('encrypt-on-label-protected');
});

scenario('from the status bar: cancelling the people question applies nothing; finishing protects', async (wb) => {
  await wb.openFile('README.md');
  const item = wb.statusBarItem().filter({ hasText: 'Public' });
  await item.click();
  await wb.quickPickItems().filter({ hasText: 'Highly Confidential / Specific People' }).first().click();
  await peopleStep(wb, 'Highly Confidential / Specific People').waitFor();
  await wb.page.keyboard.press('Escape');
  await wb.statusBarItem().filter({ hasText: 'Public' }).waitFor();
  assert.ok(existsSync(join(wb.demo.folder, 'README.md')), 'cancelled: still plain');
  const labels = JSON.parse(await fs.readFile(join(wb.demo.folder, '.sensitivity/labels.json'), 'utf8')) as { files: Record<string, { label: string }> };
  assert.equal(labels.files['README.md']?.label, 'public', 'cancelled: the label is not applied');

  await wb.statusBarItem().filter({ hasText: 'Public' }).click();
  await wb.quickPickItems().filter({ hasText: 'Highly Confidential / Specific People' }).first().click();
  await peopleStep(wb, 'Highly Confidential / Specific People').waitFor();
  await wb.page.keyboard.press('Enter');
  await fileState(wb, 'README.md.protected', true);
  await wb.statusBarItem().filter({ hasText: 'Highly Confidential / Specific People' }).waitFor();
});

scenario('a credential in code: the quick fix moves it to a git-ignored .env read by the code', async (wb) => {
  await fs.writeFile(join(wb.demo.folder, 'src/config.ts'), `export const awsAccessKey = "${AWS_KEY}";\n`);
  await wb.openFile('src/config.ts');
  const editor = wb.page.locator('.editor-group-container .monaco-editor').first();
  const squiggle = editor.locator('.squiggly-warning').first();
  await squiggle.waitFor();
  const hover = await wb.hoverFor(squiggle, 'AWS access key', { force: true });
  await hover.locator('.action-container', { hasText: 'Quick Fix' }).first().click();
  const menu = wb.page.locator('.action-widget .monaco-list-row');
  await menu.filter({ hasText: 'Apply label Highly Confidential / Specific People' }).first().waitFor();
  assert.equal(await menu.filter({ hasText: 'All Employees' }).count(), 0, 'no fix hands the secret to everyone');
  const move = menu.filter({ hasText: 'Move this secret to .env as AWS_ACCESS_KEY' }).first();
  await move.waitFor();
  await wb.screenshot('move-secret-menu');
  await wb.runMenuItem(move);
  await editor.locator('.view-lines', { hasText: 'process.env.AWS_ACCESS_KEY' }).waitFor();
  await wb.page.keyboard.press('Control+S');
  await editor.locator('.squiggly-warning').waitFor({ state: 'detached' });
  await fileState(wb, '.env', true);
  assert.equal(await fs.readFile(join(wb.demo.folder, '.env'), 'utf8'), `AWS_ACCESS_KEY=${AWS_KEY}\n`);
  assert.match(await fs.readFile(join(wb.demo.folder, '.gitignore'), 'utf8'), /^\.env$/m);
  assert.doesNotMatch(await fs.readFile(join(wb.demo.folder, 'src/config.ts'), 'utf8'), /AKIA/);
  await wb.screenshot('move-secret-done');
});

scenario('the quick fix that applies a label that protects asks who else may open the file, then protects it', async (wb) => {
  await fs.writeFile(join(wb.demo.folder, 'src/keys.ts'), `export const key = "${AWS_KEY}";\n`);
  await wb.openFile('src/keys.ts');
  const editor = wb.page.locator('.editor-group-container .monaco-editor').first();
  const hover = await wb.hoverFor(editor.locator('.squiggly-warning').first(), 'AWS access key', { force: true });
  await hover.locator('.action-container', { hasText: 'Quick Fix' }).first().click();
  await wb.runMenuItem(wb.page.locator('.action-widget .monaco-list-row', { hasText: 'Apply label Highly Confidential / Specific People' }).first());
  await peopleStep(wb, 'Highly Confidential / Specific People').waitFor();
  await wb.page.keyboard.press('Enter');
  await fileState(wb, 'src/keys.ts.protected', true);
  await fileState(wb, 'src/keys.ts', false);
});
