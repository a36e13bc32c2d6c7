/**
 * Child processes that run in their own process group (setsid), so that stopping one stops everything it
 * started: code-server leaves its extension host alive for minutes when only the parent dies.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';

const groups = new Set<number>();
let handlersInstalled = false;
let stopping = false;

/** Whether a signal handler is stopping everything (children exiting now is expected, not an error). */
export const isStopping = (): boolean => stopping;

/** A child in its own process group. */
export interface GroupProcess {
  readonly pid: number;
  /** Resolves with the exit code (or signal name) of the group leader. */
  readonly exited: Promise<number | string>;
  /** SIGTERM to the whole group, then SIGKILL after `graceMs` if anything in it survives. */
  stop(graceMs?: number): Promise<void>;
}

/** The environment without npm's lifecycle variables: they leak the outer npm's config into nested npm and code-server. */
export function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** The last `lines` lines of a log file, for error messages. */
export function logTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops one process group: SIGTERM, wait, SIGKILL. */
export async function stopGroup(pid: number, graceMs = 5000): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
  while (groupAlive(pid) && Date.now() < deadline + 2000) await sleep(50);
  groups.delete(pid);
}

/** Stops every group started through this module (used by signal handlers and `finally` blocks). */
export async function stopAllGroups(): Promise<void> {
  await Promise.all([...groups].map((pid) => stopGroup(pid)));
}

/**
 * Installs SIGINT/SIGTERM/SIGHUP handlers that stop every group, then call `onSignal`, then exit
 * (128 + signal number); and an `exit` hook that SIGKILLs whatever is left (uncaught exceptions,
 * `process.exit`). The first call wins.
 */
export function installCleanupHandlers(onSignal?: (signal: NodeJS.Signals) => void): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopping = true;
      void stopAllGroups()
        .then(() => onSignal?.(signal))
        .finally(() => process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1)));
    });
  }
  process.on('exit', () => {
    for (const pid of groups) signalGroup(pid, 'SIGKILL');
  });
}

/** Spawns `command` detached (a new session and process group), its output appended to `logFile`. */
export function spawnGroup(command: string, args: readonly string[], options: SpawnOptions & { logFile: string }): GroupProcess {
  installCleanupHandlers();
  const fd = openSync(options.logFile, 'a');
  const child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  groups.add(pid);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (e) => resolve(e.message));
  });
  return { pid, exited, stop: (graceMs) => stopGroup(pid, graceMs) };
}
