/**
 * The audit view's model (issue 22), without `vscode`: the log's entries in people's words, filtered and
 * paged newest first, facet counts, and Verify's verdict in words. Built once per read of the log; a query
 * scans precomputed keys only, so a 50 000-entry log filters in milliseconds.
 */
import { isSecretDetailName, readAuditLines, type AuditAction, type AuditEntry, type AuditVerification, type JsonValue } from '../../core/audit/index.js';
import {
  AUDIT_PAGE_SIZE,
  type AuditFilters,
  type AuditPageView,
  type AuditRowView,
  type FacetView,
  type VerifyView,
  type WhoKind,
} from '../../shared/audit-protocol.js';

/** Every action the hosts record, in people's words (a new action must be worded here: the type checks it). */
export const ACTION_WORDS: Readonly<Record<AuditAction, string>> = {
  'label.set': 'Set a label',
  'label.remove': 'Removed a label',
  'label.auto': 'Labelled automatically (sensitive content found)',
  protect: 'Protected (encrypted)',
  unprotect: 'Unprotected (decrypted)',
  open: 'Opened a protected file',
  'open.denied': 'Tried to open a protected file',
  'open.refused': 'Refused to open a damaged file',
  edit: 'Saved changes',
  grant: 'Shared (granted access)',
  revoke: 'Stopped sharing (revoked access)',
  expiry: 'Changed when access ends',
  restore: 'Accepted a restored version',
  migrate: 'Upgraded the file format',
  'identity.create': 'Created an identity',
  'identity.import': 'Imported an identity',
  'identity.export': 'Exported an identity',
  'people.add': 'Added a person',
  'people.remove': 'Removed a person',
  'people.change': "Changed a person's keys",
  'policy.accept': 'Accepted workspace keys',
  'pin.change': "Accepted a person's new key",
  'audit.repair': 'Repaired the audit log (a line cut short)',
  'paste.keep': 'Kept the label under pasted text',
  'key.decrypt': 'Key service released a key',
  'directory.certify': 'Key service certified an identity',
  'witness.register': 'Key service registered an access change',
  'witness.remove': "An administrator removed the key service's newest access change of a file",
};

/** An action's words; one a newer version recorded is named as it is stored. */
export function actionWords(action: string): string {
  return Object.hasOwn(ACTION_WORDS, action) ? ACTION_WORDS[action as AuditAction] : `Other: ${action}`;
}

const DIRECTION_WORDS: Readonly<Record<string, string>> = { new: 'new label', upgrade: 'raised', downgrade: 'lowered', same: 'unchanged' };

/** What the model needs to word entries: who you are, whom your pins verify, the policy's label names, local time. */
export interface AuditWording {
  /** Your identity, if you have one. */
  readonly you?: { readonly id: string; readonly name: string };
  /** People your pins verify, by identity id. */
  readonly pinned: ReadonlyMap<string, { readonly name: string; readonly email: string }>;
  /** Label names by id (the workspace policy); unknown ids are shown as stored. */
  readonly labelNames: ReadonlyMap<string, string>;
  /** A time for people, in the local time zone. */
  readonly formatTime: (at: Date) => string;
  /** The first millisecond of a local calendar day given as YYYY-MM-DD. */
  readonly dayStart: (day: string) => number;
}

const localFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A time as people read it here: the local time zone, to the second. */
export const localTime = (at: Date): string => localFormat.format(at);

/** The wording of the machine this runs on: its local time zone. */
export function localWording(you: AuditWording['you'], pinned: AuditWording['pinned'], labelNames: AuditWording['labelNames']): AuditWording {
  return {
    ...(you !== undefined ? { you } : {}),
    pinned,
    labelNames,
    formatTime: localTime,
    dayStart: (day) => {
      const [y, m, d] = day.split('-').map(Number) as [number, number, number];
      return new Date(y, m - 1, d).getTime();
    },
  };
}

