/** Which rows show, in which order: the person/file text filter, the label filter and the sort column. */
import type { FileRow, LabelView } from '../shared/protocol.js';

export const COLUMNS = ['file', 'label', 'protection', 'owner', 'people', 'you', 'actions'] as const;
export type ColumnId = (typeof COLUMNS)[number];
export type SortColumn = Exclude<ColumnId, 'actions'>;

/** What the page keeps across hides and reloads (VS Code's webview state). */
export interface UiState {
  readonly text: string;
  /** A label id, or "" for every label. */
  readonly label: string;
  readonly sort: { readonly column: SortColumn; readonly descending: boolean };
}

export const DEFAULT_STATE: UiState = { text: '', label: '', sort: { column: 'file', descending: false } };

const SORT_COLUMNS: readonly string[] = ['file', 'label', 'protection', 'owner', 'people', 'you'];

/** The saved state if it is one (an older page may have saved another shape), else the default. */
export function restoreState(saved: unknown): UiState {
  if (typeof saved !== 'object' || saved === null) return DEFAULT_STATE;
  const s = saved as Partial<Record<keyof UiState, unknown>>;
  const sort = s.sort as Partial<UiState['sort']> | undefined;
  return {
    text: typeof s.text === 'string' ? s.text : '',
    label: typeof s.label === 'string' ? s.label : '',
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
    case 'owner':
      return (a, b) => byText(a.owner ? personText(a.owner).trim() : '', b.owner ? personText(b.owner).trim() : '');
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
  const rows = files.filter((r) => (!wanted || (r.label !== null && wanted.has(r.label.id))) && (!text || searchable(r).includes(text)));
  const cmp = compare(state.sort.column);
  const sign = state.sort.descending ? -1 : 1;
  return rows.sort((a, b) => sign * cmp(a, b) || byText(a.path, b.path));
}
