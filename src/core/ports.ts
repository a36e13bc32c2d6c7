/**
 * The small interfaces through which hosts hand the core what it may not reach itself (in the manner
 * of vscode-markdown-languageservice's `IWorkspace`). Tests use in-memory or fixed versions.
 */

/** The current time. Fixed in tests and vectors. */
export interface Clock {
  now(): Date;
}

/** Cryptographically secure random bytes. Fixed in test vectors only. */
export type RandomSource = (length: number) => Uint8Array;

export const systemClock: Clock = { now: () => new Date() };

export const secureRandom: RandomSource = (length) => crypto.getRandomValues(new Uint8Array(length));

/** A byte source read once, front to back: a file stream on Node, a Blob stream in a browser. */
export type ByteSource = AsyncIterable<Uint8Array>;

/**
 * A byte source read at any offset: a regular file opened once, or bytes in memory. Its size is known
 * before the first byte is read, so an envelope of the wrong length is refused before anything is
 * released, and the envelope reads each chunk straight into the buffer it decrypts from, several at once.
 */
export interface RandomAccessSource {
  /** Size in bytes when opened. A source that shrinks later reads short (refused); one that grows is caught at its end. */
  readonly size: number;
  /** Reads up to `buf.length` bytes at byte offset `position` into `buf`; resolves to the count read (0 at the end). */
  read(buf: Uint8Array, position: number): Promise<number>;
}

/** Where produced bytes go, in order. Awaited: back-pressure is the sink's job. */
export interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
}

/**
 * A sink that can also overwrite bytes it has already written (a file being written, memory): how an
 * envelope writer fills in the space it reserved for its signature once the body is written.
 */
export interface PatchableSink extends ByteSink {
  /** Overwrites `chunk.length` bytes at `position`, all of which were written before. */
  writeAt(chunk: Uint8Array, position: number): Promise<void>;
}