const str = (v: JsonValue | undefined): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Who acted: the filter key and the words. */
function whoOf(e: AuditEntry, w: AuditWording): { key: string; kind: WhoKind; words: string } {
  const account = str(e.serviceAccount);
  if (account) return { key: `machine:${account}`, kind: 'machine', words: `service account ${account} (a machine)` };
  if (e.actor === null) return { key: 'none', kind: 'none', words: 'no identity' };
  const { id, email } = e.actor;
  if (email === '') return { key: `id:${id}`, kind: 'machine', words: `a machine (key ${id.slice(0, 8)}…)` };
  const pinned = w.pinned.get(id);
  const verified = pinned !== undefined && pinned.email.toLowerCase() === email.toLowerCase();
  if (id === w.you?.id) return { key: `id:${id}`, kind: 'you', words: `${w.you.name ? `${w.you.name} <${email}>` : email} (you)` };
  if (verified) return { key: `id:${id}`, kind: 'verified', words: pinned.name ? `${pinned.name} <${email}>` : email };
  return { key: `id:${id}`, kind: 'unverified', words: `${email} (unverified key)` };
}

/** The labels an entry concerns (ids), and how to say them. */
function labelsOf(e: AuditEntry, w: AuditWording): { ids: string[]; words: string | null } {
  const name = (id: string) => w.labelNames.get(id) ?? id;
  const from = str(e.from);
  const to = str(e.to);
  const label = str(e.label);
  if (label) return { ids: [label], words: name(label) };
  if (from && to) return { ids: [from, to], words: `${name(from)} → ${name(to)}` };
  const one = to ?? from;
  return one ? { ids: [one], words: name(one) } : { ids: [], words: null };
}

const isObject = (v: JsonValue | undefined): v is { readonly [key: string]: JsonValue | undefined } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whom an entry concerns besides its file: a person added, people granted access, how many were revoked. */
function concerning(e: AuditEntry, w: AuditWording): string | undefined {
  if (isObject(e.person)) {
    const email = str(e.person.email);
    const name = str(e.person.name);
    return name && email ? `${name} <${email}>` : (email ?? name);
  }
  if (Array.isArray(e.grantees)) {
    const each = e.grantees.filter(isObject).map((g) => `${str(g.email) ?? '?'}${str(g.role) ? ` as ${str(g.role)}` : ''}`);
    return each.length > 0 ? each.join(', ') : undefined;
  }
  if (Array.isArray(e.revoked)) return `access removed for ${e.revoked.length === 1 ? '1 person' : `${e.revoked.length} people`}`;
  if (e.action === 'expiry') return typeof e.expires === 'string' ? `until ${w.formatTime(new Date(e.expires))}` : 'no end';
  return undefined;
}

/** The outcome in words: a denial or refusal says so (its code in the raw entry), a change whom it concerns, its direction and reason. */
function resultOf(e: AuditEntry, w: AuditWording): { ok: boolean; words: string } {
  if (e.action === 'open.denied') return { ok: false, words: 'Denied: no access' };
  if (e.action === 'open.refused') return { ok: false, words: 'Refused: the file failed its checks' };
  const parts = ['Done'];
  const about = concerning(e, w);
  if (about) parts.push(about);
  const direction = str(e.direction);
  if (direction) parts.push(DIRECTION_WORDS[direction] ?? direction);
  const reason = str(e.justification);
  if (reason) parts.push(`reason: “${reason}”`);
  return { ok: true, words: parts.join(' · ') };
}

/** The stored entry with any detail named like a secret hidden (the log never holds one; a hand-edited log might). */
function hideSecrets(v: JsonValue | undefined): JsonValue | undefined {
  if (Array.isArray(v)) return v.map((x: JsonValue) => hideSecrets(x) ?? null);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, isSecretDetailName(k) ? '(hidden)' : hideSecrets(x)]));
}

/** An entry with what filtering needs precomputed. */
interface Indexed {
  readonly entry: AuditEntry;
  readonly at: number;
  readonly who: { key: string; kind: WhoKind; words: string };
  readonly labels: { ids: string[]; words: string | null };
  readonly file: string;
}

/** A cache key part for a detail that is worded only when it is a string. */
const part = (v: JsonValue | undefined) => (typeof v === 'string' ? `s${v}` : 'n');

type Counts = Map<string, { words: string; count: number }>;

