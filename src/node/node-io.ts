/**
 * Node adapters for the core's file ports, safe on disk by construction:
 * - reads go through one open descriptor per operation (`openReadHandle`): size and mode come from that
 *   descriptor and every pass reads it, so a file swapped under its name mid-operation is never read;
 * - writes go to a temp file beside the target, created 0600 (`temp.ts` names it after its creator),
 *   fsynced, then either renamed over the target (`withAtomicFile`: in-place rewrites) or linked to a
 *   name that must not exist (`createExclusive`: new outputs; a file someone else created there first
 *   is never overwritten). The temp is removed on every failure path, and a crashed run's temps are
 *   swept by the next operation on the folder. The final mode is set on the temp before it is exposed.
 */
import { constants as fsc, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import type { ReadHandle } from '../core/app/index.js';
import type { PatchableSink } from '../core/ports.js';
import { SensitivityError } from '../core/errors.js';
import { randomAccessFile } from './file-reader.js';
import { sweepOnce, tempPathFor } from './temp.js';

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

/**
 * Opens a regular file for reading, once: the core's random-access `ReadHandle`, read at offsets through
 * this one descriptor (size and mode from fstat on it). E_NOT_FOUND when missing, E_USAGE when not a
 * regular file (O_NONBLOCK: a FIFO cannot hang the open). Sweeps the folder's stale temps. `shown` is the
 * name errors give (a workspace-relative path, say).
 */
export async function openReadHandle(path: string, shown: string = path): Promise<ReadHandle> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, fsc.O_RDONLY | (fsc.O_NONBLOCK ?? 0));
  } catch (e) {
    if (errno(e) === 'ENOENT' || errno(e) === 'ENOTDIR') throw new SensitivityError('E_NOT_FOUND', 'no such file; check the path', shown);
    throw e;
  }
  const st = await handle.stat().catch(async (e: unknown) => {
    await handle.close();
    throw e;
  });
  if (!st.isFile()) {
    await handle.close();
    throw new SensitivityError('E_USAGE', 'not a regular file', shown);
  }
  await sweepOnce(dirname(path));
  return { ...randomAccessFile(handle, st.size), mode: st.mode & 0o777, close: () => handle.close() };
}

/** Runs `f` with the file open for reading (`openReadHandle`), closed however `f` ends. */
export async function withReadHandle<T>(path: string, f: (file: ReadHandle) => Promise<T>): Promise<T> {
  const file = await openReadHandle(path);
  try {
    return await f(file);
  } finally {
    await file.close();
  }
}

/** A file being written through a temp file: write through `sink`, then `commit()` or `abort()`. */
export interface AtomicFile {
  readonly sink: PatchableSink;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** How a finished temp file takes its place: rename over the target, or link to a new name. */
type Placement = (tmp: string, target: string) => Promise<void>;

const replace: Placement = (tmp, target) => fs.rename(tmp, target);

const createNew: Placement = async (tmp, target) => {
  try {
    await fs.link(tmp, target);
  } catch (e) {
    if (errno(e) === 'EEXIST') throw new SensitivityError('E_EXISTS', 'already exists; it was not overwritten (move it away first)', target);
    throw e;
  }
  // Placed: a temp name left by a failed unlink is only a second link, swept with the others.
  await fs.unlink(tmp).catch(() => undefined);
};

async function openTemp(path: string, mode: number, place: Placement): Promise<AtomicFile> {
  const dir = dirname(path);
  await sweepOnce(dir);
  const tmp = tempPathFor(path);
  const handle = await fs.open(tmp, 'wx', 0o600);
  let done = false;
  // Both end the write; only the first call acts.
  const finish = () => !done && (done = true);
  return {
    sink: {
      async write(chunk) {
        let off = 0;
        while (off < chunk.length) off += (await handle.write(chunk, off, chunk.length - off)).bytesWritten;
      },
      async writeAt(chunk, position) {
        let off = 0;
        while (off < chunk.length) off += (await handle.write(chunk, off, chunk.length - off, position + off)).bytesWritten;
      },
    },
    async commit() {
      if (!finish()) return;
      try {
        await handle.sync();
        if (mode !== 0o600) await handle.chmod(mode);
        await handle.close();
        await place(tmp, path);
      } catch (e) {
        await handle.close().catch(() => undefined);
        await fs.rm(tmp, { force: true });
        throw e;
      }
      await syncDir(dir);
    },
    async abort() {
      if (!finish()) return;
      await handle.close().catch(() => undefined);
      await fs.rm(tmp, { force: true });
    },
  };
}

/** Starts a write that replaces `path` atomically (rename): for in-place rewrites. Mode 0600 unless given. */
function openAtomic(path: string, mode = 0o600): Promise<AtomicFile> {
  return openTemp(path, mode, replace);
}

/** Starts a write of a new file at `path`: `commit()` fails with E_EXISTS, overwriting nothing, if the name exists by then. */
function openExclusive(path: string, mode = 0o600): Promise<AtomicFile> {
  return openTemp(path, mode, createNew);
}

export interface WriteOptions<T> {
  /** Permission bits of the result (default 0600); the temp file is 0600 until it is complete. */
  readonly mode?: number;
  /**
   * Runs after `produce` succeeded and before the result becomes visible; when it throws, nothing is
   * written. Where the audit entry goes, so an operation that cannot be logged does not happen.
   */
  readonly beforeCommit?: (result: T) => Promise<void>;
}

async function produceInto<T>(f: AtomicFile, produce: (sink: PatchableSink) => Promise<T>, opts: WriteOptions<T>): Promise<T> {
  try {
    const result = await produce(f.sink);
    await opts.beforeCommit?.(result);
    await f.commit();
    return result;
  } catch (e) {
    await f.abort();
    throw e;
  }
}

/** Runs `produce` into a temp file renamed over `path` when it resolves, removed when it throws. */
export async function withAtomicFile<T>(path: string, produce: (sink: PatchableSink) => Promise<T>, opts: WriteOptions<T> = {}): Promise<T> {
  return produceInto(await openAtomic(path, opts.mode), produce, opts);
}

/** Runs `produce` into a new file at `path` (exclusive: E_EXISTS and nothing overwritten if the name is taken meanwhile). */
export async function createExclusive<T>(path: string, produce: (sink: PatchableSink) => Promise<T>, opts: WriteOptions<T> = {}): Promise<T> {
  return produceInto(await openExclusive(path, opts.mode), produce, opts);
}

/** Writes `data` to `path` atomically (replacing it). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  await withAtomicFile(path, (sink) => sink.write(bytes), { mode });
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
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Fails early with E_EXISTS when `path` exists, before long work. Not a guarantee (the name may be taken
 * after the check): outputs are written with `createExclusive`, which is.
 */
export async function requireAbsent(path: string, hint: string): Promise<void> {
  if (await fs.stat(path).catch(() => undefined)) throw new SensitivityError('E_EXISTS', `already exists; ${hint}`, path);
}
