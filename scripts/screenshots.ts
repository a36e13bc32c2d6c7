/**
 * `node --import tsx scripts/screenshots.ts`: retakes the README's pictures from the last UI test run (after
 * `node --import tsx test/e2e/run-e2e.ts tour extension audit`): media/screenshots/*.jpg (scaled to 1120×720 by
 * Chromium, JPEG 80: they are what the README and the extension's page show) and docs/images/extension-*.png
 * (those the run took; the others are named). Fails naming every README picture the run did not take.
 */
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { REPO_ROOT, requireChromium } from './lib/provision.js';

const E2E = join(REPO_ROOT, '.artifacts/e2e');
/** media/screenshots/<name>.jpg ← .artifacts/e2e/<scenario screenshot>.png */
const README_PICTURES: Readonly<Record<string, string>> = {
  walkthrough: 'walkthrough-light',
  'access-panel-person-view': 'access-panel-summary-person-light',
  'revoke-confirmation': 'revoke-confirmation-dark',
  'scan-problems': 'problems-after-scan-light',
  'protected-file-open': 'protected-file-open',
  'label-picker': 'label-picker',
  'explorer-badges': 'explorer-protected-badge',
  'protected-file-denied': 'protected-file-denied',
  'status-bar': 'status-bar-label',
  'audit-view': 'audit-view',
};

async function main(): Promise<void> {
  const docs = join(REPO_ROOT, 'docs/images');
  const more = readdirSync(docs)
    .filter((f) => f.startsWith('extension-') && f.endsWith('.png'))
    .map((f) => f.slice('extension-'.length, -'.png'.length));
  const missing = Object.values(README_PICTURES).filter((n) => !existsSync(join(E2E, `${n}.png`)));
  if (missing.length > 0) throw new Error(`not in ${E2E} (run the UI tests first): ${missing.join(', ')}`);
  const retaken = more.filter((n) => existsSync(join(E2E, `${n}.png`)));
  for (const name of retaken) copyFileSync(join(E2E, `${name}.png`), join(docs, `extension-${name}.png`));
  const kept = more.filter((n) => !retaken.includes(n));
  const browser = await chromium.launch({ executablePath: requireChromium(), args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1120, height: 720 } });
    for (const [out, name] of Object.entries(README_PICTURES)) {
      await page.goto(`file://${join(E2E, `${name}.png`)}`);
      await page.addStyleTag({ content: 'html, body { margin: 0 } img { width: 1120px; height: 720px; display: block }' });
      await page.screenshot({ path: join(REPO_ROOT, 'media/screenshots', `${out}.jpg`), type: 'jpeg', quality: 80 });
    }
  } finally {
    await browser.close();
  }
  console.log(`screenshots: ${Object.keys(README_PICTURES).length} README pictures, ${retaken.length} in docs/images`);
  if (kept.length > 0) console.log(`not retaken (this run did not take them): ${kept.map((n) => `extension-${n}.png`).join(', ')}`);
}

main().catch((e: unknown) => {
  console.error(`screenshots: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
