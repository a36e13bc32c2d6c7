/**
 * The access panel page: a filterable, sortable table of labeled and protected files. It only shows what
 * the host sends and asks the host to act; it holds no keys and reads no files.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeProgressRing,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import type { LabelView, Params, ProgressMessage, RequestType, ViewModel } from '../shared/protocol.js';
import { HostClient } from './client.js';
import { accessOf, COLUMNS, everyone, restoreState, summarize, visibleRows, type UiState } from './filter.js';
import { el, fileRowElement, GRID_COLUMNS, headerRow, personViewElement, sortColumnOf, summaryElement } from './view.js';

// Only the components the page uses, so the bundle carries no others.
provideVSCodeDesignSystem().register(
  vsCodeBadge(),
  vsCodeButton(),
  vsCodeDataGrid(),
  vsCodeDataGridCell(),
  vsCodeDataGridRow(),
  vsCodeDropdown(),
  vsCodeOption(),
  vsCodeProgressRing(),
  vsCodeTextField(),
);

/** Rows rendered at most; beyond that the filters narrow the list (a DOM of thousands of rows is slow). */
const MAX_ROWS = 500;

type FieldElement = HTMLElement & { value: string };

let model: ViewModel | undefined;
let progress: ProgressMessage | undefined;
let labelsById = new Map<string, LabelView>();
let labelOptionsKey = '';
let personOptionsKey = '';

const client = new HostClient<UiState>({
  model(m) {
    model = m.model;
    if (model.status !== 'indexing') progress = undefined;
    render();
  },
  progress(p) {
    progress = p;
    renderStatus();
  },
});
let state = restoreState(client.state);

// ---------------------------------------------------------------------------------------------------
// Static layout

const app = document.getElementById('app')!;
const identity = el('span', { class: 'identity', id: 'identity' });
const refresh = el('vscode-button', { id: 'refresh', appearance: 'secondary', title: 'Read the workspace again' }, 'Refresh');
const auditLog = el(
  'vscode-button',
  { id: 'show-audit-log', appearance: 'secondary', 'data-request': 'showAuditLog', title: 'Who labelled, protected, opened and shared what, and when' },
  'Audit Log',
);
const text = el(
  'vscode-text-field',
  { id: 'filter-text', placeholder: 'Name, email or path', 'aria-label': 'Filter by person or file' },
  'Person or file',
) as FieldElement;
const labelFilter = el('vscode-dropdown', { id: 'filter-label', 'aria-label': 'Filter by label' }) as FieldElement;
const personFilter = el('vscode-dropdown', { id: 'filter-person', 'aria-label': 'What one person can open' }) as FieldElement;
const summary = el('section', { id: 'summary', class: 'summary', 'aria-label': 'Summary' });
const personView = el('section', { id: 'person-view', class: 'person-view' });
const count = el('vscode-badge', { id: 'count' });
const status = el('div', { id: 'status', role: 'status', 'aria-live': 'polite' });
const notice = el('div', { id: 'notice', role: 'alert' });
const empty = el('div', { id: 'empty', class: 'empty' });
const grid = el('vscode-data-grid', {
  id: 'grid',
  'generate-header': 'none',
  'grid-template-columns': GRID_COLUMNS,
  'aria-label': 'Labeled and protected files',
});
const more = el('p', { id: 'more', class: 'muted' });

app.replaceChildren(
  el('header', { class: 'toolbar' }, el('h1', {}, 'Access to labeled files'), identity, auditLog, refresh),
  summary,
  el(
    'div',
    { class: 'filters' },
    text,
    el('label', { class: 'dropdown-label' }, el('span', {}, 'Label'), labelFilter),
    el('label', { class: 'dropdown-label' }, el('span', {}, 'Person'), personFilter),
    count,
  ),
  status,
  personView,
  notice,
  empty,
  grid,
  more,
);
app.removeAttribute('aria-busy');
text.value = state.text;

// ---------------------------------------------------------------------------------------------------
// Requests

