/**
 * JSON Schema validation for the workspace files, with validators compiled ahead of time by ajv
 * (`validators.generated.ts`): errors name the bad field by JSON pointer (RFC 6901) and say what was expected.
 */
import { SensitivityError, type ErrorCode } from '../errors.js';
import type { SchemaName } from './schemas.js';
import * as generated from './validators.generated.js';

export { POLICY_SCHEMA_ID } from './schemas.js';

/** RFC 3339 date-time, as `Date.prototype.toISOString` writes it (and with offsets); the schema's `dateTime`. */
export const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The parts of an ajv error (verbose mode) that we put in words. */
export interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly propertyName?: string;
  readonly message?: string;
  readonly parentSchema?: Readonly<Record<string, unknown>>;
  readonly data?: unknown;
}

type Validator = ((data: unknown) => boolean) & { errors?: readonly SchemaError[] | null };
const VALIDATORS = generated as unknown as Readonly<Record<SchemaName, Validator>>;

function shown(data: unknown): string {
  const s = JSON.stringify(data);
  return s === undefined ? String(data) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const article = (type: string) => (/^[aeiou]/.test(type) ? 'an' : 'a');

/** One ajv error in words: "/labels/2/color: Use "#rrggbb"… (got "red")". */
export function describeSchemaError(e: SchemaError): string {
  const at = e.instancePath || '/';
  const got = ` (got ${shown(e.data)})`;
  const p = e.params;
  switch (e.keyword) {
    case 'required':
      return `${e.instancePath}/${String(p.missingProperty)}: is required`;
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema?.properties as object | undefined) ?? {});
      const hint = allowed.length ? `; allowed here: ${allowed.join(', ')}` : '';
      return `${e.instancePath}/${String(p.additionalProperty)}: unknown property${hint}`;
    }
    case 'pattern': {
      const custom = e.parentSchema?.patternErrorMessage as string | undefined;
      const what = custom?.replace(/\.$/, '') ?? `must match ${String(p.pattern)}`;
      return e.propertyName !== undefined ? `${at}: property name "${e.propertyName}": ${what}` : `${at}: ${what}${got}`;
    }
    case 'propertyNames':
      return `${at}: property name "${String(p.propertyName)}" is not allowed`;
    case 'enum':
      return `${at}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got}`;
    case 'const':
      return `${at}: must be ${JSON.stringify(p.allowedValue)}${got}`;
    case 'type':
      return `${at}: must be ${article(String(p.type))} ${String(p.type)}${got}`;
    case 'minItems':
      return `${at}: must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`;
    case 'minLength':
      return `${at}: must have at least ${String(p.limit)} character${p.limit === 1 ? '' : 's'}${got}`;
    default:
      return `${at}: ${e.message ?? 'is invalid'}${e.keyword === 'maxLength' || e.keyword === 'maximum' || e.keyword === 'minimum' ? got : ''}`;
  }
}

/** Validates `data` with a named schema and returns it typed, or throws `code` with "<what>: <pointer>: <expected>". */
export function validateSchema<T>(schema: SchemaName, data: unknown, code: ErrorCode, what: string, file?: string): T {
  const validate = VALIDATORS[schema];
  if (validate(data)) return data as T;
  const first = validate.errors?.[0];
  const why = first ? describeSchemaError(first) : 'does not match its schema';
  throw new SensitivityError(code, `${what}: ${why}`, file);
}

/** JSON.parse raising `code` with the parser's reason. */
export function parseJsonText(text: string, code: ErrorCode, what: string, file?: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new SensitivityError(code, `${what}: not valid JSON (${e instanceof Error ? e.message : String(e)})`, file);
  }
}

/** Refuses a `version` newer than `expected` before any other check, so the message is the useful one. */
export function checkVersion(data: unknown, expected: number, what: string, file?: string): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return;
  const v = (data as { version?: unknown }).version;
  if (typeof v === 'number' && Number.isInteger(v) && v > expected) {
    throw new SensitivityError('E_UNSUPPORTED_VERSION', `${what}: version ${v} is newer than this tool understands (${expected}); update sensitivity`, file);
  }
}
