/** Node adapters for the core (shared by the CLI and the extension host): the audit log file. Appends hash-chained entries under an exclusive lock, so concurrent writers keep the chain. */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { createAuditEntry, type AuditEvent } from '../core/index.js';

const LOCK_WAIT_MS = 5000;
/** The last line is found in the file's tail; entries are far smaller than this. */
const TAIL_BYTES = 64 * 1024;

async function lastLine(path: string): Promise<string | undefined> {
  const h = await fs.open(path, 'r').catch(() => undefined);
  if (!h) return undefined;
  try {
    const { size } = await h.stat();
    const len = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(len);
    await h.read(buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n').filter((l) => l.trim() !== '');
    return lines.at(-1);
  } finally {
    await h.close();
  }
}

async function withLock<T>(lock: string, f: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await (await fs.open(lock, 'wx', 0o600)).close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A lock older than the wait is left by a killed process: take it over.
      const st = await fs.stat(lock).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > LOCK_WAIT_MS) await fs.rm(lock, { force: true });
      else if (Date.now() > deadline) throw new Error(`audit log is locked by another process (${lock})`);
      else await new Promise((r) => setTimeout(r, 20));
    }
  }
  try {
    return await f();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

/** Appends one event to the log at `path` (created with mode 0600), chained to the last entry. */
export async function appendAudit(path: string, event: AuditEvent, now: Date): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await withLock(`${path}.lock`, async () => {
    const line = await createAuditEntry(await lastLine(path), event, now);
    const h = await fs.open(path, 'a', 0o600);
    try {
      await h.write(line.endsWith('\n') ? line : line + '\n');
      await h.sync();
    } finally {
      await h.close();
    }
  });
}