function showNotice(message: string, kind: 'error' | 'info' = 'error'): void {
  notice.replaceChildren(
    el('span', {}, message),
    el('vscode-button', { appearance: 'icon', 'aria-label': 'Dismiss', title: 'Dismiss', 'data-dismiss': '' }, '✕'),
  );
  notice.className = kind;
}

/** Sends a request; a refusal or failure shows in the notice bar. */
async function ask<K extends RequestType>(type: K, params: Params<K>): Promise<void> {
  try {
    await client.request(type, params);
  } catch (e) {
    showNotice(e instanceof Error ? e.message : String(e));
  }
}

function save(next: UiState): void {
  state = next;
  client.state = next;
  renderRows();
}

// ---------------------------------------------------------------------------------------------------
// Rendering

function renderIdentity(m: ViewModel): void {
  if (m.identity) {
    identity.replaceChildren(el('span', { class: 'muted' }, 'You: '), el('span', { title: m.identity.email }, m.identity.name));
  } else {
    identity.replaceChildren();
  }
}

function renderLabelOptions(labels: readonly LabelView[]): void {
  const key = labels.map((l) => `${l.id}\u0000${l.name}`).join('\u0001');
  if (key === labelOptionsKey) return;
  labelOptionsKey = key;
  const options = [el('vscode-option', { value: '' }, 'All labels'), ...labels.map((l) => el('vscode-option', { value: l.id }, l.name))];
  labelFilter.replaceChildren(...options);
  if (state.label && !labelsById.has(state.label)) state = { ...state, label: '' };
  // FAST selects its value once the new options are connected.
  queueMicrotask(() => (labelFilter.value = state.label));
}

function renderPersonOptions(m: ViewModel): void {
  const people = everyone(m.files);
  const key = people.map((p) => `${p.id}\u0000${p.name ?? ''}\u0000${p.email}`).join('\u0001');
  if (key === personOptionsKey) return;
  personOptionsKey = key;
  personFilter.replaceChildren(
    el('vscode-option', { value: '' }, 'Everyone'),
    ...people.map((p) => el('vscode-option', { value: p.id, title: p.email }, `${p.name || p.email}${p.you ? ' (you)' : ''}`)),
  );
  if (state.person && !people.some((p) => p.id === state.person)) state = { ...state, person: '' };
  queueMicrotask(() => (personFilter.value = state.person));
}

function renderSummary(m: ViewModel): void {
  summary.hidden = m.files.length === 0;
  summary.replaceChildren(summaryElement(summarize(m.files, m.labels, new Date()), labelsById));
}

function renderPersonView(m: ViewModel): void {
  const person = state.person ? everyone(m.files).find((p) => p.id === state.person) : undefined;
  personView.hidden = !person;
  personView.replaceChildren(...(person ? [personViewElement(person, accessOf(m.files, person.id))] : []));
}

function renderStatus(): void {
  const m = model;
  if (m?.status === 'indexing') {
    const what = progress && progress.total > 0 ? `Reading protected files: ${progress.done} of ${progress.total}` : 'Looking for labeled and protected files…';
    status.replaceChildren(
      el('vscode-progress-ring', { 'aria-hidden': 'true' }),
      el('span', { id: 'progress-text' }, what),
      el('vscode-button', { id: 'cancel', appearance: 'secondary', 'data-request': 'cancelIndexing' }, 'Cancel'),
    );
    status.className = 'busy';
  } else if (m?.status === 'cancelled') {
    status.replaceChildren(
      el('span', {}, 'Indexing was cancelled: the list may be incomplete. '),
      el('vscode-button', { appearance: 'secondary', 'data-request': 'refresh' }, 'Index again'),
    );
    status.className = 'info';
  } else {
    status.replaceChildren();
    status.className = '';
  }
}

