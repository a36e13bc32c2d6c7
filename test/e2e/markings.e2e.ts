/**
 * Content markings (issue 22), in the packaged extension on the demo workspace (you are Alice; the demo's policy
 * marks Confidential and Highly Confidential): a label with markings chosen in the picker writes its header and
 * footer comments into the file (inside the encrypted content: that label protects) and shows the editor banner;
 * relabelling from the status bar to Public, which has none, takes them away again, leaving the original bytes.
 * The banner's text is measured from screenshots at 4.5:1 or more in all six built-in themes. Screenshots:
 * markings-confidential, markings-removed, markings-banner-<theme>.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../../scripts/lib/demo.js';
import { cleanEnv } from '../../scripts/lib/processes.js';
import { decodePng, hex, measuredContrast, type Box } from './pixels.js';
import { ALL_THEMES, importCliIdentity, useTheme } from './steps.js';
import { exactly, useWorkbench, type Workbench } from './workbench.js';

const { scenario } = useWorkbench();

const SCRIPT = 'src/deploy.sh';
const ORIGINAL = '#!/bin/sh\necho "deploying"\n';
const LABEL = 'Confidential / Specific People';
const HEADER = `# [sensitivity:header] CONFIDENTIAL: ${LABEL}. Internal use only; do not forward.`;
const FOOTER = `# [sensitivity:footer] Classified ${LABEL}`;

/** The plaintext of a protected file of the demo, as Alice's CLI reads it. */
const plaintext = (wb: Workbench, path: string) =>
  execFileSync(process.execPath, [CLI, 'cat', path], { cwd: wb.demo.folder, env: cleanEnv({ SENSITIVITY_HOME: wb.demo.home }), encoding: 'utf8' });

/** Waits until `path` exists in the demo workspace. */
async function appears(wb: Workbench, path: string): Promise<void> {
  const full = join(wb.demo.folder, path);
  for (let i = 0; i < 600 && !existsSync(full); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(full), `${path} to appear`);
}

/**
 * The banner drawn in the active editor: the decoration whose `before` content names the label, and the box it is
 * drawn in (page coordinates); undefined while there is none. VS Code draws `before` text as CSS generated content,
 * so it is found by its computed style, not its DOM text.
 */
async function banner(wb: Workbench): Promise<{ text: string; box: Box } | undefined> {
  const editor = wb.page.locator('.editor-group-container .monaco-editor').first();
  return editor.evaluate((e) => {
    for (const span of e.querySelectorAll<HTMLElement>('.view-lines span')) {
      const content = getComputedStyle(span, '::before').content;
      if (!content.includes('Sensitivity: ')) continue;
      const r = span.getBoundingClientRect();
      return { text: content, box: { x: r.x, y: r.y, width: r.width, height: r.height } };
    }
    return undefined;
  });
}

/** Waits until the active editor's banner is `present` (and, when given, names `label`). */
async function bannerState(wb: Workbench, present: boolean, label?: string): Promise<{ text: string; box: Box } | undefined> {
  for (let i = 0; i < 600; i++) {
    const b = await banner(wb);
    if (present ? b !== undefined && (!label || b.text.includes(label)) : b === undefined) return b;
    await wb.page.waitForTimeout(100);
  }
  throw new Error(`the banner ${present ? `naming ${label ?? 'a label'} never showed` : 'never went away'}: ${(await banner(wb))?.text ?? 'none'}`);
}

scenario('import the identity the CLI created (palette)', importCliIdentity);

scenario('a label with markings from the picker: header, footer and banner; relabelled to Public: all gone', async (wb) => {
  await fs.writeFile(join(wb.demo.folder, SCRIPT), ORIGINAL);
  await wb.openFile(SCRIPT);
  await wb.runCommand('Sensitivity: Apply Label (Classify)…');
  await wb.quickPickItems().filter({ hasText: LABEL }).first().click();
  // That label protects: who else may open it? Nobody (Enter).
  await wb.page.locator('.quick-input-widget .quick-input-title', { hasText: `${LABEL} Protects` }).waitFor();
  await wb.page.keyboard.press('Enter');
  await appears(wb, `${SCRIPT}.protected`);

  // The protected file's editor shows the markings, inside the encrypted content only, with the shebang first.
  const editor = wb.page.locator('.editor-group-container .monaco-editor').first();
  await editor.locator('.view-lines', { hasText: '[sensitivity:header] CONFIDENTIAL' }).waitFor();
  await editor.locator('.view-lines', { hasText: '[sensitivity:footer] Classified' }).waitFor();
  assert.equal(plaintext(wb, `${SCRIPT}.protected`), `#!/bin/sh\n${HEADER}\necho "deploying"\n${FOOTER}\n`);
  assert.ok(!(await fs.readFile(join(wb.demo.folder, `${SCRIPT}.protected`))).includes('[sensitivity:header]'), 'no marking in the clear');
  const shown = await bannerState(wb, true, LABEL);
  assert.match(shown!.text, /Sensitivity: Confidential \/ Specific People/);
  await wb.statusBarItem().filter({ hasText: LABEL }).waitFor();
  await wb.screenshot('markings-confidential');

  // Public has no markings: lowering the label (confirmed, with a reason) removes them and the banner.
  await wb.statusBarItem().filter({ hasText: LABEL }).click();
  await wb
    .quickPickItems()
    .filter({ has: wb.page.locator('.label-name', { hasText: exactly('Public') }) })
    .first()
    .click();
  await wb.page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Lower the Label' }).click();
  await wb.quickPickItems().filter({ hasText: 'Previous label was incorrect' }).first().click();
  await wb.statusBarItem().filter({ hasText: 'Public' }).waitFor();
  await editor.locator('.view-lines', { hasText: '[sensitivity:' }).waitFor({ state: 'detached' });
  await editor.locator('.view-lines', { hasText: 'deploying' }).waitFor();
  await bannerState(wb, false);
  assert.equal(plaintext(wb, `${SCRIPT}.protected`), ORIGINAL, 'the original bytes are back');
  await wb.screenshot('markings-removed');
});

scenario('the banner reads at 4.5:1 or more in all six built-in themes, as drawn', async (wb) => {
  await (await wb.explorerItem('notes.md.protected')).dblclick();
  await wb.page.locator('.editor-group-container .tab.active', { hasText: 'notes.md' }).waitFor();
  await bannerState(wb, true, 'Confidential / All Employees');
  const measured: string[] = [];
  for (const theme of ALL_THEMES) {
    await useTheme(wb, theme);
    const b = await bannerState(wb, true);
    await wb.page.mouse.move(0, 0);
    const img = decodePng(await fs.readFile(await wb.screenshot(`markings-banner-${theme.kind}`)));
    const m = measuredContrast(img, b!.box);
    assert.ok(m, `the banner is on screen in ${theme.name}`);
    measured.push(`${theme.name}: ${m.ratio.toFixed(2)}:1 (${hex(m.text)} on ${hex(m.background)})`);
    assert.ok(m.ratio >= 4.5, measured.at(-1));
  }
  console.log(`banner contrast: ${measured.join('; ')}`);
});
