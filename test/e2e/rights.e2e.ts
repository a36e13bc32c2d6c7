/**
 * Only what you may do (issue 22): on a file Bob protected and lets you (Alice) only view, the Explorer offers
 * no Unprotect, no Share or Revoke and no Change Expiry; on a file you own it offers them. Screenshot: rights-menu-viewer.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { CLI, PROTECTED_FILE } from '../../scripts/lib/demo.js';
import { importCliIdentity } from './steps.js';
import { exactly, useWorkbench, type Workbench } from './workbench.js';

const { scenario } = useWorkbench();

/** The entries of a file's Explorer context menu and of its Sensitivity submenu, once `ready` says the menu is settled. */
async function menuOf(wb: Workbench, path: string, ready: (entries: string[]) => boolean): Promise<string[]> {
  // The rights come from the file's header, read as the Explorer decorates it: reopen until the menu reflects them.
  for (let attempt = 0; ; attempt++) {
    const items = await wb.explorerContextMenu(path);
    await items.filter({ hasText: exactly('Sensitivity') }).hover();
    await wb.page.locator('.context-view .monaco-menu .action-label', { hasText: 'Inspect' }).first().waitFor();
    const entries = (await wb.page.locator('.context-view .monaco-menu .action-label').allInnerTexts()).map((t) => t.trim());
    if (ready(entries) || attempt === 20) return entries;
    await wb.page.keyboard.press('Escape');
    await wb.page.keyboard.press('Escape');
  }
}

scenario('the Explorer offers Unprotect, Share and Change Expiry only where you hold the right', async (wb) => {
  await importCliIdentity(wb);
  // Bob protects a file of his own and lets Alice view it.
  await fs.writeFile(join(wb.demo.folder, 'docs/bob-plan.md'), '# Bob’s plan\n');
  execFileSync(process.execPath, [CLI, 'protect', 'docs/bob-plan.md', '--label', 'Confidential/Specific People', '--grant', 'alice@example.com=Viewer'], {
    cwd: wb.demo.folder,
    env: { PATH: process.env.PATH ?? '', SENSITIVITY_HOME: wb.demo.otherHome },
  });

  const owned = await menuOf(wb, `${PROTECTED_FILE}.protected`, (e) => e.includes('Unprotect (Decrypt)'));
  assert.ok(owned.includes('Unprotect (Decrypt)'), `Unprotect on your own file: ${owned.join(' | ')}`);
  assert.ok(owned.includes('Share (Grant Access)…'), `Share on your own file: ${owned.join(' | ')}`);
  assert.ok(owned.includes('Change Expiry (Extend or End Access)…'), `Change Expiry on your own file: ${owned.join(' | ')}`);
  await wb.page.keyboard.press('Escape');
  await wb.page.keyboard.press('Escape');

  const viewer = await menuOf(wb, 'docs/bob-plan.md.protected', () => true);
  await wb.screenshot('rights-menu-viewer');
  assert.ok(viewer.includes('Apply Label (Classify)…') || viewer.includes('Inspect'), viewer.join(' | '));
  for (const hidden of ['Unprotect (Decrypt)', 'Share (Grant Access)…', 'Change Expiry (Extend or End Access)…'])
    assert.ok(!viewer.includes(hidden), `${hidden} offered to a Viewer: ${viewer.join(' | ')}`);
  await wb.page.keyboard.press('Escape');
  await wb.page.keyboard.press('Escape');
});
