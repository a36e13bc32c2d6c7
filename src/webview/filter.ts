/**
 * Which rows show, in which order (the person/file text filter, the label and person filters, the sort
 * column), and what the summary strip and the person view say about them.
 */
import type { FileRow, LabelView, PersonView } from '../shared/protocol.js';

type Right = PersonView['rights'][number];

export const COLUMNS = ['file', 'label', 'protection', 'people', 'you', 'actions'] as const;
export type ColumnId = (typeof COLUMNS)[number];
export type SortColumn = Exclude<ColumnId, 'actions'>;

/** What the page keeps across hides and reloads (VS Code's webview state). */
export interface UiState {
  readonly text: string;
  /** A label id, or "" for every label. */
  readonly label: string;
  /** A person's identity id (the person view), or "" for everyone. */
  readonly person: string;
  readonly sort: { readonly column: SortColumn; readonly descending: boolean };
}

export const DEFAULT_STATE: UiState = { text: '', label: '', person: '', sort: { column: 'file', descending: false } };

const SORT_COLUMNS: readonly string[] = ['file', 'label', 'protection', 'people', 'you'];

/** The saved state if it is one (an older page may have saved another shape), else the default. */
export function restoreState(saved: unknown): UiState {
  if (typeof saved !== 'object' || saved === null) return DEFAULT_STATE;
  const s = saved as Partial<Record<keyof UiState, unknown>>;
  const sort = s.sort as Partial<UiState['sort']> | undefined;
  return {
    text: typeof s.text === 'string' ? s.text : '',
    label: typeof s.label === 'string' ? s.label : '',
    person: typeof s.person === 'string' ? s.person : '',
    sort:
      sort && typeof sort.column === 'string' && SORT_COLUMNS.includes(sort.column) && typeof sort.descending === 'boolean'
        ? { column: sort.column, descending: sort.descending }
        : DEFAULT_STATE.sort,
  };
}

const personText = (p: { name: string | null; email: string }) => `${p.name ?? ''} ${p.email}`;

/** Everything the text filter looks at: the path and every person named on the row. */
function searchable(row: FileRow): string {
  return [row.path, row.labeledBy ?? '', ...row.people.map(personText)].join('\n').toLowerCase();
}

const byText = (a: string, b: string) => a.localeCompare(b, undefined, { sensitivity: 'base', numeric: true });

function compare(column: SortColumn): (a: FileRow, b: FileRow) => number {
  switch (column) {
    case 'file':
      return (a, b) => byText(a.path, b.path);
    case 'label':
      return (a, b) => a.labelRank - b.labelRank;
    case 'protection':
      return (a, b) => Number(a.protected) - Number(b.protected) || Number(a.expired) - Number(b.expired);
    case 'people':
      return (a, b) => a.people.length - b.people.length;
    case 'you':
      return (a, b) => a.yourRights.length - b.yourRights.length;
  }
}

/** The rows matching the filters, sorted (ties keep path order, so the table does not jump). */
export function visibleRows(files: readonly FileRow[], labels: readonly LabelView[], state: UiState): FileRow[] {
  const text = state.text.trim().toLowerCase();
  // A parent label also matches its sublabels.
  const wanted = state.label ? new Set([state.label, ...labels.filter((l) => l.parent === state.label).map((l) => l.id)]) : undefined;
  const rows = files.filter(
    (r) =>
      (!wanted || (r.label !== null && wanted.has(r.label.id))) &&
      (!text || searchable(r).includes(text)) &&
      (!state.person || r.people.some((p) => p.id === state.person)),
  );
  const cmp = compare(state.sort.column);
  const sign = state.sort.descending ? -1 : 1;
  return rows.sort((a, b) => sign * cmp(a, b) || byText(a.path, b.path));
}

/** What the summary strip counts. */
export interface Summary {
  /** Files per label, in the policy's order (labels with no file left out); unlabeled protected files are not counted here. */
  readonly byLabel: readonly { readonly id: string; readonly name: string; readonly count: number }[];
  readonly protectedFiles: number;
  readonly labelOnly: number;
  /** Protected files whose content expires within `soonDays` (not yet expired). */
  readonly expiringSoon: number;
  /** Files whose content needs a higher label than they carry. */
  readonly outranked: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Counts for the summary strip (Purview's content explorer, for one workspace). */
export function summarize(files: readonly FileRow[], labels: readonly LabelView[], now: Date, soonDays = 7): Summary {
  const counts = new Map<string, number>();
  for (const f of files) if (f.label) counts.set(f.label.id, (counts.get(f.label.id) ?? 0) + 1);
  const order = new Map(labels.map((l, i) => [l.id, i]));
  const byLabel = [...counts]
    .map(([id, count]) => ({ id, name: labels.find((l) => l.id === id)?.name ?? files.find((f) => f.label?.id === id)!.label!.name, count }))
    .sort((a, b) => (order.get(a.id) ?? Infinity) - (order.get(b.id) ?? Infinity));
  const soon = now.getTime() + soonDays * DAY_MS;
  const expiringSoon = files.filter((f) => f.expires && !f.expired && Date.parse(f.expires) > now.getTime() && Date.parse(f.expires) <= soon).length;
  const protectedFiles = files.filter((f) => f.protected).length;
  return { byLabel, protectedFiles, labelOnly: files.length - protectedFiles, expiringSoon, outranked: files.filter((f) => f.findings).length };
}

/** Everyone named on a protected file, once each (by identity), owners and grantees alike, by name. */
export function everyone(files: readonly FileRow[]): PersonView[] {
  const seen = new Map<string, PersonView>();
  for (const f of files) for (const p of f.people) if (!seen.has(p.id)) seen.set(p.id, p);
  return [...seen.values()].sort((a, b) => byText(a.name ?? a.email, b.name ?? b.email) || byText(a.email, b.email));
}

/** One file a person can open, and how. */
export interface AccessLine {
  readonly path: string;
  readonly role: string;
  readonly rights: readonly Right[];
  readonly expires: string | null;
  readonly expired: boolean;
  /** You may take this access away here (you own the file; they are neither its owner nor a recovery key). */
  readonly revocable: boolean;
}

/** What `personId` can open, and with which rights (the person view). */
export function accessOf(files: readonly FileRow[], personId: string): AccessLine[] {
  return files
    .flatMap((f) => {
      const p = f.people.find((x) => x.id === personId);
      if (!p) return [];
      return [{ path: f.path, role: p.role, rights: p.rights, expires: f.expires, expired: f.expired, revocable: f.actions.revoke && !p.owner && !p.recovery }];
    })
    .sort((a, b) => byText(a.path, b.path));
}
