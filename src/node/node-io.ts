/**
 * Node adapters for the core's ports: file byte sources and atomic writers. Every write goes to a temporary
 * file in the target's directory, is fsynced and renamed into place, and the directory is fsynced, so a
 * crash leaves either the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ByteSink, ByteSource } from '../core/ports.js';
import { SensitivityError } from '../core/errors.js';

/** Read buffer size: large reads keep syscalls off the hot path. */
const READ_CHUNK = 1 << 20;

/** A file as a ByteSource (1 MiB reads). */
export function fileSource(path: string): ByteSource {
  return createReadStream(path, { highWaterMark: READ_CHUNK }) as AsyncIterable<Uint8Array>;
}

/** A file being written atomically: write through `sink`, then `commit()` or `abort()`. */
export interface AtomicFile {
  readonly sink: ByteSink;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Starts an atomic write of `path` (temp file beside it, mode 0600 unless given). */
export async function openAtomic(path: string, mode = 0o600): Promise<AtomicFile> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx', mode);
  let done = false;
  // Both end the write; only the first call acts.
  const finish = () => !done && (done = true);
  return {
    sink: {
      async write(chunk) {
        let off = 0;
        while (off < chunk.length) off += (await handle.write(chunk, off, chunk.length - off)).bytesWritten;
      },
    },
    async commit() {
      if (!finish()) return;
      try {
        await handle.sync();
        await handle.close();
        await fs.rename(tmp, path);
        await syncDir(dir);
      } catch (e) {
        await fs.rm(tmp, { force: true });
        throw e;
      }
    },
    async abort() {
      if (!finish()) return;
      await handle.close().catch(() => undefined);
      await fs.rm(tmp, { force: true });
    },
  };
}

/** Writes `data` to `path` atomically. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const f = await openAtomic(path, mode);
  try {
    await f.sink.write(typeof data === 'string' ? new TextEncoder().encode(data) : data);
    await f.commit();
  } catch (e) {
    await f.abort();
    throw e;
  }
}

/** Runs `produce` into an atomic file at `path`: committed when it resolves, removed when it throws. */
export async function withAtomicFile<T>(path: string, produce: (sink: ByteSink) => Promise<T>, mode = 0o600): Promise<T> {
  const f = await openAtomic(path, mode);
  try {
    const result = await produce(f.sink);
    await f.commit();
    return result;
  } catch (e) {
    await f.abort();
    throw e;
  }
}

/**
 * Runs `produce` into a new file at `path` that never replaces anything: the temp file is linked to `path`
 * (EEXIST → E_EXISTS, however late the other file appeared), then unlinked. Removed when `produce` throws.
 */
export async function createExclusive<T>(path: string, produce: (sink: ByteSink) => Promise<T>, mode = 0o600): Promise<T> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx', 0o600);
  try {
    const result = await produce({
      async write(chunk) {
        let off = 0;
        while (off < chunk.length) off += (await handle.write(chunk, off, chunk.length - off)).bytesWritten;
      },
    });
    await handle.chmod(mode);
    await handle.sync();
    await handle.close();
    await fs.link(tmp, path).catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'EEXIST' ? new SensitivityError('E_EXISTS', 'already exists; nothing was overwritten', path, { details: { hint: 'move-output' } }) : e;
    });
    await syncDir(dir);
    return result;
  } finally {
    await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
  }
}

/** Runs `f` holding the lock file `lock` (created exclusively; waits a bounded time, then E_LOCKED). */
export async function withLockFile<T>(lock: string, f: () => Promise<T>, waitMs = 10_000): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await (await fs.open(lock, 'wx', 0o600)).close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (Date.now() > deadline) throw new SensitivityError('E_LOCKED', 'is locked by another process; try again', lock, { details: { hint: 'retry' } });
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  try {
    return await f();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

async function syncDir(dir: string): Promise<void> {
  const h = await fs.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Reads a text file, or undefined when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Fails with E_NOT_FOUND naming the file when it is not a readable regular file. */
export async function requireFile(path: string): Promise<void> {
  const st = await fs.stat(path).catch(() => undefined);
  if (!st) throw new SensitivityError('E_NOT_FOUND', 'no such file; check the path', path);
  if (!st.isFile()) throw new SensitivityError('E_USAGE', 'not a regular file', path);
}

/** Fails with E_EXISTS when `path` exists (so we never overwrite a file silently). */
export async function requireAbsent(path: string, hint: string): Promise<void> {
  if (await fs.stat(path).catch(() => undefined)) throw new SensitivityError('E_EXISTS', `already exists; ${hint}`, path);
}