function renderEmpty(m: ViewModel): boolean {
  let content: Node[] | undefined;
  if (m.status === 'no-folder') {
    content = [el('h2', {}, 'No folder is open'), el('p', {}, 'Open a folder or workspace to see its labeled and protected files.')];
  } else if (m.status === 'error') {
    content = [
      el('h2', {}, 'The workspace could not be read'),
      el('p', { class: 'error-text' }, m.error ?? 'Unknown error.'),
      el('vscode-button', { 'data-request': 'refresh' }, 'Try again'),
    ];
  } else if (m.files.length === 0 && m.status === 'ready') {
    content = [
      el('h2', {}, 'No labeled or protected files yet'),
      el('p', {}, 'Labels say how sensitive a file is; protection encrypts it for the people you choose.'),
      el(
        'p',
        {},
        'To label a file, right-click it in the Explorer and choose ',
        el('strong', {}, 'Apply Label (Classify)…'),
        ', or run ',
        el('strong', {}, 'Sensitivity: Apply Label (Classify)…'),
        ' from the Command Palette.',
      ),
      el('vscode-button', { id: 'label-a-file', 'data-request': 'applyLabel' }, 'Label a file…'),
    ];
  }
  if (!m.identity && m.status !== 'no-folder') {
    const hint = el(
      'div',
      { class: 'banner' },
      el('span', {}, 'You have no identity yet. You can see labels, but you need one to protect files and to open files shared with you.'),
      el('vscode-button', { id: 'create-identity', 'data-request': 'createIdentity' }, 'Create identity…'),
      el(
        'vscode-button',
        {
          id: 'import-identity',
          appearance: 'secondary',
          'data-request': 'importIdentity',
          title: 'Use the identity of the sensitivity CLI or an exported identity file',
        },
        'Import…',
      ),
    );
    content = content ? [hint, ...content] : [hint];
  }
  empty.replaceChildren(...(content ?? []));
  empty.hidden = !content;
  return m.status === 'no-folder' || m.status === 'error' || m.files.length === 0;
}

/**
 * The path and column of the focused cell, to put focus back after the rows are rebuilt. Only while the
 * panel has the keyboard: a document keeps its active element when the window loses focus, and a refresh
 * in the background (a file changed) must not take focus from a quick pick, a dialog or an editor.
 */
function focusedCell(): { path: string; column: string } | undefined {
  if (!document.hasFocus()) return undefined;
  const active = document.activeElement;
  const row = active?.closest('vscode-data-grid-row[data-path]');
  const c = active?.closest('vscode-data-grid-cell');
  if (!row || !c) return undefined;
  return { path: row.getAttribute('data-path')!, column: c.getAttribute('grid-column') ?? '1' };
}

function renderRows(): void {
  const m = model;
  if (!m) return;
  renderPersonView(m);
  const rows = visibleRows(m.files, m.labels, state);
  const focus = focusedCell();
  const shown = rows.slice(0, MAX_ROWS);
  grid.replaceChildren(headerRow(COLUMNS, state.sort), ...shown.map((r) => fileRowElement(r, labelsById)));
  grid.hidden = m.files.length === 0;
  count.textContent = rows.length === m.files.length ? `${m.files.length} file${m.files.length === 1 ? '' : 's'}` : `${rows.length} of ${m.files.length} files`;
  if (rows.length > MAX_ROWS) more.textContent = `Showing the first ${MAX_ROWS} of ${rows.length} files: filter to narrow the list.`;
  else if (rows.length === 0 && m.files.length > 0)
    more.replaceChildren('No file matches the filters. ', el('vscode-button', { appearance: 'secondary', id: 'clear-filters' }, 'Clear filters'));
  else more.replaceChildren();
  if (focus) {
    const target = [...grid.querySelectorAll<HTMLElement>('vscode-data-grid-row[data-path]')].find((r) => r.dataset.path === focus.path);
    // Rows render their cells a frame after insertion.
    requestAnimationFrame(() => target?.querySelector<HTMLElement>(`vscode-data-grid-cell[grid-column="${focus.column}"]`)?.focus());
  }
}

function render(): void {
  const m = model;
  if (!m) return;
  labelsById = new Map(m.labels.map((l) => [l.id, l]));
  renderIdentity(m);
  renderLabelOptions(m.labels);
  renderPersonOptions(m);
  renderSummary(m);
  renderStatus();
  renderEmpty(m);
  renderRows();
}

// ---------------------------------------------------------------------------------------------------
// Events

