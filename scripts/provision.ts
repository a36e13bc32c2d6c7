/** `node --import tsx scripts/provision.ts`: installs code-server + Node 24 into .cache/code-server (no-op when cached). */
import { CACHE_DIR, CODE_SERVER_VERSION, isProvisioned, provisionCodeServer, requireChromium } from './lib/provision.js';

async function main(): Promise<void> {
  const started = Date.now();
  const cached = isProvisioned();
  const install = await provisionCodeServer();
  const chromium = requireChromium();
  const took = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`code-server ${CODE_SERVER_VERSION}: ${install.entry} (${cached ? 'cached' : 'installed'} in ${took} s)`);
  console.log(`node: ${install.node}\nchromium: ${chromium}\ncache: ${CACHE_DIR}`);
}

main().catch((e: unknown) => {
  console.error(`provision: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
