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

/** Where produced bytes go, in order. Awaited: back-pressure is the sink's job. */
export interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
}
