/**
 * The colors the extension contributes read in every built-in theme: a badge letter drawn in a label color at
 * VS Code's badge opacity keeps WCAG contrast of at least 4.5:1 against every background it is drawn on
 * (Explorer rows, hovered and selected, editor, tabs), so do the panel's warning and error texts, and
 * package.json contributes the same defaults the code knows. The UI test (test/e2e/contrast.e2e.ts) measures
 * the same from screenshots.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  BADGE_OPACITY,
  BANNER_COLORS,
  composite,
  contrastRatio,
  cssColor,
  LABEL_COLORS,
  parseColor,
  renderedContrast,
  TEXT_COLORS,
  type Rgb,
  type ThemeKind,
} from '../../src/shared/color.js';

const rgb = (c: string): Rgb => parseColor(c)!;
/** A theme's translucent color as drawn over its opaque base. */
const over = (color: string, base: string): Rgb => composite(parseColor(color)!, rgb(base));

/**
 * Backgrounds of VS Code 1.139's built-in themes (theme-defaults/themes/*.json and the workbench's defaults) where
 * a label color is drawn: sideBar, list hover and inactive selection, editor, editorGroupHeader.tabsBackground and
 * tab.inactiveBackground; the panel's texts sit on the editor, side bar and list hover backgrounds.
 */
const THEMES: ReadonlyArray<{ name: string; kind: ThemeKind; badges: readonly Rgb[]; panel: readonly Rgb[] }> = [
  {
    name: 'Light Modern',
    kind: 'light',
    badges: ['#F8F8F8', '#F2F2F2', '#E4E6F1', '#FFFFFF', '#E5E5E5'].map(rgb),
    panel: ['#FFFFFF', '#F8F8F8', '#F2F2F2'].map(rgb),
  },
  {
    name: 'Light 2026',
    kind: 'light',
    badges: [rgb('#FAFAFD'), over('#00000014', '#FAFAFD'), over('#DADADA99', '#FAFAFD'), rgb('#FFFFFF'), rgb('#EAEAEA')],
    panel: [rgb('#FFFFFF'), rgb('#FAFAFD'), over('#00000014', '#FFFFFF')],
  },
  {
    name: 'Light+',
    kind: 'light',
    badges: ['#F3F3F3', '#E8E8E8', '#E4E6F1', '#FFFFFF', '#ECECEC'].map(rgb),
    panel: ['#FFFFFF', '#F3F3F3', '#E8E8E8'].map(rgb),
  },
  {
    name: 'Dark Modern',
    kind: 'dark',
    badges: ['#181818', '#2A2D2E', '#37373D', '#1F1F1F', '#2B2B2B'].map(rgb),
    panel: ['#1F1F1F', '#181818', '#2A2D2E'].map(rgb),
  },
  {
    name: 'Dark 2026',
    kind: 'dark',
    badges: [rgb('#191A1B'), over('#FFFFFF14', '#191A1B'), rgb('#2C2D2E'), rgb('#121314'), rgb('#202122')],
    panel: [rgb('#121314'), rgb('#191A1B'), over('#FFFFFF14', '#121314')],
  },
  { name: 'Dark+', kind: 'dark', badges: ['#252526', '#2A2D2E', '#37373D', '#1E1E1E', '#2D2D2D'].map(rgb), panel: ['#1E1E1E', '#252526', '#2A2D2E'].map(rgb) },
  { name: 'Dark High Contrast', kind: 'highContrast', badges: [rgb('#000000')], panel: [rgb('#000000')] },
  { name: 'Light High Contrast', kind: 'highContrastLight', badges: [rgb('#FFFFFF')], panel: [rgb('#FFFFFF')] },
];

const hex = ({ r, g, b }: Rgb) => `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;

/** Every (color, theme, background) whose contrast as drawn at `opacity` is below 4.5:1. */
function belowAA(colors: ReadonlyArray<{ id: string; defaults: Readonly<Record<ThemeKind, string>> }>, where: 'badges' | 'panel', opacity = 1): string[] {
  const low: string[] = [];
  for (const { id, defaults } of colors) {
    for (const theme of THEMES) {
      for (const bg of theme[where]) {
        const ratio = renderedContrast(parseColor(defaults[theme.kind])!, bg, opacity);
        if (ratio < 4.5) low.push(`${id} ${defaults[theme.kind]} on ${theme.name} ${hex(bg)}: ${ratio.toFixed(2)}`);
      }
    }
  }
  return low;
}

test('a badge letter in every label color has contrast of at least 4.5:1 as drawn (75% opacity) on every built-in theme background', () => {
  assert.deepEqual(belowAA(Object.values(LABEL_COLORS), 'badges', BADGE_OPACITY), []);
});

test('the panel’s warning and error texts have contrast of at least 4.5:1 in every built-in theme', () => {
  assert.deepEqual(belowAA(Object.values(TEXT_COLORS), 'panel'), []);
});

test('the editor banner’s text has contrast of at least 4.5:1 on its background in every theme kind (issue 22)', () => {
  for (const kind of ['dark', 'light', 'highContrast', 'highContrastLight'] as const) {
    const ratio = contrastRatio(rgb(BANNER_COLORS.foreground.defaults[kind]), rgb(BANNER_COLORS.background.defaults[kind]));
    assert.ok(ratio >= 4.5, `${kind}: ${ratio.toFixed(2)}`);
  }
});

test('the contrast computation is WCAG’s, with the opacity a color is drawn at', () => {
  assert.equal(contrastRatio(rgb('#000'), rgb('#fff')), 21);
  assert.ok(contrastRatio(rgb('#767676'), rgb('#ffffff')) >= 4.5);
  assert.ok(contrastRatio(rgb('#777777'), rgb('#ffffff')) < 4.5);
  // Issue 22: the former light red badge, #B5200D, read 5.9:1 by the old sum but 3.7:1 as VS Code draws it on Light
  // Modern's tabs (75% opacity over #E5E5E5).
  assert.ok(contrastRatio(rgb('#B5200D'), rgb('#E5E5E5')) > 4.5);
  assert.ok(renderedContrast(parseColor('#B5200D')!, rgb('#E5E5E5'), BADGE_OPACITY) < 4.5);
  // A color's own alpha and the drawing opacity multiply.
  assert.equal(renderedContrast(parseColor('#00000080')!, rgb('#ffffff'), 0.5), renderedContrast(parseColor('#000000')!, rgb('#ffffff'), 0.25));
});

test('package.json contributes exactly these colors, and the webview uses the same tokens', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { colors: { id: string; defaults: Record<string, string> }[] } };
  assert.deepEqual(
    pkg.contributes.colors.map((c) => [c.id, c.defaults]),
    [...Object.values(LABEL_COLORS), ...Object.values(TEXT_COLORS), ...Object.values(BANNER_COLORS)].map((c) => [c.id, c.defaults]),
  );
  assert.equal(cssColor('charts.orange'), 'var(--vscode-sensitivity-labelOrange)');
  assert.equal(cssColor('terminal.ansiRed'), 'var(--vscode-terminal-ansiRed)');
  const css = readFileSync('media/panel.css', 'utf8');
  for (const { id } of Object.values(TEXT_COLORS)) assert.ok(css.includes(`var(--vscode-${id.replace(/\./g, '-')})`), `panel.css uses ${id}`);
  assert.doesNotMatch(
    css,
    /[^-]color: var\(--vscode-(editorWarning-foreground|errorForeground)\)/,
    'the themes’ own warning/error text colors are too faint in Light Modern',
  );
});
