/**
 * Byte plumbing over the ports: an exact-count reader on any `ByteSource` (no `node:` imports, no O(n²)
 * concatenation: pieces are sliced without copying when a request fits in one, copied once otherwise),
 * and in-memory sources and sinks for hosts that already hold the bytes.
 */
import type { ByteSink, ByteSource } from '../ports.js';

/**
 * Reads exact byte counts from a source; shorter results mean the source ended. Results may alias the
 * source's pieces, so a source must not modify a piece after yielding it (Node streams and Blob streams don't).
 */
export class ByteReader {
  readonly #it: AsyncIterator<Uint8Array>;
  #piece: Uint8Array = new Uint8Array(0);
  #done = false;
  /** Bytes handed out so far. */
  position = 0;

  constructor(source: ByteSource) {
    this.#it = source[Symbol.asyncIterator]();
  }

  /** Up to `n` bytes; fewer only at the end of the source. May alias the source's buffers. */
  async read(n: number): Promise<Uint8Array> {
    // Fast path: the request fits in the current piece (or the source has ended): no copy.
    if (!(await this.#fill()) || this.#piece.length >= n) return this.#take(n);
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n && (this.#piece.length > 0 || (await this.#fill()))) {
      const part = this.#take(n - got);
      out.set(part, got);
      got += part.length;
    }
    return got === n ? out : out.subarray(0, got);
  }

  /** True when the source has no more bytes. */
  async atEnd(): Promise<boolean> {
    return this.#piece.length === 0 && !(await this.#fill());
  }

  /** Stops reading (closes the underlying stream, if it can be closed). */
  async close(): Promise<void> {
    this.#piece = new Uint8Array(0);
    if (!this.#done) {
      this.#done = true;
      await this.#it.return?.();
    }
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
      if (this.#done) return false;
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

/** A source yielding `bytes` in pieces of `pieceSize` (for hosts holding content in memory, and tests). */
export async function* byteSourceOf(bytes: Uint8Array, pieceSize = 64 * 1024): AsyncGenerator<Uint8Array> {
  if (!(pieceSize > 0)) throw new RangeError('pieceSize must be positive');
  for (let i = 0; i < bytes.length; i += pieceSize) yield bytes.subarray(i, Math.min(bytes.length, i + pieceSize));
}

/** A sink that keeps everything written to it; `bytes()` joins it once. */
export interface MemorySink extends ByteSink {
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
    bytes() {
      const out = new Uint8Array(length);
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      return out;
    },
  };
}