function facet(counts: Counts): FacetView[] {
  return [...counts].map(([value, { words, count }]) => ({ value, words, count })).sort((a, b) => b.count - a.count || a.words.localeCompare(b.words));
}

function countInto(counts: Counts, value: string, words: string): void {
  const c = counts.get(value);
  if (c) c.count++;
  else counts.set(value, { words, count: 1 });
}

/** The log as the view shows it: entries newest first, facets of the whole log, queries by filters and page. */
export class AuditLogModel {
  /** Oldest first, as in the log (a query walks it backwards). */
  private readonly indexed: Indexed[] = [];
  private readonly counts = { people: new Map() as Counts, actions: new Map() as Counts, labels: new Map() as Counts };
  // A log names few people and labels many times: each is worded once.
  private readonly whos = new Map<string, Indexed['who']>();
  private readonly labelWords = new Map<string, Indexed['labels']>();
  private damagedLines: number;

  /** The model of the log `text` (damaged lines are counted, not shown; Verify explains them). */
  static of(text: string, path: string, wording: AuditWording): AuditLogModel {
    const { entries, damaged } = readAuditLines(text);
    return new AuditLogModel(entries, damaged.length, path, wording);
  }

  constructor(
    entries: readonly AuditEntry[],
    damaged: number,
    readonly path: string,
    private readonly wording: AuditWording,
  ) {
    this.damagedLines = 0;
    this.append(entries, damaged);
  }

  /** Adds entries appended to the log since (and lines among them that are not entries): the live view's cheap path. */
  append(entries: readonly AuditEntry[], damaged: number): void {
    this.damagedLines += damaged;
    const { people, actions, labels } = this.counts;
    for (const entry of entries) {
      const whoKey = `${part(entry.serviceAccount)}\0${entry.actor === null ? 'n' : `s${entry.actor.id}\0${entry.actor.email}`}`;
      const who = this.whos.get(whoKey) ?? this.whos.set(whoKey, whoOf(entry, this.wording)).get(whoKey)!;
      const labelKey = `${part(entry.label)}\0${part(entry.from)}\0${part(entry.to)}`;
      const l = this.labelWords.get(labelKey) ?? this.labelWords.set(labelKey, labelsOf(entry, this.wording)).get(labelKey)!;
      this.indexed.push({ entry, at: Date.parse(entry.ts), who, labels: l, file: (entry.file ?? '').toLowerCase() });
      countInto(people, who.key, who.words);
      countInto(actions, entry.action, actionWords(entry.action));
      for (const id of l.ids) countInto(labels, id, this.wording.labelNames.get(id) ?? id);
    }
  }

  get total(): number {
    return this.indexed.length;
  }

  get damaged(): number {
    return this.damagedLines;
  }

  /** Each filter's choices with their counts over the whole log, most frequent first. */
  get facets(): AuditPageView['facets'] {
    return { people: facet(this.counts.people), actions: facet(this.counts.actions), labels: facet(this.counts.labels) };
  }

  /** The filter values the facets offer (the validation context of the view's messages). */
  get choices(): { readonly people: ReadonlySet<string>; readonly actions: ReadonlySet<string>; readonly labels: ReadonlySet<string> } {
    return { people: new Set(this.counts.people.keys()), actions: new Set(this.counts.actions.keys()), labels: new Set(this.counts.labels.keys()) };
  }

  /** Page `page` (0-based, clamped to the last) of the entries the filters match, newest first. */
  query(filters: AuditFilters, page: number): AuditPageView {
    const text = filters.file.trim().toLowerCase();
    const from = filters.from ? this.wording.dayStart(filters.from) : -Infinity;
    // `to` includes its whole day: up to the start of the next one.
    const to = filters.to ? this.wording.dayStart(nextDay(filters.to)) : Infinity;
    const matches: Indexed[] = [];
    // Newest first: the log is in time order (appends).
    for (let i = this.indexed.length - 1; i >= 0; i--) {
      const x = this.indexed[i]!;
      if (filters.person && x.who.key !== filters.person) continue;
      if (filters.action && x.entry.action !== filters.action) continue;
      if (filters.label && !x.labels.ids.includes(filters.label)) continue;
      if (text && !x.file.includes(text)) continue;
      if (x.at < from || x.at >= to) continue;
      matches.push(x);
    }
    const last = Math.max(0, Math.ceil(matches.length / AUDIT_PAGE_SIZE) - 1);
    const shown = Math.min(page, last);
    const rows = matches.slice(shown * AUDIT_PAGE_SIZE, (shown + 1) * AUDIT_PAGE_SIZE).map((x) => this.row(x));
    return {
      status: this.indexed.length === 0 ? 'empty' : 'ready',
      path: this.path,
      total: this.indexed.length,
      matching: matches.length,
      page: shown,
      pageSize: AUDIT_PAGE_SIZE,
      rows,
      facets: this.facets,
      damaged: this.damaged,
      error: null,
    };
  }

