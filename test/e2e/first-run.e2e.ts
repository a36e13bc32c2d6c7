/**
 * The first five minutes as `npm start` gives them (issue 22): a newcomer with no identity opens the demo,
 * which is a git repository with Git on; the walkthrough's identity step takes typing straight into its
 * boxes (no click into them) and is done only once the identity exists, not when its button is clicked; the
 * demo's Alice is someone else, so the panel does not vouch for her.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PROTECTED_FILE } from '../../scripts/lib/demo.js';
import { useWorkbench } from './workbench.js';

const { scenario } = useWorkbench({ newcomer: true, git: true });

scenario('the demo is a git repository, and Git is on', async (wb) => {
  assert.equal(wb.demo.git, undefined, `the demo is a repository: ${wb.demo.git ?? ''}`);
  const log = execFileSync('git', ['log', '--oneline'], { cwd: wb.demo.folder, encoding: 'utf8' });
  assert.match(log, /Demo workspace/);
  assert.equal(execFileSync('git', ['status', '--porcelain'], { cwd: wb.demo.folder, encoding: 'utf8' }), '', 'everything committed');
  // The git extension found the repository: its branch is in the status bar.
  await wb.page.locator('.statusbar-item', { hasText: 'main' }).first().waitFor();
});

scenario('the walkthrough’s identity step takes what you type and is done only when the identity exists', async (wb) => {
  await wb.runCommand('Welcome: Open Walkthrough...');
  await wb.quickPickItems().filter({ hasText: 'Get Started with Sensitivity Labels' }).first().click();
  const page = wb.page.locator('.gettingStartedContainer');
  const done = (step: string) => page.locator(`.codicon[data-done-step-id$="#${step}"]`).first();
  await page.getByText('Create your identity').first().click();
  const create = page.getByRole('button', { name: 'Create My Identity' }).first();
  await create.waitFor();
  assert.equal(await done('identity').getAttribute('aria-checked'), 'false');
  // Clicked, then cancelled: not done.
  await create.click();
  await wb.page.locator('.quick-input-widget', { hasText: 'Create Sensitivity Identity (1/2)' }).waitFor();
  await wb.page.keyboard.press('Escape');
  await wb.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  assert.equal(await done('identity').getAttribute('aria-checked'), 'false', 'a click alone does not complete the step');
  // Typed without clicking into the boxes: each box has the focus when it opens.
  await create.click();
  await wb.page.locator('.quick-input-widget', { hasText: 'Create Sensitivity Identity (1/2)' }).waitFor();
  await wb.page.keyboard.press('Control+A');
  await wb.page.keyboard.type('Carol Newcomer');
  await wb.page.keyboard.press('Enter');
  await wb.page.locator('.quick-input-widget', { hasText: 'Create Sensitivity Identity (2/2)' }).waitFor();
  await wb.page.keyboard.press('Control+A');
  await wb.page.keyboard.type('carol@example.com');
  await wb.page.keyboard.press('Enter');
  await wb
    .notification(/Created your identity Carol Newcomer <carol@example\.com>/)
    .first()
    .waitFor();
  await wb.page.locator('.codicon.complete[data-done-step-id$="#identity"]').first().waitFor();
  await wb.screenshot('walkthrough-identity-done');
  assert.equal(await done('label').getAttribute('aria-checked'), 'false', 'the next steps wait for their own success');
  await wb.runCommand('View: Close All Editors');
});

scenario('the panel does not vouch for the demo’s Alice, whom you never verified', async (wb) => {
  await wb.runCommand('Sensitivity: Show Access Panel');
  const row = wb.webview().locator(`vscode-data-grid-row[data-path="${PROTECTED_FILE}.protected"]`);
  const signed = row.locator('.signer[data-signer="signed"]');
  await signed.waitFor();
  assert.match(await signed.innerText(), /^access signed by an unverified key/);
  assert.doesNotMatch(await row.innerText(), /✓/);
  assert.match(await row.innerText(), /No access/);
  await wb.screenshot('newcomer-access-panel');
});
