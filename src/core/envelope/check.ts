/** Shape checks for JSON read from an envelope header: anything unexpected is E_FORMAT, naming the field. */
import { SensitivityError } from '../errors.js';

export type Obj = Readonly<Record<string, unknown>>;

/** E_FORMAT naming what is wrong (structure is public: this reveals nothing secret). */
export function formatError(what: string): SensitivityError {
  return new SensitivityError('E_FORMAT', `not a valid protected file: ${what}`);
}

export function obj(v: unknown, at: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw formatError(`${at} is not an object`);
  return v as Obj;
}

export function arr(v: unknown, at: string): readonly unknown[] {
  if (!Array.isArray(v)) throw formatError(`${at} is not a list`);
  return v;
}

/** A RegExp, or any predicate shaped like one. */
export interface Pattern {
  test(s: string): boolean;
}

export function str(v: unknown, at: string, pattern?: Pattern, max = 1024): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > max || (pattern && !pattern.test(v))) {
    throw formatError(`${at} is missing or malformed`);
  }
  return v;
}

export function optStr(v: unknown, at: string): string | undefined {
  return v === undefined ? undefined : str(v, at);
}

export function int(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw formatError(`${at} is not a non-negative integer`);
  return v;
}

/**
 * E_FORMAT when `v` nests arrays or objects deeper than `max`. Checked without recursion, so a hostile
 * value (a slot kind we do not know, kept on rewrite) cannot overflow the stack here or when re-serialised.
 */
export function shallow(v: unknown, at: string, max: number): void {
  const pending: { value: unknown; depth: number }[] = [{ value: v, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth >= max) throw formatError(`${at} nests deeper than ${max} levels`);
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
}

export function json(text: string, at: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw formatError(`${at} is not JSON`);
  }
}

/** base64url without padding (RFC 4648 §5), as JOSE uses it. */
export const B64U = /^[A-Za-z0-9_-]+$/;
/** A compact JWS (three segments) or JWE (five); the payload of a JWS may be empty, no other segment may. */
export const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;
export const COMPACT_JWE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