  private row(x: Indexed): AuditRowView {
    const e = x.entry;
    return {
      seq: e.seq,
      ts: e.ts,
      time: Number.isNaN(x.at) ? e.ts : this.wording.formatTime(new Date(x.at)),
      who: { kind: x.who.kind, words: x.who.words },
      action: { id: e.action, words: actionWords(e.action) },
      file: e.file ?? null,
      label: x.labels.words,
      result: resultOf(e, this.wording),
      raw: JSON.stringify(hideSecrets(e as unknown as JsonValue), null, 2),
    };
  }
}

/** The calendar day after YYYY-MM-DD (as YYYY-MM-DD), computed in UTC so no time zone shifts it. */
function nextDay(day: string): string {
  const t = Date.parse(`${day}T00:00:00Z`) + 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** The head of an earlier intact verification, kept outside the log: cutting entries from its end then shows. */
export interface AuditAnchor {
  readonly head: string;
  readonly entries: number;
  /** When it was verified (ISO 8601). */
  readonly at: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** The time recorded on line `line` of the log, for people, if that line is an entry. */
function timeOfLine(text: string, line: number, formatTime: (at: Date) => string): string | undefined {
  const ts = readAuditLines(text.split('\n')[line - 1] ?? '').entries[0]?.ts;
  return ts === undefined ? undefined : formatTime(new Date(ts));
}

/**
 * Verify's verdict in people's words: intact (how many entries, from when to when), or where the chain
 * breaks (entry number and time), with the stable code and the checker's reason in the details line.
 */
export function verifyView(text: string, result: AuditVerification, anchor: AuditAnchor | undefined, formatTime: (at: Date) => string): VerifyView {
  if (result.ok) {
    const n = result.entries.length;
    if (n === 0) return { intact: true, headline: 'The audit log is empty: there is nothing to verify yet.', details: 'No entries.', brokenAt: null };
    const first = formatTime(new Date(result.entries[0]!.ts));
    const last = formatTime(new Date(result.entries[n - 1]!.ts));
    const since = anchor ? `; it still holds everything verified on ${formatTime(new Date(anchor.at))} (${plural(anchor.entries, 'entry', 'entries')})` : '';
    return {
      intact: true,
      headline: `The audit log is intact: ${plural(n, 'entry', 'entries')}, each chained to the one before, from ${first} to ${last}.`,
      details: `Head ${result.head ?? ''}${since}.`,
      brokenAt: null,
    };
  }
  const lines = text.split('\n').filter((l, i, all) => i < all.length - 1 || l !== '').length;
  if (result.line > lines) {
    const when = anchor ? ` on ${formatTime(new Date(anchor.at))}` : '';
    const had = anchor ? ` It had ${plural(anchor.entries, 'entry', 'entries')} then and has ${plural(lines, 'line')} now.` : '';
    return {
      intact: false,
      headline: `The audit log was cut short or replaced: entries verified${when} are no longer in it.${had}`,
      details: `E_AUDIT_BROKEN · ${result.reason}`,
      brokenAt: result.line,
    };
  }
  const time = timeOfLine(text, result.line, formatTime);
  return {
    intact: false,
    headline: `The audit log was changed: the chain breaks at entry ${result.line}${time ? ` (${time})` : ''}. That entry and every one after it cannot be trusted.`,
    details: `E_AUDIT_BROKEN · line ${result.line} ${result.reason}`,
    brokenAt: result.line,
  };
}
