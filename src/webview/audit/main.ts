/**
 * The audit view's page (issue 22): the log newest first, filters with counts, pages of 100 entries, an
 * entry as stored on expand, and Verify. It only shows what the host sends (as text, never as markup) and
 * asks the host for pages; it reads no files.
 */
import {
  AUDIT_PROTOCOL_VERSION,
  NO_FILTERS,
  type AuditFilters,
  type AuditHostMessage,
  type AuditPageView,
  type AuditParams,
  type AuditRequestType,
  type AuditResult,
  type AuditRowView,
  type AuditWebviewMessage,
  type FacetView,
  type VerifyView,
} from '../../shared/audit-protocol.js';
import { el } from '../view.js';

interface UiState {
  readonly filters: AuditFilters;
  readonly page: number;
}

interface VsCodeApi {
  postMessage(message: AuditWebviewMessage): void;
  getState(): UiState | undefined;
  setState(state: UiState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
let state: UiState = api.getState() ?? { filters: NO_FILTERS, page: 0 };
/** Where the last Verify found the chain broken: that entry and every later one are marked on every page. */
let brokenAt: number | null = null;
let nextId = 1;
const pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();

/** Sends a request; resolves with the host's typed result or rejects with its error in words. */
function request<K extends AuditRequestType>(type: K, params: AuditParams<K>): Promise<AuditResult<K>> {
  const id = nextId++;
  return new Promise<AuditResult<K>>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
    api.postMessage({ type, id, params } as AuditWebviewMessage);
  });
}

window.addEventListener('message', (e: MessageEvent<AuditHostMessage>) => {
  const m = e.data;
  if (m.type === 'changed') {
    void query();
    return;
  }
  const p = pending.get(m.id);
  if (!p) return;
  pending.delete(m.id);
  if (m.ok) p.resolve(m.result);
  else p.reject(new Error(m.error));
});

// ---------------------------------------------------------------------------------------------------
// Layout

type Field = HTMLInputElement | HTMLSelectElement;

const field = (id: keyof AuditFilters, words: string, control: Field) => {
  control.id = `filter-${id}`;
  return el('label', { class: 'field' }, el('span', {}, words), control);
};
const select = () => document.createElement('select');
const input = (type: string, placeholder = '') => {
  const i = document.createElement('input');
  i.type = type;
  if (placeholder) i.placeholder = placeholder;
  return i;
};

const controls = {
  person: select(),
  action: select(),
  label: select(),
  file: input('search', 'Part of a path'),
  from: input('date'),
  to: input('date'),
};
const verify = el('button', { id: 'verify', type: 'button', title: 'Check that no entry was edited, removed, reordered or cut off' }, 'Verify');
const clear = el('button', { id: 'clear', type: 'button', class: 'secondary' }, 'Clear filters');
const verdict = el('section', { id: 'verdict', role: 'status', 'aria-live': 'polite', hidden: '' });
const where = el('p', { id: 'log-path', class: 'muted' });
const count = el('p', { id: 'count', role: 'status', 'aria-live': 'polite' });
const notice = el('p', { id: 'notice', role: 'alert', hidden: '' });
const body = el('tbody');
const table = el(
  'table',
  { id: 'entries', 'aria-label': 'Audit log entries, newest first' },
  el('thead', {}, el('tr', {}, ...['', 'Time', 'Who', 'Action', 'File', 'Label', 'Result'].map((h) => el('th', { scope: 'col' }, h)))),
  body,
);
const newer = el('button', { id: 'newer', type: 'button', class: 'secondary' }, '‹ Newer');
const older = el('button', { id: 'older', type: 'button', class: 'secondary' }, 'Older ›');
const pageWords = el('span', { id: 'page' });

const app = document.getElementById('app')!;
app.replaceChildren(
  el('header', { class: 'toolbar' }, el('h1', {}, 'Audit log'), verify),
  where,
  verdict,
  el(
    'div',
    { class: 'filters' },
    field('person', 'Person', controls.person),
    field('action', 'Action', controls.action),
    field('label', 'Label', controls.label),
    field('file', 'File', controls.file),
    field('from', 'From', controls.from),
    field('to', 'To', controls.to),
    clear,
  ),
  count,
  notice,
  table,
  el('nav', { class: 'pager', 'aria-label': 'Pages' }, newer, pageWords, older),
);
app.removeAttribute('aria-busy');

// ---------------------------------------------------------------------------------------------------
// Rendering (text only: file names and emails are data, never markup)

const n = (x: number) => x.toLocaleString('en-US');

function fillSelect(s: HTMLSelectElement, any: string, facets: readonly FacetView[], value: string): void {
  const key = JSON.stringify(facets);
  if (s.dataset.key !== key) {
    s.dataset.key = key;
    const options = [new Option(any, ''), ...facets.map((f) => new Option(`${f.words} (${n(f.count)})`, f.value))];
    s.replaceChildren(...options);
  }
  s.value = value;
}

