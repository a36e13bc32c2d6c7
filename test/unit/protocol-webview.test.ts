/** The access panel page's pure logic: readable label chips (WCAG contrast), filters, sorting, saved state. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { composite, contrastRatio, cssColor, parseColor, readableTextColor } from '../../src/shared/color.js';
import type { FileRow, LabelView, PersonView } from '../../src/shared/protocol.js';
import { DEFAULT_STATE, restoreState, visibleRows, type UiState } from '../../src/webview/filter.js';
import { person, row } from './protocol-fixtures.js';

describe('label chip colors', () => {
  it('parses the color forms themes and policies use', () => {
    assert.deepEqual(parseColor('#d18616'), { r: 0xd1, g: 0x86, b: 0x16, a: 1 });
    assert.deepEqual(parseColor('#FFF'), { r: 255, g: 255, b: 255, a: 1 });
    assert.deepEqual(parseColor('#11223300'), { r: 0x11, g: 0x22, b: 0x33, a: 0 });
    assert.deepEqual(parseColor('#f008'), { r: 255, g: 0, b: 0, a: 0x88 / 255 });
    assert.deepEqual(parseColor(' rgb(1, 2, 3) '), { r: 1, g: 2, b: 3, a: 1 });
    assert.deepEqual(parseColor('rgba(10 20 30 / 50%)'), { r: 10, g: 20, b: 30, a: 0.5 });
    assert.deepEqual(parseColor('rgba(10, 20, 30, 0.25)'), { r: 10, g: 20, b: 30, a: 0.25 });
    for (const bad of ['', 'red', '#12', '#12345', 'rgb(256, 0, 0)', 'var(--x)', '#ggg']) assert.equal(parseColor(bad), undefined, bad);
  });

  it('judges a translucent theme color as seen over the page', () => {
    const orange = parseColor('#d1861680')!;
    const overDark = composite(orange, { r: 0x1f, g: 0x1f, b: 0x1f });
    assert.deepEqual(overDark, { r: 120, g: 83, b: 26 });
    // Opaque, this orange takes black text; half transparent over a dark page it needs white.
    assert.equal(readableTextColor(orange), '#000000');
    assert.equal(readableTextColor(overDark), '#ffffff');
    assert.deepEqual(composite({ r: 9, g: 9, b: 9, a: 1 }, { r: 200, g: 200, b: 200 }), { r: 9, g: 9, b: 9 });
  });

  it('computes WCAG contrast ratios (black on white is 21:1)', () => {
    assert.equal(contrastRatio({ r: 0, g: 0, b: 0 }, { r: 255, g: 255, b: 255 }).toFixed(2), '21.00');
    assert.equal(contrastRatio({ r: 119, g: 119, b: 119 }, { r: 255, g: 255, b: 255 }).toFixed(2), '4.48');
  });

  it('picks black or white text, whichever reads better, and it always reaches 4.5:1', () => {
    assert.equal(readableTextColor({ r: 0xf1, g: 0x4c, b: 0x4c }), '#000000');
    assert.equal(readableTextColor({ r: 0x1b, g: 0x3a, b: 0x8c }), '#ffffff');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (r, g, b) => {
        const text = parseColor(readableTextColor({ r, g, b }))!;
        assert.ok(contrastRatio({ r, g, b }, text) >= 4.5);
      }),
      { numRuns: 3000 },
    );
  });

  it('maps policy colors to CSS: hex as is, theme ids to VS Code variables, anything else to nothing', () => {
    assert.equal(cssColor('#ff0000'), '#ff0000');
    assert.equal(cssColor('charts.red'), 'var(--vscode-sensitivity-labelRed)', 'chart hues get the readable label colors');
    assert.equal(cssColor('terminal.ansiBrightRed'), 'var(--vscode-terminal-ansiBrightRed)');
    for (const bad of ['red;background:url(x)', 'url(javascript:1)', '#zzz', '1charts', 'a..b']) assert.equal(cssColor(bad), undefined, bad);
  });
});

const who = (name: string, email: string, extra: Partial<PersonView> = {}) => person(email, { name, email, ...extra });
const ALL_RIGHTS: FileRow['yourRights'] = ['VIEW', 'EDIT', 'EXTRACT', 'PRINT', 'EXPORT', 'VIEWRIGHTSDATA', 'EDITRIGHTSDATA', 'OWNER'];

/** A row with a label; protected (you may view) when people are named, else plain. */
const labeled = (path: string, label: string, rank: number, people: PersonView[] = [], extra: Partial<FileRow> = {}): FileRow =>
  row(path, {
    label: { id: label, name: label },
    labelRank: rank,
    protected: people.length > 0,
    owner: people[0] ?? null,
    people,
    yourRights: people.length > 0 ? ['VIEW'] : ALL_RIGHTS,
    ...extra,
  });

