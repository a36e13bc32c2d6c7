/**
 * The audit view's message protocol, both directions (issue 22). The webview is untrusted: the host runs
 * `validateAuditMessage` on every message it receives. Only what the log already says crosses, in words:
 * the log never holds keys or content, and the host hides any detail named like one.
 */
import { isPlainObject, keys } from './protocol.js';

/** Bumped on any incompatible change; the webview announces it in `ready`. */
export const AUDIT_PROTOCOL_VERSION = 1;

/** Rows per page. */
export const AUDIT_PAGE_SIZE = 100;

// ---------------------------------------------------------------------------------------------------
// View model (host → webview)

/** How the person who acted is known: you, a person your pins verify, an unverified key, a machine, or no identity. */
export type WhoKind = 'you' | 'verified' | 'unverified' | 'machine' | 'none';

/** One entry of the log, in words. */
export interface AuditRowView {
  /** The entry's number in the log (1, 2, 3…). */
  readonly seq: number;
  /** ISO 8601 time as recorded. */
  readonly ts: string;
  /** The time in the local time zone, for people. */
  readonly time: string;
  readonly who: { readonly kind: WhoKind; readonly words: string };
  readonly action: { readonly id: string; readonly words: string };
  readonly file: string | null;
  /** The label concerned (its name when the policy knows it), or null. */
  readonly label: string | null;
  readonly result: { readonly ok: boolean; readonly words: string };
  /** The entry as stored, pretty-printed (a detail named like a secret shown as hidden). */
  readonly raw: string;
}

/** One choice of a filter, with how many entries of the whole log it matches. */
export interface FacetView {
  readonly value: string;
  readonly words: string;
  readonly count: number;
}

