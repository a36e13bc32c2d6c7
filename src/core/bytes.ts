/** Byte arrays compared by content (not for secrets: it returns at the first difference). */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
