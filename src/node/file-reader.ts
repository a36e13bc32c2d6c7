/**
 * Positional reads from an open file: the core's `RandomAccessSource` over a Node `FileHandle`, so the
 * envelope reads each chunk at its offset straight into the buffer it encrypts or decrypts from, several
 * at once, and knows the file's size before it releases a byte. Anything that is not a regular file (a
 * pipe, a terminal, a character device) has no size up front and is read as a stream instead.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { ByteSource, RandomAccessSource } from '../core/ports.js';

/** Stream reads of a non-regular file: large pieces keep syscalls off the hot path. */
const STREAM_PIECE = 1 << 20;

/** Files at least this large are worth raising the allocator's trim threshold for (see `keepFreedMemory`). */
const LARGE_FILE = 8 << 20;

/**
 * Makes glibc keep a few MiB of freed memory instead of returning it to the kernel at once. Each chunk in
 * flight costs two fresh 1 MiB allocations inside WebCrypto (its copy of the input, its output), freed in
 * batches by V8's garbage collector; glibc's dynamic trim threshold (twice the largest mmapped block freed
 * so far, so 2 MiB after the first chunk) then hands those pages back and the next chunks fault them in
 * again: measured on a 256 MiB protect, 54 000 page faults and 1.25 CPU-s without this, 21 000 and
 * 0.73 CPU-s with it. Freeing one mmapped block of WARM_BLOCK raises the threshold to twice that for the
 * whole process (glibc malloc.c, free(): the dynamic mmap threshold). subtle.digest copies its input into
 * a malloc'd block and frees it when it resolves, which makes that free deterministic. It costs about
 * 10 ms once per process; elsewhere (musl, macOS) it is one harmless hash.
 */
const WARM_BLOCK = 4 << 20;
let warmed: Promise<unknown> | undefined;
function keepFreedMemory(): Promise<unknown> {
  warmed ??= crypto.subtle.digest('SHA-256', new Uint8Array(WARM_BLOCK));
  return warmed;
}

/** A random-access source over `handle`, whose size is `size` (a regular file's, from the same handle). */
export function randomAccessFile(handle: FileHandle, size: number): RandomAccessSource {
  return {
    size,
    read: async (buf, position) => (await handle.read(buf, 0, buf.length, position)).bytesRead,
  };
}

/**
 * The bytes of an already-open `handle` for the envelope: random access when it is a regular file (its
 * size taken now, through the handle, so it describes the file being read), a stream otherwise. The
 * handle stays the caller's to close (a stream over it does not close it either).
 */
export async function handleSource(handle: FileHandle): Promise<RandomAccessSource | ByteSource> {
  const st = await handle.stat();
  if (st.isFile()) {
    if (st.size >= LARGE_FILE) await keepFreedMemory();
    return randomAccessFile(handle, st.size);
  }
  return handle.createReadStream({ highWaterMark: STREAM_PIECE, autoClose: false }) as AsyncIterable<Uint8Array>;
}

/** Opens `path` read-only, hands `f` its source (see `handleSource`), and closes it whatever happens. */
export async function withFileSource<T>(path: string, f: (source: RandomAccessSource | ByteSource) => Promise<T>): Promise<T> {
  const handle = await fs.open(path, 'r');
  try {
    return await f(await handleSource(handle));
  } finally {
    await handle.close();
  }
}
