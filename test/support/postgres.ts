/**
 * A private PostgreSQL (Debian's postgresql 15) for one test: `initdb` into a temp folder and `pg_ctl start`
 * on a free 127.0.0.1 port, the socket in that folder too. initdb refuses to run as root, so under root the
 * server runs as an ordinary user created for it (`sensitivity-pg`, with `useradd`) through `runuser`.
 * `stop()` stops it (`pg_ctl -m fast`) and removes the folder; call it in `finally`/`after`.
 *
 *   const pg = await startPostgres();
 *   try { … pg.url … } finally { await pg.stop(); }
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './key-service.js';

const BIN = '/usr/lib/postgresql/15/bin';
const USER = 'sensitivity-pg';

export interface TestPostgres {
  /** postgres://app@127.0.0.1:PORT/postgres (trust authentication: a test database only). */
  readonly url: string;
  /** The server's processes now: the postmaster and its children (backends, writers), for CPU accounting. */
  pids(): number[];
  stop(): Promise<void>;
}

export const hasPostgres = (): boolean => spawnSync(`${BIN}/initdb`, ['--version']).status === 0;

/** Runs a PostgreSQL binary, as the ordinary user when this process is root. */
function run(bin: string, args: readonly string[]): void {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', USER, '--', `${BIN}/${bin}`, ...args]] : [`${BIN}/${bin}`, args];
  execFileSync(cmd, argv, { stdio: 'pipe', timeout: 60_000 });
}

export async function startPostgres(): Promise<TestPostgres> {
  const root = mkdtempSync(join(tmpdir(), 'pg-'));
  const data = join(root, 'data');
  if (process.getuid?.() === 0) {
    if (spawnSync('id', ['-u', USER]).status !== 0)
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', USER], { stdio: 'pipe' });
    const uid = Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
  }
  const port = await freePort();
  let started = false;
  const stop = async () => {
    if (started) {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } catch {
        // already stopped
      }
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'app', '--no-sync']);
    started = true;
    run('pg_ctl', ['-D', data, '-o', `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', join(root, 'log'), '-w', 'start']);
  } catch (e) {
    await stop();
    throw e;
  }
  process.once('exit', () => {
    if (started) spawnSync('runuser', ['-u', USER, '--', `${BIN}/pg_ctl`, '-D', data, '-m', 'immediate', 'stop']);
  });
  const pids = () => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          return Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === postmaster;
        } catch {
          return false;
        }
      })
      .map(Number);
    return [postmaster, ...children];
  };
  return { url: `postgres://app@127.0.0.1:${port}/postgres`, pids, stop };
}
