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

/**
 * The most one positional read asks for: Node aborts the process (a native assertion) on a single read of
 * 2 GiB or more, so larger buffers are filled by several reads (callers loop over short reads).
 */
const MAX_READ = 1 << 30;

/** Files at least this large are worth raising the allocator's trim threshold for (see `keepFreedMemory`). */
const LARGE_FILE = 8 << 20;

/** Freed once, this raises glibc's trim threshold to twice its size: 32 MiB. */
const THRESHOLD_BLOCK = 16 << 20;

/**
 * Makes glibc keep freed memory for reuse instead of returning it to the kernel at once. Each chunk in
 * flight costs fresh 1 MiB allocations inside WebCrypto (its copy of the input; on decrypt also the copy
 * it slices the tag off; its output), freed in batches when V8 collects them. glibc's dynamic trim
 * threshold is twice the largest mmapped block freed so far, so 2 MiB after the first chunk: each batch
 * went back to the kernel and the next chunks faulted it in again, page by page, which on this machine
 * cost more CPU than the cipher (a 256 MiB cat: 62 000 page faults and 1.8 CPU-s without this, 18 000 and
 * 0.8 CPU-s with it). One untouched 16 MiB block (mmapped by malloc, so it costs no page faults), dropped
 * at once and freed at the next garbage collection, raises the threshold to 32 MiB for the rest of the
 * process (glibc malloc.c, free(): the dynamic mmap threshold). The price is memory kept for reuse: peak
 * RSS of a 1 GiB protect or unprotect was 114–137 MiB in `npm run bench` on a heavily loaded machine
 * (about 100 MiB without this, at 2–4× the CPU); a 4 MiB block measured 112 MiB at nearly twice the CPU
 * of 16 MiB. Elsewhere (musl, macOS) it is an allocation that costs nothing. Once per process.
 */
let thresholdRaised = false;
function keepFreedMemory(): void {
  if (thresholdRaised) return;
  thresholdRaised = true;
  void new Uint8Array(THRESHOLD_BLOCK);
}

/**
 * Positional reads of a large file between two paced collections (see `paceCollections`): 4 chunks of 1 MiB.
 * Every 8 left a 1 GiB revoke (a decryption and an encryption per chunk) at 134–137 MiB; every 4 holds it at
 * 114–116 MiB and `cat` at 103–110 (from 113–119), at the same CPU time.
 */
const READS_PER_COLLECTION = 4;

let collectYoung: (() => void) | undefined;

/**
 * Bounds the garbage a large body leaves behind. WebCrypto's copies and results are ArrayBuffers outside
 * V8's heap, a few bytes each inside it: V8 collects them only once external memory has grown by about
 * 64 MiB since the last collection, so a 1 GiB protect peaked at 137 MiB RSS and `cat` at 131 (issue 11's bar:
 * 128). A young-generation collection every few chunks frees them while they are still young, cheaply
 * (the young generation holds little else): 91 MiB and 103–110 MiB. `collect` is the host's `gc({ type: 'minor' })`;
 * only the CLI, a process of its own, hands it over — the extension host is not ours to pace.
 */
export function paceCollections(collect: () => void): void {
  collectYoung = collect;
}

/** A random-access source over `handle`, whose size is `size` (a regular file's, from the same handle). */
export function randomAccessFile(handle: FileHandle, size: number): RandomAccessSource {
  const large = size >= LARGE_FILE;
  if (large) keepFreedMemory();
  let reads = 0;
  return {
    size,
    read: async (buf, position) => {
      if (large && collectYoung && ++reads % READS_PER_COLLECTION === 0) collectYoung();
      return (await handle.read(buf, 0, Math.min(buf.length, MAX_READ), position)).bytesRead;
    },
  };
}

/**
 * The bytes of an already-open `handle` for the envelope: random access when it is a regular file (its
 * size taken now, through the handle, so it describes the file being read), a stream otherwise. The
 * handle stays the caller's to close (a stream over it does not close it either).
 */
export async function handleSource(handle: FileHandle): Promise<RandomAccessSource | ByteSource> {
  const st = await handle.stat();
  if (st.isFile()) return randomAccessFile(handle, st.size);
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
