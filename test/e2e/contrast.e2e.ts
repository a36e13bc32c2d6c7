/**
 * Contrast measured from screenshots (issue 22): in each of the six built-in themes, switched live one after
 * the other with the access panel open, every text of the panel (chips, counts, warnings, refusals, names,
 * buttons) and every label badge in the Explorer reads at 4.5:1 or more against what it is drawn on, as the
 * pixels say: VS Code's 75% badge opacity, a chip's stale text color after a switch, a faint theme color all
 * show up here. Run as a newcomer, so a protected file shows "No access"; one file expires within 7 days and
 * one holds content above its label, so both warnings are drawn.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, PROTECTED_FILE, PROTECTED_LABEL } from '../../scripts/lib/demo.js';
import { cleanEnv } from '../../scripts/lib/processes.js';
import { artifactsDir } from './browser.js';
import { decodePng, hex, measuredContrast, type Box } from './pixels.js';
import { ALL_THEMES, useTheme, type Theme } from './steps.js';
import { useWorkbench, type Workbench } from './workbench.js';

const { scenario } = useWorkbench({ newcomer: true });
const PROTECTED = `${PROTECTED_FILE}.protected`;
/** Explorer rows whose badges are measured: one per label of the demo, a protected one among them. */
const BADGED = ['README.md', 'docs/roadmap.md', 'notes.md.protected', 'src/app.ts.protected', PROTECTED];

interface Measure {
  readonly theme: string;
  readonly what: string;
  readonly ratio: number;
  readonly text: string;
  readonly background: string;
}

/** Every visible element of the panel with text of its own, marked for locating; returns their texts. */
async function markTexts(wb: Workbench): Promise<string[]> {
  return wb
    .webview()
    .locator('body')
    .evaluate((body) => {
      const texts: string[] = [];
      for (const e of body.querySelectorAll<HTMLElement>('*')) {
        e.removeAttribute('data-contrast');
        const own = [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent?.trim());
        const r = e.getBoundingClientRect();
        if (!own || r.width === 0 || r.height === 0 || e.closest('[hidden], [disabled], [aria-hidden="true"]')) continue;
        e.setAttribute('data-contrast', String(texts.length));
        texts.push((e.textContent ?? '').trim().slice(0, 40));
      }
      return texts;
    });
}

/** The badge of an Explorer row: the right end of its label, where VS Code draws the decoration letters. */
async function badgeBox(wb: Workbench, path: string): Promise<Box> {
  const label = (await wb.explorerItem(path)).locator('.monaco-icon-label').first();
  const box = await label.boundingBox();
  assert.ok(box, `${path} is on screen`);
  return { x: box.x + box.width - 44, y: box.y, width: 40, height: box.height };
}

async function measureTheme(wb: Workbench, theme: Theme): Promise<Measure[]> {
  const frame = wb.webview();
  // The webview follows the workbench's theme variables, then chips pick their text color on the next frame.
  const expected = await wb.page.locator('.monaco-workbench').evaluate((e) => getComputedStyle(e).getPropertyValue('--vscode-editor-background').trim());
  await frame.locator('html').evaluate(async (html, want) => {
    for (let i = 0; i < 600 && getComputedStyle(html).getPropertyValue('--vscode-editor-background').trim().toLowerCase() !== want.toLowerCase(); i++)
      await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 3; i++) await new Promise((r) => requestAnimationFrame(r));
  }, expected);
  await wb.page.mouse.move(0, 0);
  const texts = await markTexts(wb);
  assert.ok(texts.some((t) => t === 'No access') && texts.some((t) => /^Highly Confidential/.test(t)), `the panel shows its rows: ${texts.join(' | ')}`);
  const boxes: { what: string; box: Box | null }[] = [];
  for (const [i, text] of texts.entries()) boxes.push({ what: `panel "${text}"`, box: await frame.locator(`[data-contrast="${i}"]`).boundingBox() });
  for (const path of BADGED) boxes.push({ what: `badge of ${path}`, box: await badgeBox(wb, path) });
  const shot = await wb.screenshot(`contrast-${theme.kind}`);
  const img = decodePng(await fs.readFile(shot));
  const out: Measure[] = [];
  for (const { what, box } of boxes) {
    const m = box && measuredContrast(img, box);
    if (!m) continue;
    if (what.startsWith('badge')) assert.ok(m.ratio > 1.5, `${what} in ${theme.name}: a badge is drawn (${m.ratio.toFixed(2)})`);
    out.push({ theme: theme.name, what, ratio: Math.round(m.ratio * 100) / 100, text: hex(m.text), background: hex(m.background) });
  }
  return out;
}

scenario('every panel text and Explorer badge reads at 4.5:1 in all six built-in themes, switched live', async (wb) => {
  // A file expiring within 7 days (as Alice, with the CLI) and content above its label: both warnings drawn.
  execFileSync(process.execPath, [CLI, 'protect', 'src/app.ts', '--label', PROTECTED_LABEL, '--grant', 'bob@example.com=Viewer', '--expires', '3d'], {
    cwd: wb.demo.folder,
    env: cleanEnv({ SENSITIVITY_HOME: wb.demo.home }),
  });
  await wb.runCommand('File: Refresh Explorer');
  await fs.appendFile(join(wb.demo.folder, 'docs/roadmap.md'), '\nCorporate card for the offsite: 4539 1488 0343 6467\n');
  await wb.runCommand('Sensitivity: Scan Workspace for Sensitive Content');
  await wb
    .notification(/Scanned \d+ files: sensitive content in 1 file/)
    .first()
    .waitFor({ timeout: 120_000 });
  await wb.runCommand('Notifications: Clear All Notifications');
  for (const path of BADGED) await wb.explorerItem(path);
  await wb.runCommand('Sensitivity: Show Access Panel');
  const panel = wb.webview();
  await panel.locator(`vscode-data-grid-row[data-path="${PROTECTED}"] .denied`).waitFor();
  await panel.locator('#summary-expiring.warn').waitFor();
  await panel.locator('#summary-outranked.warn').waitFor();

  // Each theme switched to live with the panel open, and Dark Modern again at the end (the summary chips kept
  // a light theme's text color there).
  const order = [...ALL_THEMES, ALL_THEMES.find((t) => t.name === 'Dark Modern')!];
  const all: Measure[] = [];
  for (const [i, theme] of order.entries()) {
    await useTheme(wb, theme);
    all.push(...(await measureTheme(wb, i === order.length - 1 ? { ...theme, kind: `${theme.kind}-again` } : theme)));
  }
  writeFileSync(join(artifactsDir('e2e'), 'contrast.json'), JSON.stringify(all, null, 2));
  for (const theme of new Set(all.map((m) => m.theme))) {
    const mine = all.filter((m) => m.theme === theme);
    const lowest = mine.reduce((a, b) => (b.ratio < a.ratio ? b : a));
    console.log(`contrast ${theme}: ${mine.length} texts and badges, lowest ${lowest.ratio}:1 (${lowest.what}, ${lowest.text} on ${lowest.background})`);
  }
  assert.ok(all.length >= order.length * 20, `measured ${all.length} texts`);
  assert.deepEqual(
    all.filter((m) => m.ratio < 4.5).map((m) => `${m.theme}: ${m.what} ${m.ratio}:1 (${m.text} on ${m.background})`),
    [],
  );
});
