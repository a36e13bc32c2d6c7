/**
 * The extension's page as VS Code shows it (issue 22): opened from the Extensions view, it is the user's page
 * (what it does, how to start, its settings, where the full docs are), not the developer README, and every
 * picture on it loads. VS Code keeps only http(s) pictures there and its CSP allows https: only, so the page
 * refers to them by absolute https URL (scripts/package.ts); this file packages its own .vsix with those URLs
 * pointing at a local HTTPS server (self-signed, 127.0.0.1) that serves the repository's files.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { after } from 'node:test';
import { REPO_ROOT } from '../../scripts/lib/provision.js';
import { packageExtension } from '../../scripts/package.js';
import { useWorkbench } from './workbench.js';

const dir = mkdtempSync(join(tmpdir(), 'sensitivity-page-'));
let server: Server | undefined;
const served: string[] = [];

/** Starts the HTTPS server of the page's pictures and packages a .vsix whose page points at it. */
async function packageWithLocalPictures(): Promise<string> {
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    {
      stdio: 'ignore',
    },
  );
  const https = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'https://x').pathname)).replace(/^\/+/, '');
    if (!path.startsWith('media/screenshots/')) {
      res.writeHead(404).end();
      return;
    }
    served.push(path);
    res.writeHead(200, { 'content-type': 'image/jpeg' }).end(readFileSync(join(REPO_ROOT, path)));
  });
  server = https;
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  return packageExtension({ out: join(dir, 'page.vsix'), imagesUrl: `https://127.0.0.1:${(https.address() as AddressInfo).port}` }).path;
}

after(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const { scenario } = useWorkbench({ vsix: packageWithLocalPictures, ignoreHTTPSErrors: true });

scenario('the Extensions view shows a user’s page whose pictures all load', async (wb) => {
  await wb.runCommand('Extensions: Show Installed Extensions');
  await wb.page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'Sensitivity Labels' }).first().click();
  await wb.page.locator('.extension-editor .name', { hasText: 'Sensitivity Labels' }).first().waitFor();
  // Webviews are laid over the editor, outside its DOM: the page is the only one open.
  const page = wb.webview();
  await page.locator('h2', { hasText: 'Get started' }).waitFor();
  const text = await page.locator('body').innerText();
  assert.match(text, /Create your identity/);
  assert.match(text, /sensitivity\.statusBar\.enabled/, 'the settings are listed');
  assert.match(text, /full documentation/i);
  assert.doesNotMatch(text, /Exit codes|npm run test:all|The `sensitivity` command/, 'not the developer README');
  // Every picture decoded: naturalWidth > 0 once loading settles (a dropped or blocked one stays 0).
  const pictures = await page.locator('img').evaluateAll((imgs) =>
    Promise.all(
      (imgs as HTMLImageElement[]).map(async (img) => {
        await img.decode().catch(() => undefined);
        return { alt: img.alt, src: img.src.slice(0, 60), width: img.naturalWidth };
      }),
    ),
  );
  assert.equal(pictures.length, 5, `pictures on the page: ${JSON.stringify(pictures)}`);
  assert.deepEqual(
    pictures.filter((p) => p.width === 0),
    [],
    'every picture loads',
  );
  assert.equal(new Set(served).size, 5, 'each came from the server');
  await wb.screenshot('extension-page');
});
