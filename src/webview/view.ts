/**
 * DOM for the access panel. Everything from the model goes in through textContent or attributes, never
 * as markup: file names and people's names are data, not HTML.
 */
import { composite, cssColor, parseColor, readableTextColor } from '../shared/color.js';
import type { FileRow, LabelView, PersonView, SignerRow } from '../shared/protocol.js';
import { RIGHT_WORDS, SEEN_BY } from '../shared/words.js';
import type { AccessLine, ColumnId, SortColumn, Summary, UiState } from './filter.js';

type Child = Node | string | null | undefined | false;

/** An element with a class, attributes and children (strings become text nodes). */
export function el(tag: string, attrs: Readonly<Record<string, string | undefined>> = {}, ...children: Child[]): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

const HEADERS: Readonly<Record<ColumnId, string>> = {
  file: 'File',
  label: 'Label',
  protection: 'Protection',
  people: 'Who can access',
  you: 'You may',
  actions: 'Actions',
};

/** Column widths of the grid (header and rows share them). */
export const GRID_COLUMNS = 'minmax(180px, 1.6fr) minmax(200px, 1.3fr) minmax(120px, 0.9fr) minmax(220px, 1.9fr) minmax(140px, 1.1fr) minmax(190px, 1.2fr)';

const dateFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const date = (iso: string) => dateFormat.format(new Date(iso));

function cell(column: number, ...children: Child[]): HTMLElement {
  return el('vscode-data-grid-cell', { 'grid-column': String(column), class: `col-${column}` }, ...children);
}

/** The header row: click or Enter on a column to sort by it (again to reverse). */
export function headerRow(columns: readonly ColumnId[], sort: UiState['sort']): HTMLElement {
  const row = el('vscode-data-grid-row', { 'row-type': 'sticky-header' });
  columns.forEach((id, i) => {
    const sortable = id !== 'actions';
    const active = sort.column === id;
    const arrow = active ? (sort.descending ? ' ▼' : ' ▲') : '';
    const c = el(
      'vscode-data-grid-cell',
      {
        'cell-type': 'columnheader',
        'grid-column': String(i + 1),
        'data-sort': sortable ? id : undefined,
        'aria-sort': sortable ? (active ? (sort.descending ? 'descending' : 'ascending') : 'none') : undefined,
        title: sortable ? `Sort by ${HEADERS[id].toLowerCase()}` : undefined,
        class: sortable ? 'sortable' : undefined,
      },
      HEADERS[id],
      arrow ? el('span', { class: 'sort-arrow', 'aria-hidden': 'true' }, arrow) : null,
    );
    row.append(c);
  });
  return row;
}

/** A label chip in the label's color, with black or white text, whichever reads better on it. */
export function labelChip(label: { id: string; name: string } | null, labels: ReadonlyMap<string, LabelView>): HTMLElement {
  if (!label) return el('span', { class: 'muted' }, '—');
  const view = labels.get(label.id);
  const chip = el('span', { class: 'chip', 'data-label': label.id, title: view?.description || undefined }, label.name);
  const css = view?.color ? cssColor(view.color) : undefined;
  // A theme color id resolves to whatever the current theme says; read it back to pick the text color.
  const styles = getComputedStyle(document.documentElement);
  const resolved = css?.startsWith('var(') ? styles.getPropertyValue(css.slice(4, -1)).trim() : view?.color;
  const rgba = resolved ? parseColor(resolved) : undefined;
  // Colored only when the text color can be chosen for it; else the theme's badge colors.
  if (rgba && css) {
    // Theme colors may be translucent: judge the color as seen over the page.
    const page =
      parseColor(styles.getPropertyValue('--vscode-editor-background')) ??
      (document.body.classList.contains('vscode-light') ? { r: 255, g: 255, b: 255, a: 1 } : { r: 0, g: 0, b: 0, a: 1 });
    chip.style.backgroundColor = css;
    chip.style.color = readableTextColor(composite(rgba, page));
    chip.classList.add('colored');
  }
  return chip;
}

function fileCell(row: FileRow): HTMLElement {
  const slash = row.path.lastIndexOf('/');
  const path = el(
    'span',
    { class: 'path', title: row.path },
    slash >= 0 ? el('span', { class: 'dir' }, row.path.slice(0, slash + 1)) : null,
    el('span', { class: 'name' }, row.path.slice(slash + 1)),
  );
  const notes: Child[] = [];
  if (row.problem) {
    notes.push(
      el(
        'div',
        { class: 'note error problem-text' },
        // People's words first; the stable code after them, as a detail (issue 22).
        row.problem,
        row.problemCode ? ' ' : null,
        row.problemCode ? el('code', { class: 'code' }, row.problemCode) : null,
      ),
    );
  }
  if (row.rollback) {
    const { version, seen, by } = row.rollback;
    notes.push(
      el(
        'div',
        { class: 'note error rollback', title: 'An older copy (from git, a merge or a backup) may still let in people whose access was revoked.' },
        `An older copy: access version ${version}, ${SEEN_BY[by]} version ${seen} `,
        el('code', { class: 'code' }, 'E_ROLLBACK'),
      ),
    );
  }
  if (row.findings) {
    const n = row.findings.count;
    notes.push(el('div', { class: 'note warning' }, `Content needs ${row.findings.recommended} (${n} finding${n === 1 ? '' : 's'})`));
  }
  return cell(1, path, ...notes);
}

