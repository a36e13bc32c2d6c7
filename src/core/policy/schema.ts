/**
 * JSON Schema validation (ajv, draft-07) for the workspace files: the policy schema is the one the editor
 * also uses; errors name the bad field by JSON pointer (RFC 6901) and say what was expected.
 */
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import { SensitivityError, type ErrorCode } from '../errors.js';
import policySchema from './policy.schema.json' with { type: 'json' };

/** `$id` of the policy schema; other schemas reference its definitions. */
export const POLICY_SCHEMA_ID = policySchema.$id;

/** RFC 3339 date-time, as `Date.prototype.toISOString` writes it (and with offsets). */
export const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

let shared: Ajv | undefined;

/** One ajv for all schemas, created on first use (compiling costs a few milliseconds). */
function ajv(): Ajv {
  if (!shared) {
    shared = new Ajv({ allErrors: false, strict: true, verbose: true, formats: { 'date-time': DATE_TIME } });
    // VS Code shows this keyword for a failed pattern; we show it too.
    shared.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
    shared.addSchema(policySchema);
  }
  return shared;
}

const compiled = new Map<string, ValidateFunction>();

function validatorFor(schema: string | AnySchemaObject): ValidateFunction {
  const key = typeof schema === 'string' ? schema : JSON.stringify(schema);
  let v = compiled.get(key);
  if (!v) {
    v = typeof schema === 'string' ? ajv().getSchema(schema) : ajv().compile(schema);
    if (!v) throw new TypeError(`no schema ${key}`);
    compiled.set(key, v);
  }
  return v;
}

function shown(data: unknown): string {
  const s = JSON.stringify(data);
  return s === undefined ? String(data) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** One ajv error in words: "/labels/2/color: use "#rrggbb"… (got "red")". */
export function describeSchemaError(e: ErrorObject): string {
  const at = e.instancePath || '/';
  const got = ` (got ${shown(e.data)})`;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `${e.instancePath}/${String(params.missingProperty)}: is required`;
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema?.properties as object | undefined) ?? {});
      const hint = allowed.length ? `; allowed here: ${allowed.join(', ')}` : '';
      return `${e.instancePath}/${String(params.additionalProperty)}: unknown property${hint}`;
    }
    case 'pattern': {
      const custom = e.parentSchema?.patternErrorMessage as string | undefined;
      const what = custom?.replace(/\.$/, '') ?? `must match ${String(params.pattern)}`;
      return e.propertyName !== undefined ? `${at}: property name "${e.propertyName}": ${what}` : `${at}: ${what}${got}`;
    }
    case 'propertyNames':
      return `${at}: property name "${String(params.propertyName)}" is not allowed`;
    case 'enum':
      return `${at}: must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got}`;
    case 'const':
      return `${at}: must be ${JSON.stringify(params.allowedValue)}${got}`;
    case 'type':
      return `${at}: must be ${params.type === 'array' || params.type === 'object' || params.type === 'integer' ? 'an' : 'a'} ${String(params.type)}${got}`;
    case 'minItems':
      return `${at}: must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`;
    case 'minLength':
      return `${at}: must have at least ${String(params.limit)} character${params.limit === 1 ? '' : 's'}${got}`;
    case 'format':
      return `${at}: must be a ${String(params.format)} such as 2025-01-31T12:00:00Z${got}`;
    default:
      return `${at}: ${e.message ?? 'is invalid'}${e.keyword === 'maxLength' || e.keyword === 'maximum' || e.keyword === 'minimum' ? got : ''}`;
  }
}

/**
 * Validates `data` against a schema (by `$id#pointer` or inline) and returns it typed, or throws `code`
 * with "<what>: <pointer>: <expected>".
 */
export function validateSchema<T>(schema: string | AnySchemaObject, data: unknown, code: ErrorCode, what: string, file?: string): T {
  const validate = validatorFor(schema);
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

/** Refuses a `version` newer or other than `expected` before any other check, so the message is the useful one. */
export function checkVersion(data: unknown, expected: number, what: string, file?: string): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return;
  const v = (data as { version?: unknown }).version;
  if (typeof v === 'number' && Number.isInteger(v) && v > expected) {
    throw new SensitivityError('E_UNSUPPORTED_VERSION', `${what}: version ${v} is newer than this tool understands (${expected}); update sensitivity`, file);
  }
}
