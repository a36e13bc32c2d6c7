/**
 * Text for a terminal from strings we do not control: every line the CLI prints goes through here, so a
 * crafted file cannot forge lines, move the cursor or reorder what a reader sees (src/core/display.ts).
 */
import { showable } from '../core/display.js';

/** `text` with every unsafe character escaped (tab kept: it separates columns). */
export const terminalSafe = showable;

// In JSON, what JSON.stringify leaves raw (C1, separators, bidi) as \u escapes: the same JSON value when parsed.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON text with the unsafe characters JSON.stringify leaves raw escaped as \uXXXX (same value when parsed). */
export const jsonSafe = (json: string): string => json.replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
