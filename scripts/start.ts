/**
 * `npm start`: VS Code (code-server) in your browser with the extension on a fresh demo workspace.
 * Packages the extension and installs the .vsix into a private extensions folder, so what you see is
 * what ships. `npm start -- --dev` instead loads the extension from this checkout (extensionDevelopmentPath,
 * development build with source maps; rebuild and "Developer: Reload Window" to see changes).
 * `--keep` keeps the temporary folder; PORT picks the port (default 8080, or a free one).
 * Ctrl-C stops code-server's whole process group and removes the temporary folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installExtension, runDirs, startCodeServer, workbenchUrl } from './lib/code-server.js';
import { createDemoWorkspace, CLI, type DemoWorkspace } from './lib/demo.js';
import { installCleanupHandlers, isStopping } from './lib/processes.js';
import { provisionCodeServer, REPO_ROOT } from './lib/provision.js';
import { packageExtension } from './package.js';

async function main(): Promise<void> {
  const dev = process.argv.includes('--dev');
  const keep = process.argv.includes('--keep');
  const root = mkdtempSync(join(tmpdir(), 'sensitivity-demo-'));
  installCleanupHandlers(() => {
    if (!keep) rmSync(root, { recursive: true, force: true });
    console.log(keep ? `\nStopped code-server; kept ${root}.` : '\nStopped code-server and removed the demo folder.');
  });

  if (dev) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  const vsix = dev ? undefined : packageExtension();
  const install = await provisionCodeServer();
  // The demo opens on its README (startupEditor "readme"), unlike the tests' empty editor area, with Git on
  // (the demo is a repository: Source Control shows protected files' changes in plaintext).
  const dirs = runDirs(join(root, 'code-server'), { 'workbench.startupEditor': 'readme', 'git.enabled': true });
  if (vsix) await installExtension(install, dirs, vsix.path);

  let demo: DemoWorkspace;
  try {
    demo = await createDemoWorkspace(root);
  } catch (e) {
    // The CLI exists but refused: still show VS Code, with plain files, and say why.
    console.warn(`demo: ${e instanceof Error ? e.message : String(e)}`);
    rmSync(join(root, 'workspace'), { recursive: true, force: true });
    demo = { ...(await createDemoWorkspace(root, { useCli: false })), note: 'the CLI failed (see above)' };
  }

  const server = await startCodeServer(install, dirs, {
    folder: demo.folder,
    port: Number(process.env.PORT ?? 8080),
    // Checked: without the smoke-test driver option code-server ignores the extensionDevelopmentPath payload.
    smokeTestDriver: dev,
    // You are a newcomer with a home of your own: the README and the walkthrough start with your identity.
    env: { SENSITIVITY_HOME: demo.yourHome },
  });
  const url = dev ? workbenchUrl(server, demo.folder, { extensionDevelopmentPath: REPO_ROOT }) : `${server.url}/`;
  console.log(
    [
      '',
      `Sensitivity Labels ${dev ? '(development build from this checkout)' : `(${vsix?.path ?? ''})`} in VS Code:`,
      '',
      `    ${url}`,
      '',
      `workspace:  ${demo.folder}`,
      demo.labeled
        ? `you: a new identity (SENSITIVITY_HOME=${demo.yourHome}): create it first (the README in the editor says how).\nAlice's and Bob's homes (the CLI as them): ${demo.home}, ${demo.otherHome}`
        : `note: ${demo.note ?? 'no labels'}; build the CLI (${CLI}) and restart for labels and a protected file`,
      ...(demo.git ? [`git: ${demo.git}`] : []),
      `log:        ${server.dirs.log}`,
      `On a remote machine? Forward the port: ssh -L ${server.port}:127.0.0.1:${server.port} HOST. Ctrl-C stops.`,
    ].join('\n'),
  );
  const code = await server.exited;
  if (isStopping()) return; // Ctrl-C: the signal handler finishes and exits.
  console.error(`code-server exited unexpectedly (${code}); log: ${server.dirs.log}`);
  process.exit(1);
}

main().catch((e: unknown) => {
  console.error(`start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
