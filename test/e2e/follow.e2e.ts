/**
 * Labels follow the content, with the keyboard and mouse in a real VS Code (the packaged .vsix, the demo
 * workspace; you are Alice): the Source Control diff of the protected forecast shows plaintext on both
 * sides, read-only; copying from it and pasting into the General roadmap offers to raise the roadmap's
 * label, and the offer raises it.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as app from '../../src/core/app/index.js';
import { auditPath, readHomeIdentity } from '../../src/node/home.js';
import { auditLogSink, sessionIn } from '../../src/node/session.js';
import { openWorkspace } from '../../src/node/workspace.js';
import { PROTECTED_FILE } from '../../scripts/lib/demo.js';
import { importCliIdentity } from './steps.js';
import { exactly, useWorkbench } from './workbench.js';

const { scenario } = useWorkbench();

scenario('import the identity the CLI created (palette)', importCliIdentity);

scenario('the Source Control diff of a protected file shows plaintext on both sides, read-only', async (wb) => {
  const { page, demo } = wb;
  const git = (...args: string[]) => {
    const r = spawnSync('git', args, {
      cwd: demo.folder,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 'A', GIT_AUTHOR_EMAIL: 'a@example.com', GIT_COMMITTER_NAME: 'A', GIT_COMMITTER_EMAIL: 'a@example.com' },
    });
    assert.equal(r.status, 0, r.stderr);
  };
  // The harness turns git off for quiet runs: this workspace turns it back on.
  await fs.mkdir(join(demo.folder, '.vscode'), { recursive: true });
  await fs.writeFile(join(demo.folder, '.vscode/settings.json'), JSON.stringify({ 'git.enabled': true }));
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'demo');
  // Alice edits the forecast as her editor would save it (re-encrypted in place).
  const s = sessionIn(openWorkspace(demo.folder), await readHomeIdentity(demo.home), auditLogSink(auditPath(demo.home)));
  const rel = `${PROTECTED_FILE}.protected`;
  const before = new TextDecoder().decode((await app.open(s, rel)).content);
  await app.save(s, rel, new TextEncoder().encode(before.replace('EMEA | 4.2 M', 'EMEA | 5.1 M')));

  await page.keyboard.press('Control+Shift+G');
  // The row of the file itself: a lagging view may still list the save's temporary file beside it, whose name contains it.
  const change = page.locator('.scm-view .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exactly('q3-forecast.md.protected') }) });
  await change.waitFor({ timeout: 60_000 });
  await change.click();
  await page.locator('.editor-group-container .tab.active', { hasText: 'Working Tree, plaintext' }).waitFor();
  const diff = page.locator('.monaco-diff-editor').first();
  await diff.locator('.editor.original .view-lines', { hasText: '4.2 M' }).waitFor();
  await diff.locator('.editor.modified .view-lines', { hasText: '5.1 M' }).waitFor();
  await wb.screenshot('scm-diff-plaintext');
  // Read-only: typing changes nothing.
  await diff.locator('.editor.modified .view-lines').click();
  await page.keyboard.type('x');
  assert.doesNotMatch(await diff.locator('.editor.modified .view-lines').innerText(), /x/, 'the plaintext side is read-only');
  await page.keyboard.press('Control+Shift+E');
});

scenario('a paste from Highly Confidential into General offers to raise the label, and raises it', async (wb) => {
  const { page } = wb;
  await page.keyboard.press('Control+Shift+E');
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

  // Dismissing the toast does not forget the paste: the pasted range keeps a warning naming the source's label.
  await page.keyboard.press('Escape');
  const editor = page.locator('.editor-group-container .monaco-editor').first();
  const hover = await wb.hoverFor(editor.locator('.squiggly-warning').first(), 'Pasted from', { force: true });
  assert.match(await hover.innerText(), /labeled Highly Confidential \/ Specific People/);
  await wb.screenshot('paste-diagnostic');
  // Keeping the label needs a reason, recorded in the audit log; then the warning goes.
  await hover.locator('.action-container', { hasText: 'Quick Fix' }).first().click();
  await wb.runMenuItem(page.locator('.action-widget .monaco-list-row', { hasText: 'Keep the label (give a reason)…' }).first());
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Keep the Label Under Pasted Text' }).waitFor();
  await page.locator('.quick-input-widget input').fill('Sample figures, already public');
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  await editor.locator('.squiggly-warning').first().waitFor({ state: 'detached' }); // one per pasted line
  const audit = await fs.readFile(join(wb.demo.home, 'audit.jsonl'), 'utf8');
  assert.match(audit, /"action":"paste\.keep".*"justification":"Sample figures, already public"/);

  // Pasted again and raised: the label protects, so who else may open the file is asked, then it is protected.
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Control+V');
  await page.locator('.notifications-toasts .monaco-button', { hasText: 'Raise Label to Highly Confidential / Specific People' }).first().click();
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Highly Confidential / Specific People Protects roadmap.md' }).waitFor();
  await page.keyboard.press('Enter');
  await status.filter({ hasText: 'Highly Confidential' }).waitFor();
  await fs.stat(join(wb.demo.folder, 'docs/roadmap.md.protected'));
  await wb.screenshot('paste-raised-label');
});