function rowElements(r: AuditRowView): HTMLElement[] {
  const rawId = `raw-${r.seq}`;
  const toggle = el('button', {
    type: 'button',
    class: 'expand',
    'aria-expanded': 'false',
    'aria-controls': rawId,
    title: 'Show the entry as stored',
    'aria-label': `Entry ${r.seq} as stored`,
  });
  toggle.textContent = '▸';
  const raw = el('tr', { id: rawId, class: 'raw', hidden: '' }, el('td', { colspan: '7' }, el('pre', {}, r.raw)));
  toggle.addEventListener('click', () => {
    const open = raw.hidden;
    raw.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? '▾' : '▸';
  });
  const row = el(
    'tr',
    { class: 'entry', 'data-seq': String(r.seq), 'data-action': r.action.id },
    el('td', {}, toggle),
    el('td', { class: 'time', title: r.ts }, r.time),
    el('td', { class: `who who-${r.who.kind}` }, r.who.words),
    el('td', { class: 'action' }, r.action.words),
    el('td', { class: 'file' }, r.file ?? ''),
    el('td', { class: 'label' }, r.label ?? ''),
    el('td', { class: r.result.ok ? 'result' : 'result failed' }, r.result.words),
  );
  return [row, raw];
}

function render(p: AuditPageView): void {
  where.textContent = `${p.path} · ${n(p.total)} ${p.total === 1 ? 'entry' : 'entries'}`;
  fillSelect(controls.person, 'Anyone', p.facets.people, state.filters.person);
  fillSelect(controls.action, 'Any action', p.facets.actions, state.filters.action);
  fillSelect(controls.label, 'Any label', p.facets.labels, state.filters.label);
  if (p.status === 'error') showNotice(p.error ?? 'The audit log could not be read.');
  else if (p.damaged > 0)
    showNotice(`${n(p.damaged)} ${p.damaged === 1 ? 'line is' : 'lines are'} not entries and are not shown: the log was damaged or edited. Verify says where.`);
  else notice.hidden = true;
  const first = p.matching === 0 ? 0 : p.page * p.pageSize + 1;
  const last = Math.min(p.matching, (p.page + 1) * p.pageSize);
  count.textContent =
    p.status === 'empty'
      ? 'Nothing has been recorded yet: labelling, protecting, opening and sharing files add entries here.'
      : p.matching === p.total
        ? `Showing ${n(first)}–${n(last)} of ${n(p.total)} entries, newest first`
        : `Showing ${n(first)}–${n(last)} of ${n(p.matching)} matching entries (${n(p.total)} in the log), newest first`;
  body.replaceChildren(...p.rows.flatMap(rowElements));
  markUntrusted();
  const pages = Math.max(1, Math.ceil(p.matching / p.pageSize));
  pageWords.textContent = `Page ${n(p.page + 1)} of ${n(pages)}`;
  (newer as HTMLButtonElement).disabled = p.page === 0;
  (older as HTMLButtonElement).disabled = p.page + 1 >= pages;
  table.hidden = p.rows.length === 0;
  if (p.page !== state.page) save({ ...state, page: p.page });
}

function showNotice(text: string): void {
  notice.textContent = text;
  notice.hidden = false;
}

function showVerdict(v: VerifyView): void {
  verdict.className = v.intact ? 'intact' : 'broken';
  verdict.dataset.intact = String(v.intact);
  verdict.replaceChildren(el('p', { class: 'headline' }, v.headline), el('p', { class: 'details muted' }, v.details));
  verdict.hidden = false;
  brokenAt = v.brokenAt;
  markUntrusted();
}

function markUntrusted(): void {
  for (const r of body.querySelectorAll<HTMLElement>('tr.entry')) r.classList.toggle('untrusted', brokenAt !== null && Number(r.dataset.seq) >= brokenAt);
}

// ---------------------------------------------------------------------------------------------------
// Requests

let latest = 0;

/** Asks for the page the state names; a slower answer to an older query is dropped. */
async function query(): Promise<void> {
  const mine = ++latest;
  try {
    const page = await request('query', { filters: state.filters, page: state.page });
    if (mine === latest) render(page);
  } catch (e) {
    if (mine === latest) showNotice((e as Error).message);
  }
}

function save(next: UiState): void {
  state = next;
  api.setState(next);
}

function setFilters(filters: Partial<AuditFilters>): void {
  save({ filters: { ...state.filters, ...filters }, page: 0 });
  void query();
}

for (const [key, control] of Object.entries(controls) as [keyof AuditFilters, Field][]) {
  control.value = state.filters[key];
  if (key === 'file') {
    // Typing filters as it goes, one query per pause.
    let timer: ReturnType<typeof setTimeout> | undefined;
    control.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => setFilters({ file: control.value }), 150);
    });
  } else {
    control.addEventListener('change', () => setFilters({ [key]: control.value }));
  }
}

clear.addEventListener('click', () => {
  for (const [key, control] of Object.entries(controls) as [keyof AuditFilters, Field][]) control.value = NO_FILTERS[key];
  setFilters(NO_FILTERS);
});
newer.addEventListener('click', () => {
  save({ ...state, page: Math.max(0, state.page - 1) });
  void query();
});
older.addEventListener('click', () => {
  save({ ...state, page: state.page + 1 });
  void query();
});
verify.addEventListener('click', () => {
  (verify as HTMLButtonElement).disabled = true;
  verdict.hidden = false;
  verdict.className = 'checking';
  delete verdict.dataset.intact;
  verdict.replaceChildren(el('p', { class: 'headline' }, 'Verifying the chain…'));
  request('verify', {})
    .then(showVerdict, (e: Error) => showNotice(e.message))
    .finally(() => ((verify as HTMLButtonElement).disabled = false));
});

api.postMessage({ type: 'ready', protocol: AUDIT_PROTOCOL_VERSION });
