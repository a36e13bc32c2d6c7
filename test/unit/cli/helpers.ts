/** Runs the real `sensitivity` CLI (dist/cli.js, built by `npm test`) as a subprocess in throwaway folders. */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CLI_CLIENT_ID, type TestIdp } from '../../support/idp.js';

export const CLI = resolve('dist/cli.js');

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Person {
  readonly home: string;
  readonly email: string;
  /** Runs the CLI as this person (their $SENSITIVITY_HOME) in `cwd`. */
  run(args: readonly string[], opts?: { input?: string; env?: Record<string, string>; cwd?: string }): Run;
}

/** A temp folder removed by `dispose()`. */
export function tempDir(prefix = 'sensitivity-test-'): { path: string; dispose(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs the CLI synchronously. */
export function runCli(args: readonly string[], opts: { home: string; cwd: string; input?: string; env?: Record<string, string> }): Run {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', SENSITIVITY_HOME: opts.home, ...opts.env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Creates a person with an identity in their own home under `root`, working in `workspace`. */
export function makePerson(root: string, workspace: string, name: string, email: string): Person {
  const home = join(root, `home-${name.toLowerCase()}`);
  const person: Person = {
    home,
    email,
    run: (args, opts = {}) => runCli(args, { home, cwd: opts.cwd ?? workspace, ...opts }),
  };
  const r = person.run(['id', 'new', '--name', name, '--email', email]);
  if (r.code !== 0) throw new Error(`id new failed: ${r.stderr}`);
  return person;
}

/** Makes `other` known to `owner`'s workspace (people add of `id show --json`). */
export function introduce(owner: Person, other: Person): void {
  const shown = other.run(['id', 'show', '--json']);
  const r = owner.run(['people', 'add', '-'], { input: shown.stdout });
  if (r.code !== 0) throw new Error(`people add failed: ${r.stderr}`);
}

/** Starts the CLI asynchronously (crash and race tests); its output ignored or piped. */
export function spawnCli(args: readonly string[], opts: { home: string; cwd: string }, stdout: 'ignore' | 'pipe' = 'ignore') {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? '', SENSITIVITY_HOME: opts.home },
    stdio: ['ignore', stdout, stdout],
  });
}

/** Runs the CLI as a subprocess without blocking (for many at once); stdout as bytes. */
export function runCliAsync(args: readonly string[], opts: { home: string; cwd: string }): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return collectExit(spawnCli(args, opts, 'pipe'));
}

/** Collects a piped child's output and exit status. */
export function collectExit(child: ChildProcess): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const out: Buffer[] = [];
  let err = '';
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: err })));
}

/** Starts `sensitivity login ARGS`, waits for the line that `pick` recognises on stderr, hands it to `act`. */
export async function loginDriven(home: string, cwd: string, args: readonly string[], pick: RegExp, act: (match: RegExpMatchArray) => Promise<unknown>) {
  const child = spawnCli(['login', ...args], { home, cwd }, 'pipe');
  const done = collectExit(child);
  let err = '';
  const found = await new Promise<RegExpMatchArray>((resolve, reject) => {
    child.stderr!.on('data', (b: Buffer) => {
      err += b.toString('utf8');
      const m = err.match(pick);
      if (m) resolve(m);
    });
    void done.then((r) => reject(new Error(`login ended (${r.code}) before showing ${pick}: ${r.stderr}`)));
  });
  await act(found);
  const r = await done;
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

/** `sensitivity login --no-browser` as `p` for `audience`, the IdP's login completed as `user`; throws unless it succeeds. */
export async function signInAs(p: Person, cwd: string, idp: TestIdp, audience: string, user: string): Promise<void> {
  const r = await loginDriven(
    p.home,
    cwd,
    ['--issuer', idp.issuer, '--client-id', CLI_CLIENT_ID, '--audience', audience, '--no-browser'],
    /^ {2}(http\S+)$/m,
    (m) => idp.completeLogin(m[1]!, user),
  );
  if (r.code !== 0) throw new Error(`login as ${user} failed: ${r.stderr}`);
}
