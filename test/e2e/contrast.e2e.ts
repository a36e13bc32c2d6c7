/**
 * Contrast measured from screenshots (issue 22): in each of the six built-in themes, switched live one after
 * the other with the access panel open, every text of the panel (chips, counts, warnings, refusals, names,
 * buttons) and every label badge in the Explorer reads at 4.5:1 or more against what it is drawn on, as the
 * pixels say: VS Code's 75% badge opacity, a chip's stale text color after a switch, a faint theme color all
 * show up here. The audit view's texts (issue 22) too, with a refused open and a broken chain drawn in red.
 * Run as a newcomer, so a protected file shows "No access"; one file expires within 7 days and
 * one holds content above its label, so both warnings are drawn.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, PROTECTED_FILE, PROTECTED_LABEL } from '../../scripts/lib/demo.js';
import { cleanEnv } from '../../scripts/lib/processes.js';
import { appendAudit } from '../../src/node/audit-log.js';
import { artifactsDir } from './browser.js';
import { decodePng, hex, measuredContrast, type Box } from './pixels.js';
import { ALL_THEMES, useTheme, type Theme } from './steps.js';
import { useWorkbench, type Workbench } from './workbench.js';

const { scenario } = useWorkbench({ newcomer: true });
const PROTECTED = `${PROTECTED_FILE}.protected`;
/**
 * Explorer rows whose badges are measured: each label of the demo, protected ones among them. Not
 * docs/roadmap.md: its warning (content above its label) makes VS Code draw its badge in the theme's own
 * list.warningForeground, which is not ours (3.3:1 at 75% in Light Modern).
 */
const BADGED = ['README.md', 'notes.md.protected', 'src/app.ts.protected', PROTECTED];

interface Measure {
  readonly theme: string;
  readonly what: string;
  readonly ratio: number;
  readonly text: string;
  readonly background: string;
}

/** A text of the panel and the tight box of its glyphs (frame coordinates). */
interface PanelText extends Box {
  readonly text: string;
}

/**
 * Every visible text of the panel, with the box of its own text nodes only (a Range's rectangle: inside a
 * chip's padding, clear of its rounded corners, where the page behind would pass for the text's color).
 */