/** Who signed, in a few words (the whole verdict, fingerprint included, is the title). */
function signerNote(kind: 'signed' | 'written', s: SignerRow, at?: string): HTMLElement {
  const what = kind === 'signed' ? 'access signed by' : 'last written by';
  const who = s.verified ? `${s.name ?? s.fingerprint} ✓` : `an unverified key ${s.fingerprint.split(' ').slice(0, 2).join(' ')}…`;
  return el(
    'div',
    {
      class: `note signer ${s.verified ? 'verified' : 'unverified'}`,
      'data-signer': kind,
      title: `${what} ${s.words}${at ? `, ${new Date(at).toLocaleString()}` : ''}`,
    },
    `${what} ${who}`,
  );
}

function protectionCell(row: FileRow): HTMLElement {
  if (!row.protected) return cell(3, el('span', { class: 'muted' }, 'Label only'));
  const until = row.expires
    ? el('div', { class: row.expired ? 'note error' : 'note muted' }, `${row.expired ? 'expired' : 'until'} ${date(row.expires)}`)
    : null;
  const doubleKey = row.doubleKey
    ? el(
        'div',
        {
          class: 'note muted double-key',
          title: `Opening also needs your organisation's key service, ${row.doubleKey.url}, which can revoke access at any time`,
        },
        `Double Key — access also depends on ${row.doubleKey.host}`,
      )
    : null;
  return cell(
    3,
    el('span', { class: 'lock', 'aria-hidden': 'true' }),
    el('span', {}, 'Protected'),
    until,
    doubleKey,
    row.signedBy && signerNote('signed', row.signedBy),
    row.lastWrittenBy && signerNote('written', row.lastWrittenBy.signer, row.lastWrittenBy.at),
  );
}

function personName(p: PersonView): string {
  return `${p.name || p.email}${p.you ? ' (you)' : ''}`;
}

function peopleCell(row: FileRow): HTMLElement {
  if (!row.protected) {
    const by = row.labeledBy
      ? el('div', { class: 'note muted', title: row.labeledAt ? `Labeled on ${date(row.labeledAt)}` : undefined }, `labeled by ${row.labeledBy}`)
      : null;
    return cell(4, el('span', { class: 'muted' }, 'Anyone with the file'), by);
  }
  const list = el('ul', { class: 'people' });
  for (const p of row.people) {
    const until = row.expires ? `, ${row.expired ? 'expired' : 'until'} ${date(row.expires)}` : '';
    const item = el(
      'li',
      {
        class: 'person',
        'data-person': p.id,
        title: `${p.email} — ${p.rights.map((r) => RIGHT_WORDS[r]).join(', ') || 'no rights'}\nfingerprint ${p.fingerprint}`,
      },
      el('span', { class: 'who' }, personName(p)),
      ' ',
      el('span', { class: 'role' }, `${p.role}${until}`),
    );
    if (row.actions.revoke && !p.owner && !p.recovery) {
      item.append(
        el(
          'vscode-button',
          {
            appearance: 'icon',
            class: 'revoke',
            'data-action': 'revoke',
            'data-person': p.id,
            'aria-label': `Stop sharing with ${p.name || p.email}`,
            title: `Stop sharing with ${p.email}…`,
          },
          'Revoke…',
        ),
      );
    }
    list.append(item);
  }
  return cell(4, list);
}

function youCell(row: FileRow): HTMLElement {
  if (!row.protected) return cell(5, el('span', {}, 'Anything'), el('div', { class: 'note muted' }, 'not protected'));
  if (row.problem) return cell(5, el('span', { class: 'muted' }, '—'));
  if (row.denied || row.yourRights.length === 0)
    return cell(5, el('span', { class: 'denied' }, row.expired ? 'Expired' : 'No access'), row.denied ? el('div', { class: 'note muted' }, row.denied) : null);
  const words = row.yourRights.filter((r) => r !== 'VIEWRIGHTSDATA' && r !== 'OWNER').map((r) => RIGHT_WORDS[r]);
  return cell(5, el('strong', {}, row.yourRole ?? 'Custom'), el('div', { class: 'note muted' }, words.join(', ')));
}

function button(action: string, text: string, label: string, appearance: 'primary' | 'secondary' = 'secondary'): HTMLElement {
  return el('vscode-button', { appearance, 'data-action': action, 'aria-label': label, title: label }, text);
}

