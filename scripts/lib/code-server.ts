/**
 * Starts an isolated code-server: its own XDG folders, user data, extensions and TMPDIR under one run
 * folder, bound to 127.0.0.1, in its own process group so that `stop()` ends the extension host too.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CodeServerInstall } from './provision.js';
import { cleanEnv, logTail, spawnGroup } from './processes.js';

/** The private folders of one code-server run. */
export interface RunDirs {
  readonly root: string;
  readonly userData: string;
  readonly extensions: string;
  readonly log: string;
  /** XDG_*, TMPDIR: keeps code-server's config, state and sockets out of the user's home. */
  readonly env: Readonly<Record<string, string>>;
}

/** A running code-server. */
export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dirs: RunDirs;
  /** Resolves when the group leader exits (for `npm start`, which waits on it). */
  readonly exited: Promise<number | string>;
  /** Stops the whole process group (code-server, extension host, file watcher, terminals). */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Folder the workbench opens. */
  readonly folder: string;
  /** Preferred port; a free one is chosen when it is taken or absent. */
  readonly port?: number;
  /** Extra environment for code-server and, through it, the extension host (e.g. SENSITIVITY_HOME). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * `--vscode-option enable-smoke-test-driver`: needed for `codeAutomationExit` (integration tests) and,
   * as checked here, for the workbench to honour an extensionDevelopmentPath payload at all.
   */
  readonly smokeTestDriver?: boolean;
  /** Keep Workspace Trust on (the folder then opens in Restricted Mode until trusted); off by default. */
  readonly workspaceTrust?: boolean;
}

/** User settings that keep the workbench quiet and deterministic (no welcome page, tips, update checks). */
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** Creates the run folders under `root` and writes quiet user settings (plus `settings`). */
export function runDirs(root: string, settings: Readonly<Record<string, unknown>> = {}): RunDirs {
  const d = (name: string) => {
    const p = join(root, name);
    mkdirSync(p, { recursive: true });
    return p;
  };
  const userData = d('user-data');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User/settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
  return {
    root,
    userData,
    extensions: d('extensions'),
    log: join(root, 'code-server.log'),
    env: {
      XDG_CONFIG_HOME: d('xdg-config'),
      XDG_DATA_HOME: d('xdg-data'),
      XDG_CACHE_HOME: d('xdg-cache'),
      XDG_STATE_HOME: d('xdg-state'),
      TMPDIR: d('tmp'),
    },
  };
}

/** A TCP port that was free a moment ago (the preferred one if it is). */
export function freePort(preferred = 0): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => (preferred !== 0 && e.code === 'EADDRINUSE' ? resolvePort(freePort(0)) : reject(e)));
    server.listen(preferred, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function serverEnv(install: CodeServerInstall, dirs: RunDirs, extra: Readonly<Record<string, string>> = {}) {
  return cleanEnv({ PATH: install.path, ...dirs.env, ...extra });
}

/** Installs a packaged extension into the run's extensions folder (`code-server --install-extension`). */
export async function installExtension(install: CodeServerInstall, dirs: RunDirs, vsix: string): Promise<void> {
  const args = [install.entry, '--extensions-dir', dirs.extensions, '--user-data-dir', dirs.userData, '--install-extension', vsix, '--force'];
  try {
    await promisify(execFile)(install.node, args, { env: serverEnv(install, dirs), timeout: 60_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`installing ${vsix} failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

async function waitHealthy(url: string, exited: Promise<number | string>, log: string, timeoutMs: number): Promise<void> {
  let dead: number | string | undefined;
  void exited.then((code) => (dead = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (dead !== undefined) throw new Error(`code-server exited (${dead}) before it was ready:\n${logTail(log)}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer ${url}/healthz within ${timeoutMs / 1000} s:\n${logTail(log)}`);
}

/**
 * The workbench URL for `folder`; with `extensionDevelopmentPath` (and `extensionTestsPath`) the window
 * loads the extension from source folders, as desktop VS Code's --extensionDevelopmentPath does.
 */
export function workbenchUrl(
  server: Pick<RunningServer, 'url' | 'port'>,
  folder: string,
  dev?: { extensionDevelopmentPath: string; extensionTestsPath?: string },
): string {
  const remote = (path: string) => `vscode-remote://127.0.0.1:${server.port}${path}`;
  const payload: string[][] = [];
  if (dev) payload.push(['extensionDevelopmentPath', remote(dev.extensionDevelopmentPath)]);
  if (dev?.extensionTestsPath) payload.push(['extensionTestsPath', remote(dev.extensionTestsPath)]);
  const query = `folder=${encodeURIComponent(folder)}${payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''}`;
  return `${server.url}/?${query}`;
}

/** Starts code-server on 127.0.0.1 without auth and waits until `/healthz` answers. */
export async function startCodeServer(install: CodeServerInstall, dirs: RunDirs, options: StartOptions): Promise<RunningServer> {
  const port = await freePort(options.port ?? 0);
  const url = `http://127.0.0.1:${port}`;
  const args = [
    install.entry,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--user-data-dir',
    dirs.userData,
    '--extensions-dir',
    dirs.extensions,
    ...(options.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    options.folder,
  ];
  const child = spawnGroup(install.node, args, { env: serverEnv(install, dirs, options.env), cwd: dirs.root, logFile: dirs.log });
  try {
    await waitHealthy(url, child.exited, dirs.log, 60_000);
  } catch (e) {
    await child.stop();
    throw e;
  }
  return { url, port, pid: child.pid, dirs, exited: child.exited, stop: () => child.stop() };
}