async function panelTexts(wb: Workbench): Promise<PanelText[]> {
  return wb
    .webview()
    .locator('body')
    .evaluate((body) => {
      const texts: { text: string; x: number; y: number; width: number; height: number }[] = [];
      for (const e of body.querySelectorAll<HTMLElement>('*')) {
        if (e.closest('[hidden], [disabled], [aria-hidden="true"]')) continue;
        for (const n of e.childNodes) {
          if (n.nodeType !== Node.TEXT_NODE || !n.textContent?.trim()) continue;
          const range = document.createRange();
          range.selectNodeContents(n);
          const r = range.getBoundingClientRect();
          // Only what is on screen: a row scrolled out of the panel is not drawn (its box would measure whatever lies there).
          if (r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth)
            texts.push({ text: n.textContent.trim().slice(0, 40), x: r.x, y: r.y, width: r.width, height: r.height });
        }
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

/** What a measured webview must show before it is measured, and the Explorer badges measured beside it. */
interface Measured {
  readonly name: string;
  shows(texts: readonly PanelText[]): boolean;
  readonly badged: readonly string[];
}

const PANEL: Measured = {
  name: 'panel',
  shows: (texts) => texts.some((t) => t.text === 'No access') && texts.some((t) => /^Highly Confidential/.test(t.text)),
  badged: BADGED,
};

async function measureTheme(wb: Workbench, theme: Theme, view: Measured = PANEL): Promise<Measure[]> {
  const frame = wb.webview();
  // The webview follows the workbench's theme variables, then chips pick their text color on the next frame.
  const expected = await wb.page.locator('.monaco-workbench').evaluate((e) => getComputedStyle(e).getPropertyValue('--vscode-editor-background').trim());
  await frame.locator('html').evaluate(async (html, want) => {
    for (let i = 0; i < 600 && getComputedStyle(html).getPropertyValue('--vscode-editor-background').trim().toLowerCase() !== want.toLowerCase(); i++)
      await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 3; i++) await new Promise((r) => requestAnimationFrame(r));
  }, expected);
  await wb.page.mouse.move(0, 0);
  const texts = await panelTexts(wb);
  assert.ok(view.shows(texts), `the ${view.name} shows its rows: ${texts.map((t) => t.text).join(' | ')}`);
  // Frame coordinates to the page's: where the frame's top left corner is.
  const origin = await frame.locator('body').evaluate((b) => ({ x: b.getBoundingClientRect().x, y: b.getBoundingClientRect().y }));
  const body = await frame.locator('body').boundingBox();
  assert.ok(body, 'the panel is on screen');
  const boxes: { what: string; box: Box | null }[] = texts.map((t) => ({
    what: `${view.name} "${t.text}"`,
    box: { x: t.x - origin.x + body.x, y: t.y - origin.y + body.y, width: t.width, height: t.height },
  }));
  for (const path of view.badged) boxes.push({ what: `badge of ${path}`, box: await badgeBox(wb, path) });
  const shot = await wb.screenshot(view === PANEL ? `contrast-${theme.kind}` : `contrast-${view.name}-${theme.kind}`);
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
  // The Explorer's own refresh (its watcher may lag on a loaded machine): the new file must show its badge.
  await wb.page.locator('.explorer-viewlet .pane-header').first().hover();
  await wb.page.locator('.explorer-viewlet .action-label[aria-label="Refresh Explorer"]').first().click();
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

scenario('every audit view text reads at 4.5:1 in all six built-in themes, a broken chain included', async (wb) => {
  // Your log: entries the real writer appends (one refused open, drawn in the error color), then one edited, so Verify reports a break.
  const log = join(wb.demo.yourHome, 'audit.jsonl');
  const you = { id: 'newcomer-key', email: 'you@example.com' };
  await appendAudit(log, { action: 'label.set', actor: you, file: 'README.md', from: 'public', to: 'general', direction: 'upgrade' }, new Date());
  await appendAudit(log, { action: 'open.denied', actor: you, file: PROTECTED, right: 'VIEW', code: 'E_NOT_GRANTEE' }, new Date());
  await appendAudit(log, { action: 'open', actor: you, file: 'notes.md.protected' }, new Date());
  const lines = (await fs.readFile(log, 'utf8')).trimEnd().split('\n');
  lines[0] = lines[0]!.replace('"README.md"', '"README.txt"');
  await fs.writeFile(log, lines.join('\n') + '\n');
  await wb.runCommand('View: Close All Editors');
  await wb.runCommand('Sensitivity: Show Audit Log');
  const view = wb.webview();
  await view.locator('tr.entry').first().waitFor();
  await view.locator('#verify').click();
  await view.locator('#verdict[data-intact="false"]').waitFor();
  await view.locator('tr.entry .expand').first().click();
  const audit: Measured = {
    name: 'audit',
    shows: (texts) => texts.some((t) => t.text.startsWith('Denied: no access')) && texts.some((t) => t.text.startsWith('The audit log was changed')),
    badged: [],
  };
  const all: Measure[] = [];
  for (const theme of ALL_THEMES) {
    await useTheme(wb, theme);
    all.push(...(await measureTheme(wb, theme, audit)));
  }
  writeFileSync(join(artifactsDir('e2e'), 'contrast-audit.json'), JSON.stringify(all, null, 2));
  assert.ok(all.length >= ALL_THEMES.length * 20, `measured ${all.length} texts`);
  assert.deepEqual(
    all.filter((m) => m.ratio < 4.5).map((m) => `${m.theme}: ${m.what} ${m.ratio}:1 (${m.text} on ${m.background})`),
    [],
  );
});