text.addEventListener('input', () => save({ ...state, text: text.value }));
labelFilter.addEventListener('change', () => {
  if (labelFilter.value !== state.label) save({ ...state, label: labelFilter.value });
});
personFilter.addEventListener('change', () => {
  if (personFilter.value !== state.person) save({ ...state, person: personFilter.value });
});

function sortBy(target: EventTarget | null): boolean {
  const column = sortColumnOf(target);
  if (!column) return false;
  save({ ...state, sort: { column, descending: state.sort.column === column ? !state.sort.descending : false } });
  requestAnimationFrame(() => grid.querySelector<HTMLElement>(`[data-sort="${column}"]`)?.focus());
  return true;
}

const pathOf = (target: Element) => target.closest('vscode-data-grid-row[data-path]')?.getAttribute('data-path') ?? undefined;

document.addEventListener('click', (e) => {
  const target = e.target instanceof Element ? e.target : null;
  if (!target) return;
  if (target.closest('[data-dismiss]')) {
    notice.replaceChildren();
    notice.className = '';
    return;
  }
  if (target.closest('#clear-filters')) {
    text.value = '';
    labelFilter.value = '';
    personFilter.value = '';
    save({ ...state, text: '', label: '', person: '' });
    return;
  }
  if (target.closest('#revoke-all') && state.person) return void ask('revokeAll', { personId: state.person });
  const labelLink = target.closest('[data-filter-label]')?.getAttribute('data-filter-label');
  if (labelLink) {
    labelFilter.value = labelLink;
    return save({ ...state, label: labelLink });
  }
  if (target.closest('#refresh')) return void ask('refresh', {});
  const simple = target.closest('[data-request]')?.getAttribute('data-request');
  if (simple === 'createIdentity' || simple === 'importIdentity' || simple === 'cancelIndexing' || simple === 'refresh' || simple === 'showAuditLog')
    return void ask(simple, {});
  if (simple === 'applyLabel') return void ask('applyLabel', {});
  if (sortBy(target)) return;
  const action = target.closest('[data-action]');
  const path = pathOf(target);
  if (!action || !path) return;
  switch (action.getAttribute('data-action')) {
    case 'openFile':
      return void ask('openFile', { path });
    case 'applyLabel':
      return void ask('applyLabel', { path });
    case 'protect':
      return void ask('protect', { path });
    case 'grant':
      return void ask('grant', { path });
    case 'changeExpiry':
      return void ask('changeExpiry', { path });
    case 'acceptRestore':
      return void ask('acceptRestore', { path });
    case 'revoke': {
      const personId = action.getAttribute('data-person');
      if (personId) void ask('revoke', { path, personId });
      return;
    }
  }
});

/** A row's file when it can be opened (a problem row cannot: there is nothing to open). */
const openable = (path: string | undefined) => (path && model?.files.find((f) => f.path === path)?.actions.open ? path : undefined);

grid.addEventListener('dblclick', (e) => {
  const target = e.target instanceof Element ? e.target : null;
  const path = openable(target && !target.closest('vscode-button') ? pathOf(target) : undefined);
  if (path) void ask('openFile', { path });
});

grid.addEventListener('keydown', (e) => {
  if ((e.key !== 'Enter' && e.key !== ' ') || e.defaultPrevented) return;
  const target = e.target instanceof Element ? e.target : null;
  // Enter on a cell opens its file; on a header it sorts; keys on buttons are theirs.
  if (!target || target.tagName !== 'VSCODE-DATA-GRID-CELL') return;
  if (sortBy(target)) return e.preventDefault();
  const path = openable(e.key === 'Enter' ? pathOf(target) : undefined);
  if (path) {
    e.preventDefault();
    void ask('openFile', { path });
  }
});

// Theme switches change the colors theme ids resolve to (VS Code sets them on <html>, and a class on <body>);
// every chip (the summary's and the rows') picks its text color again.
let repaint = 0;
const themeChanged = new MutationObserver(() => {
  cancelAnimationFrame(repaint);
  repaint = requestAnimationFrame(() => {
    if (model) renderSummary(model);
    renderRows();
  });
});
themeChanged.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
themeChanged.observe(document.body, { attributes: true, attributeFilter: ['class'] });

client.ready();