function actionsCell(row: FileRow): HTMLElement {
  const name = row.path.slice(row.path.lastIndexOf('/') + 1);
  const a = row.actions;
  return cell(
    6,
    el(
      'div',
      { class: 'actions' },
      a.open && button('openFile', 'Open', `Open ${name}`),
      a.restore && button('acceptRestore', 'Restore…', `Accept this older copy of ${name} as its current version`, 'primary'),
      a.applyLabel && button('applyLabel', 'Label…', `Change the label of ${name}`),
      a.protect && button('protect', 'Protect', `Protect ${name}`),
      a.grant && button('grant', 'Grant…', `Grant access to ${name}`),
      a.expiry && button('changeExpiry', 'Expiry…', `Change when ${name} expires`),
    ),
  );
}

/** One file's row; `data-path` is the key every request carries. */
export function fileRowElement(row: FileRow, labels: ReadonlyMap<string, LabelView>): HTMLElement {
  return el(
    'vscode-data-grid-row',
    {
      'row-type': 'default',
      'data-path': row.path,
      class: row.problem ? 'problem' : undefined,
      // VS Code's context menu on the row (Reveal in Explorer) receives this object.
      'data-vscode-context': JSON.stringify({ webviewSection: 'file', path: row.path, preventDefaultContextMenuItems: true }),
    },
    fileCell(row),
    cell(2, labelChip(row.label, labels)),
    protectionCell(row),
    peopleCell(row),
    youCell(row),
    actionsCell(row),
  );
}

/** The column a sortable header cell sorts by, if `target` is inside one. */
export function sortColumnOf(target: EventTarget | null): SortColumn | undefined {
  const c = target instanceof Element ? target.closest('[data-sort]') : null;
  return (c?.getAttribute('data-sort') as SortColumn | null) ?? undefined;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The summary strip: files per label (each a filter), protected or label only, expiring soon, content above its label. */
export function summaryElement(s: Summary, labels: ReadonlyMap<string, LabelView>): HTMLElement {
  const stat = (id: string, value: number, text: string, warn = false) =>
    el('div', { class: `stat${warn && value > 0 ? ' warn' : ''}`, id }, el('span', { class: 'value' }, String(value)), el('span', { class: 'muted' }, text));
  return el(
    'div',
    { class: 'summary-strip' },
    el(
      'div',
      { class: 'by-label', id: 'summary-labels' },
      ...s.byLabel.map((l) =>
        el(
          'button',
          { class: 'label-count', 'data-filter-label': l.id, title: `Show only ${l.name}` },
          labelChip({ id: l.id, name: l.name }, labels),
          el('span', { class: 'value' }, String(l.count)),
        ),
      ),
    ),
    stat('summary-protected', s.protectedFiles, 'protected'),
    stat('summary-label-only', s.labelOnly, 'label only'),
    stat('summary-expiring', s.expiringSoon, 'expiring within 7 days', true),
    stat('summary-outranked', s.outranked, s.outranked === 1 ? 'file whose content outranks its label' : 'files whose content outranks their label', true),
  );
}

/** The person view: what one person can open, with which rights, and revoke-all where you own the files. */
export function personViewElement(person: PersonView, lines: readonly AccessLine[]): HTMLElement {
  const name = person.name || person.email;
  const revocable = lines.filter((l) => l.revocable).length;
  const table = el(
    'table',
    { class: 'access', 'aria-label': `What ${name} can open` },
    el('thead', {}, el('tr', {}, el('th', {}, 'File'), el('th', {}, 'Role'), el('th', {}, 'May'), el('th', {}, 'Until'))),
    el(
      'tbody',
      {},
      ...lines.map((l) =>
        el(
          'tr',
          { 'data-path': l.path },
          el('td', { class: 'path' }, l.path),
          el('td', {}, l.role),
          el(
            'td',
            {},
            l.rights.includes('OWNER')
              ? 'everything'
              : l.rights
                  .filter((r) => r !== 'VIEWRIGHTSDATA')
                  .map((r) => RIGHT_WORDS[r])
                  .join(', ') || 'nothing',
          ),
          el('td', { class: l.expired ? 'denied' : undefined }, l.expires ? `${l.expired ? 'expired ' : ''}${date(l.expires)}` : 'no expiry'),
        ),
      ),
    ),
  );
  return el(
    'div',
    {},
    el(
      'div',
      { class: 'person-head' },
      el('h2', {}, `What ${name}${person.you ? ' (you)' : ''} can open`),
      el('span', { class: 'muted' }, `${person.email} · ${plural(lines.length, 'protected file')}`),
      el(
        'span',
        { class: 'muted fingerprint', title: 'Compare with what they see in Show My Identity (or sensitivity id show)' },
        `fingerprint ${person.fingerprint}`,
      ),
      revocable > 0
        ? el(
            'vscode-button',
            { id: 'revoke-all', appearance: 'secondary', title: `Stop sharing every file you own with ${person.email}` },
            `Revoke All (${revocable})…`,
          )
        : null,
    ),
    table,
  );
}
