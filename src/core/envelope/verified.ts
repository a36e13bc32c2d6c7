/**
 * What verified last, by the exact bytes it covered (issue 24). An open reads its header twice through one handle —
 * once to decide and record access before any key is touched, once to unlock — and the same bytes are not verified
 * twice. Only a verification that succeeded is kept, and only what a header says in public (signed claims, never a
 * key); any other bytes are verified afresh.
 */
import { equalBytes } from '@noble/ciphers/utils.js';

/** A one-entry memo of an asynchronous verification, keyed by a copy of the bytes it covered. */
export function lastVerified<T>(): (bytes: Uint8Array, verify: () => Promise<T>) => Promise<T> {
  let last: { readonly bytes: Uint8Array; readonly value: T } | undefined;
  return async (bytes, verify) => {
    if (last && equalBytes(last.bytes, bytes)) return last.value;
    const value = await verify();
    last = { bytes: bytes.slice(), value };
    return value;
  };
}
