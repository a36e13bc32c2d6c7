/** Shared by the disk tests: throwaway folders, a pid that is certainly dead, stale lock records. */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp folder; `dispose()` removes it. */
export function scratch(prefix = 'sensitivity-disk-'): { path: string; dispose(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}

/** The pid of a process that has exited and been reaped: nothing runs under it now. */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' });
  if (r.pid === undefined || r.status !== 0) throw new Error('could not run node');
  return r.pid;
}

/** Writes a lock record at `path` as a process `pid` on `host` would have (default: one that just died here). */
export function writeLockRecord(path: string, pid = deadPid(), host = hostname()): string {
  const nonce = randomBytes(16).toString('hex');
  writeFileSync(path, JSON.stringify({ pid, host, nonce, since: new Date().toISOString() }) + '\n', { mode: 0o600 });
  return nonce;
}
