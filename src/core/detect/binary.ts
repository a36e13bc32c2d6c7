/** Text or binary: what a scanner should read, and how to turn its bytes into text. */

/** How many leading bytes the binary test looks at (git's own heuristic reads 8000). */
export const BINARY_SNIFF_BYTES = 8000;

/**
 * True when `bytes` (a file's first bytes; more are ignored) look binary: a NUL byte (git's test), or
 * more than 10% control characters other than tab, newlines, form feed and escape. UTF-16 text with a
 * byte order mark counts as text (`decodeText` reads it).
 */
export function isProbablyBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, BINARY_SNIFF_BYTES);
  if (n >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) return false;
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) return true;
    if ((b < 32 && b !== 9 && b !== 10 && b !== 12 && b !== 13 && b !== 27) || b === 127) control++;
  }
  return control * 10 > n;
}

/** Decodes a text file's bytes: UTF-16 by its byte order mark, else UTF-8 (a UTF-8 BOM dropped, bad bytes as U+FFFD). */
export function decodeText(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  return new TextDecoder('utf-8').decode(bytes);
}