const labels: LabelView[] = [
  { id: 'public', name: 'Public', description: '', color: null, rank: 0, applicable: true, parent: null },
  { id: 'conf', name: 'Confidential', description: '', color: null, rank: 1, applicable: false, parent: null },
  { id: 'conf-all', name: 'Confidential / All', description: '', color: null, rank: 2, applicable: true, parent: 'conf' },
  { id: 'secret', name: 'Secret', description: '', color: null, rank: 3, applicable: true, parent: null },
];

const files = [
  labeled('b/plan.md.protected', 'secret', 3, [who('Alice', 'alice@example.com', { owner: true }), who('Bob Reader', 'bob@example.com')]),
  labeled('a/notes.md', 'conf-all', 2, [], { labeledBy: 'Carol' }),
  labeled('README.md', 'public', 0),
  labeled('a/item10.txt', 'public', 0),
  labeled('a/item9.txt', 'public', 0),
];

const paths = (state: Partial<UiState>) => visibleRows(files, labels, { ...DEFAULT_STATE, ...state }).map((r) => r.path);

describe('filters and sorting', () => {
  it('filters by person name, email or path, case-insensitively', () => {
    assert.deepEqual(paths({ text: 'BOB' }), ['b/plan.md.protected']);
    assert.deepEqual(paths({ text: 'reader' }), ['b/plan.md.protected']);
    assert.deepEqual(paths({ text: 'carol' }), ['a/notes.md']);
    assert.deepEqual(paths({ text: 'item' }), ['a/item9.txt', 'a/item10.txt']);
    assert.deepEqual(paths({ text: 'nobody' }), []);
  });

  it('filters by label, a parent label including its sublabels', () => {
    assert.deepEqual(paths({ label: 'conf' }), ['a/notes.md']);
    assert.deepEqual(paths({ label: 'conf-all' }), ['a/notes.md']);
    assert.deepEqual(paths({ label: 'secret', text: 'alice' }), ['b/plan.md.protected']);
    assert.deepEqual(paths({ label: 'secret', text: 'carol' }), []);
  });

  it('sorts by each column both ways; ties keep path order (numbers sort naturally)', () => {
    assert.deepEqual(paths({}), ['a/item9.txt', 'a/item10.txt', 'a/notes.md', 'b/plan.md.protected', 'README.md']);
    assert.deepEqual(paths({ sort: { column: 'label', descending: true } }), ['b/plan.md.protected', 'a/notes.md', 'a/item9.txt', 'a/item10.txt', 'README.md']);
    assert.deepEqual(paths({ sort: { column: 'people', descending: true } })[0], 'b/plan.md.protected');
    assert.deepEqual(paths({ sort: { column: 'protection', descending: false } }).at(-1), 'b/plan.md.protected');
    assert.deepEqual(paths({ sort: { column: 'you', descending: false } })[0], 'b/plan.md.protected');
  });

  it('restores a saved state, and falls back to the default for anything else', () => {
    const saved: UiState = { text: 'bob', label: 'secret', person: '', sort: { column: 'people', descending: true } };
    assert.deepEqual(restoreState(JSON.parse(JSON.stringify(saved))), saved);
    assert.deepEqual(restoreState(undefined), DEFAULT_STATE);
    assert.deepEqual(restoreState('x'), DEFAULT_STATE);
    assert.deepEqual(restoreState({ text: 5, sort: { column: 'actions', descending: true } }), DEFAULT_STATE);
    assert.deepEqual(restoreState({ sort: { column: 'label', descending: 'yes' } }).sort, DEFAULT_STATE.sort);
  });
});
