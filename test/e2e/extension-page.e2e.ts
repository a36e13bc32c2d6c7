/**
 * The extension's page as VS Code shows it (issue 22): opened from the Extensions view, it is the user's page
 * (what it does, how to start, its settings, where the full docs are), not the developer README, and every
 * picture on it loads (the page's CSP allows only https: and data: images).
 */
import * as assert from 'node:assert/strict';
import { useWorkbench } from './workbench.js';

const { scenario } = useWorkbench();

scenario('the Extensions view shows a user’s page whose pictures all load', async (wb) => {
  await wb.runCommand('Extensions: Show Installed Extensions');
  const item = wb.page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'Sensitivity Labels' }).first();
  await item.click();
  await wb.page.locator('.extension-editor .name', { hasText: 'Sensitivity Labels' }).first().waitFor();
  const page = wb.page.frameLocator('.extension-editor iframe.webview.ready').frameLocator('#active-frame');
  await page.locator('h2', { hasText: 'Get started' }).waitFor();
  const text = await page.locator('body').innerText();
  assert.match(text, /Create your identity/);
  assert.match(text, /sensitivity\.statusBar\.enabled/, 'the settings are listed');
  assert.match(text, /full documentation/i);
  assert.doesNotMatch(text, /Exit codes|npm run test:all|## The `sensitivity` command/, 'not the developer README');
  // Every picture decoded: naturalWidth > 0 once loading settles (a blocked or missing one stays 0).
  const pictures = await page.locator('img').evaluateAll((imgs) =>
    Promise.all(
      (imgs as HTMLImageElement[]).map(async (img) => {
        await img.decode().catch(() => undefined);
        return { alt: img.alt, width: img.naturalWidth };
      }),
    ),
  );
  assert.ok(pictures.length >= 5, `pictures on the page: ${pictures.length}`);
  assert.deepEqual(
    pictures.filter((p) => p.width === 0).map((p) => p.alt),
    [],
    'every picture loads',
  );
  await wb.screenshot('extension-page');
});