/** What the filters ask for; '' means any. Dates are local calendar days, YYYY-MM-DD, both ends included. */
export interface AuditFilters {
  readonly person: string;
  readonly action: string;
  readonly label: string;
  /** Text the file's path contains (case-insensitive). */
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

export const NO_FILTERS: AuditFilters = { person: '', action: '', label: '', file: '', from: '', to: '' };

/** One page of the filtered log, newest first. */
export interface AuditPageView {
  readonly status: 'ready' | 'empty' | 'error';
  /** Where the log is (shown so people know which file this is). */
  readonly path: string;
  /** Entries in the log. */
  readonly total: number;
  /** Entries the filters match. */
  readonly matching: number;
  /** The 0-based page shown (clamped to the last page). */
  readonly page: number;
  readonly pageSize: number;
  readonly rows: readonly AuditRowView[];
  readonly facets: { readonly people: readonly FacetView[]; readonly actions: readonly FacetView[]; readonly labels: readonly FacetView[] };
  /** Lines that are not entries (the log was damaged or edited): Verify says more. */
  readonly damaged: number;
  /** The failure to read the log, in words, when status is "error". */
  readonly error: string | null;
}

/** The answer of Verify: a headline in people's words and a details line with the stable code. */
export interface VerifyView {
  readonly intact: boolean;
  readonly headline: string;
  readonly details: string;
  /** The entry number where the chain breaks (the first that can no longer be trusted), when broken. */
  readonly brokenAt: number | null;
}

// ---------------------------------------------------------------------------------------------------
// Requests (webview → host), matched to responses by id

export interface AuditRequests {
  /** A page of the log under these filters. */
  query: { params: { filters: AuditFilters; page: number }; result: AuditPageView };
  /** Verify the hash chain of the log on disk (the CLI's `sensitivity audit --verify`). */
  verify: { params: Record<string, never>; result: VerifyView };
}

export type AuditRequestType = keyof AuditRequests;
export type AuditParams<K extends AuditRequestType> = AuditRequests[K]['params'];
export type AuditResult<K extends AuditRequestType> = AuditRequests[K]['result'];
export type AuditRequestOf<K extends AuditRequestType> = { readonly type: K; readonly id: number; readonly params: AuditParams<K> };
export type AuditRequest = { [K in AuditRequestType]: AuditRequestOf<K> }[AuditRequestType];

export interface AuditReadyMessage {
  readonly type: 'ready';
  readonly protocol: number;
}

/** Everything the audit webview may send. */
export type AuditWebviewMessage = AuditReadyMessage | AuditRequest;

/** The log changed on disk (it grew, or was replaced): the page asks again for what it shows. */
export interface AuditChangedMessage {
  readonly type: 'changed';
  readonly total: number;
}

export type AuditResponseMessage =
  | {
      [K in AuditRequestType]: { readonly type: 'response'; readonly id: number; readonly request: K; readonly ok: true; readonly result: AuditResult<K> };
    }[AuditRequestType]
  | { readonly type: 'response'; readonly id: number; readonly request: AuditRequestType; readonly ok: false; readonly error: string };

export type AuditHostMessage = AuditChangedMessage | AuditResponseMessage;

// ---------------------------------------------------------------------------------------------------
// Validation of untrusted webview messages

/** Longest filter value accepted (a path's length). */
export const MAX_FILTER_LENGTH = 4096;
/** Highest page number accepted (far beyond any log: a bound, not a limit anyone meets). */
export const MAX_PAGE = 1_000_000;

const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const FILTER_KEYS = Object.keys(NO_FILTERS) as (keyof AuditFilters)[];

/** What the host shows: filter choices must be among these (text and dates are checked for shape). */
export interface AuditValidationContext {
  readonly people: ReadonlySet<string>;
  readonly actions: ReadonlySet<string>;
  readonly labels: ReadonlySet<string>;
}

export type AuditValidation =
  | { readonly ok: true; readonly message: AuditWebviewMessage }
  | { readonly ok: false; readonly reason: string; readonly request?: { readonly id: number; readonly type: AuditRequestType } };

/** The filters, rebuilt from checked strings only, or why not. */
function checkFilters(v: unknown, ctx: AuditValidationContext): AuditFilters | string {
  if (!isPlainObject(v)) return 'filters is not an object';
  const k = keys(v, FILTER_KEYS);
  if (k) return `filters: ${k}`;
  for (const key of FILTER_KEYS) {
    const s = v[key];
    if (typeof s !== 'string') return `filters.${key} is not a string`;
    if (s.length > MAX_FILTER_LENGTH) return `filters.${key} is longer than ${MAX_FILTER_LENGTH}`;
  }
  const f = Object.fromEntries(FILTER_KEYS.map((key) => [key, v[key] as string])) as unknown as AuditFilters;
  if (f.person !== '' && !ctx.people.has(f.person)) return 'filters.person is not a person in the log';
  if (f.action !== '' && !ctx.actions.has(f.action)) return 'filters.action is not an action in the log';
  if (f.label !== '' && !ctx.labels.has(f.label)) return 'filters.label is not a label in the log';
  for (const key of ['from', 'to'] as const) if (f[key] !== '' && !DAY.test(f[key])) return `filters.${key} is not a date (YYYY-MM-DD)`;
  if (f.file.includes('\0')) return 'filters.file holds a NUL';
  return f;
}

/** Checks a message from the audit webview. The reason never quotes the message, so it is safe to log. */
export function validateAuditMessage(raw: unknown, ctx: AuditValidationContext): AuditValidation {
  const fail = (reason: string): AuditValidation => ({ ok: false, reason });
  if (!isPlainObject(raw)) return fail('not an object');
  if (raw.type === 'ready') {
    const k = keys(raw, ['type', 'protocol']);
    if (k) return fail(`ready: ${k}`);
    if (raw.protocol !== AUDIT_PROTOCOL_VERSION) return fail('ready: unsupported protocol version');
    return { ok: true, message: { type: 'ready', protocol: AUDIT_PROTOCOL_VERSION } };
  }
  const type = raw.type;
  if (type !== 'query' && type !== 'verify') return fail('unknown message type');
  const id = raw.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return fail(`${type}: id is not a non-negative integer`);
  const refuse = (reason: string): AuditValidation => ({ ok: false, reason: `${type}: ${reason}`, request: { id, type } });
  const k = keys(raw, ['type', 'id', 'params']);
  if (k) return refuse(k);
  const p = raw.params;
  if (!isPlainObject(p)) return refuse('params is not an object');
  if (type === 'verify') {
    const pk = keys(p, []);
    return pk ? refuse(pk) : { ok: true, message: { type, id, params: {} } };
  }
  const pk = keys(p, ['filters', 'page']);
  if (pk) return refuse(pk);
  if (typeof p.page !== 'number' || !Number.isSafeInteger(p.page) || p.page < 0 || p.page > MAX_PAGE) return refuse('page is not a page number');
  const filters = checkFilters(p.filters, ctx);
  if (typeof filters === 'string') return refuse(filters);
  return { ok: true, message: { type, id, params: { filters, page: p.page } } };
}
