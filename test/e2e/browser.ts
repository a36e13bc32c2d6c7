/** Debian's Chromium driven by playwright-core, with a fresh profile per run (E2E.md's verified flags). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { REPO_ROOT, requireChromium } from '../../scripts/lib/provision.js';

/** Where screenshots and logs of test runs go (git-ignored). */
export const ARTIFACTS = join(REPO_ROOT, '.artifacts');

/** Creates (if needed) and returns `.artifacts/<sub>`. */
export function artifactsDir(sub: string): string {
  const dir = join(ARTIFACTS, sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Launches headless Chromium with a fresh profile in `profileDir` (launch() rejects --user-data-dir);
 * `ignoreHTTPSErrors` for a test's own self-signed server.
 */
export async function launchChromium(profileDir: string, { ignoreHTTPSErrors = false } = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: requireChromium(),
    headless: true,
    ignoreHTTPSErrors,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
