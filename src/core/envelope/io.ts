/**
 * Byte plumbing over the ports: an exact-count reader on any `ByteSource` or `RandomAccessSource` (no
 * `node:` imports, no O(n²) concatenation: stream pieces are sliced without copying when a request fits in
 * one, copied once otherwise; random-access sources are read at an offset into the caller's buffer), and
 * in-memory sources and sinks for hosts that already hold the bytes.
 */
import type { ByteSource, PatchableSink, RandomAccessSource } from '../ports.js';

/** A random-access source read in full: `readFully` loops over short reads and stops only at the end. */
export interface ExactSource {
  readonly size: number;
  /** Fills `buf` from `position`; resolves to the bytes read, fewer than `buf.length` only at the end. */
  readFully(buf: Uint8Array, position: number): Promise<number>;
}

function exact(source: RandomAccessSource): ExactSource {
  return {
    size: source.size,
    async readFully(buf, position) {
      let got = 0;
      while (got < buf.length) {
        const n = await source.read(buf.subarray(got), position + got);
        if (n === 0) break;
        got += n;
      }
      return got;
    },
  };
}

/** `parts` (of `length` bytes in all) in one buffer. */
function joined(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Streamed reads larger than this are buffered in steps of this size (see `ByteReader.read`). */
const STREAM_STEP = 16 * 1024 * 1024;

const isRandomAccess = (s: ByteSource | RandomAccessSource): s is RandomAccessSource => !(Symbol.asyncIterator in s);

/**
 * Reads exact byte counts from a source, front to back; shorter results mean the source ended. Results may
 * alias a stream's pieces, so a stream must not modify a piece after yielding it (Node streams and Blob
 * streams don't).
 */
export class ByteReader {
  readonly #it: AsyncIterator<Uint8Array> | undefined;
  /** Set when the source can be read at any offset (and its size is known). */
  readonly randomAccess: ExactSource | undefined;
  #piece: Uint8Array = new Uint8Array(0);
  #done = false;
  /** Bytes handed out so far. */
  position = 0;

  constructor(source: ByteSource | RandomAccessSource) {
    if (isRandomAccess(source)) {
      this.randomAccess = exact(source);
      this.#done = true;
    } else {
      this.#it = source[Symbol.asyncIterator]();
    }
  }

  /**
   * Up to `n` bytes; fewer only at the end of the source. May alias a stream's buffers; when `into` (at
   * least `n` bytes) is given, bytes that would need a copy or a fresh buffer are read into it instead.
   */
  async read(n: number, into?: Uint8Array): Promise<Uint8Array> {
    if (this.randomAccess) {
      // Never more than the source holds: a length read from the file allocates nothing it does not have.
      const want = Math.min(n, Math.max(0, this.randomAccess.size - this.position));
      const out = into ? into.subarray(0, want) : new Uint8Array(want);
      const got = await this.randomAccess.readFully(out, this.position);
      this.position += got;
      return out.subarray(0, got);
    }
    // Fast path: the request fits in the current piece (or the source has ended): no copy.
    if (!(await this.#fill()) || this.#piece.length >= n) return this.#take(n);
    if (!into && n > STREAM_STEP) return this.#readInSteps(n);
    const out = into ? into.subarray(0, n) : new Uint8Array(n);
    let got = 0;
    while (got < n && (this.#piece.length > 0 || (await this.#fill()))) {
      const part = this.#take(n - got);
      out.set(part, got);
      got += part.length;
    }
    return out.subarray(0, got);
  }

  /** True when the source has no more bytes. */
  async atEnd(): Promise<boolean> {
    if (this.randomAccess) return (await this.randomAccess.readFully(new Uint8Array(1), this.position)) === 0;
    return this.#piece.length === 0 && !(await this.#fill());
  }

  /** Stops reading (closes the underlying stream, if it can be closed; a random-access source stays its owner's). */
  async close(): Promise<void> {
    this.#piece = new Uint8Array(0);
    if (!this.#done) {
      this.#done = true;
      await this.#it?.return?.();
    }
  }

  /** A large read from a stream, buffered step by step: memory follows the bytes that arrive, not the `n` asked for. */
  async #readInSteps(n: number): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let got = 0;
    while (got < n) {
      const part = await this.read(Math.min(STREAM_STEP, n - got));
      if (part.length === 0) break;
      parts.push(part);
      got += part.length;
    }
    return joined(parts, got);
  }

  #take(n: number): Uint8Array {
    const part = this.#piece.length <= n ? this.#piece : this.#piece.subarray(0, n);
    this.#piece = this.#piece.subarray(part.length);
    this.position += part.length;
    return part;
  }

  /** Loads the next non-empty piece when the current one is used up; false at the end. */
  async #fill(): Promise<boolean> {
    while (this.#piece.length === 0) {
      if (this.#done || !this.#it) return false;
      const r = await this.#it.next();
      if (r.done) {
        this.#done = true;
        return false;
      }
      this.#piece = r.value;
    }
    return true;
  }
}

/**
 * `source`, calling `onRead` with each count of bytes read (progress, or cancellation: what `onRead` throws
 * is what the read rejects with).
 */
export function observed<S extends ByteSource | RandomAccessSource>(source: S, onRead: (bytes: number) => void): S;
export function observed(source: ByteSource | RandomAccessSource, onRead: (bytes: number) => void): ByteSource | RandomAccessSource {
  if (isRandomAccess(source)) {
    return {
      size: source.size,
      async read(buf, position) {
        const n = await source.read(buf, position);
        onRead(n);
        return n;
      },
    };
  }
  return (async function* () {
    for await (const piece of source) {
      onRead(piece.length);
      yield piece;
    }
  })();
}

/** `bytes` as a random-access source (no copy until read; for hosts holding content in memory). */
export function randomAccessOf(bytes: Uint8Array): RandomAccessSource {
  return {
    size: bytes.length,
    async read(buf, position) {
      const part = bytes.subarray(Math.min(position, bytes.length), Math.min(position + buf.length, bytes.length));
      buf.set(part);
      return part.length;
    },
  };
}

/** A source yielding `bytes` in pieces of `pieceSize` (for hosts holding content in memory, and tests). */
export async function* byteSourceOf(bytes: Uint8Array, pieceSize = 64 * 1024): AsyncGenerator<Uint8Array> {
  if (!(pieceSize > 0)) throw new RangeError('pieceSize must be positive');
  for (let i = 0; i < bytes.length; i += pieceSize) yield bytes.subarray(i, Math.min(bytes.length, i + pieceSize));
}

/** A sink that keeps everything written to it; `bytes()` joins it once. */
export interface MemorySink extends PatchableSink {
  readonly length: number;
  bytes(): Uint8Array;
}

/** An in-memory sink (copies each write, so callers may reuse their buffers). */
export function memorySink(): MemorySink {
  const parts: Uint8Array[] = [];
  let length = 0;
  return {
    get length() {
      return length;
    },
    async write(chunk) {
      parts.push(chunk.slice());
      length += chunk.length;
    },
    async writeAt(chunk, position) {
      if (position < 0 || position + chunk.length > length) throw new RangeError('writeAt beyond what was written');
      // Patch the parts the range spans (written parts are private copies).
      let start = 0;
      for (const p of parts) {
        const from = Math.max(position, start);
        const to = Math.min(position + chunk.length, start + p.length);
        if (from < to) p.set(chunk.subarray(from - position, to - position), from - start);
        start += p.length;
      }
    },
    bytes: () => joined(parts, length),
  };
}
