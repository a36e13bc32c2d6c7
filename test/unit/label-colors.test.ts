/**
 * The label colors the extension contributes read in every built-in theme: WCAG contrast of at least 4.5:1
 * against the backgrounds they are drawn on (Explorer, editor, tabs), and package.json contributes the same
 * defaults the code knows.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { contrastRatio, cssColor, LABEL_COLORS, parseColor, type ThemeKind } from '../../src/shared/color.js';

/**
 * Backgrounds of VS Code 1.139's built-in themes where a label color is drawn (sideBar, editor,
 * editorGroupHeader.tabsBackground, tab.inactiveBackground), by the theme kind whose defaults apply.
 */
const THEMES: ReadonlyArray<{ name: string; kind: ThemeKind; backgrounds: readonly string[] }> = [
  { name: 'Dark Modern', kind: 'dark', backgrounds: ['#181818', '#1F1F1F'] },
  { name: 'Dark+', kind: 'dark', backgrounds: ['#252526', '#1E1E1E', '#2D2D2D'] },
  { name: 'Light Modern', kind: 'light', backgrounds: ['#F8F8F8', '#FFFFFF'] },
  { name: 'Light+', kind: 'light', backgrounds: ['#F3F3F3', '#FFFFFF', '#ECECEC'] },
  { name: 'Dark High Contrast', kind: 'highContrast', backgrounds: ['#000000'] },
  { name: 'Light High Contrast', kind: 'highContrastLight', backgrounds: ['#FFFFFF'] },
];

test('every label color has contrast of at least 4.5:1 on every built-in theme background', () => {
  const low: string[] = [];
  for (const { id, defaults } of Object.values(LABEL_COLORS)) {
    for (const theme of THEMES) {
      for (const bg of theme.backgrounds) {
        const ratio = contrastRatio(parseColor(defaults[theme.kind])!, parseColor(bg)!);
        if (ratio < 4.5) low.push(`${id} ${defaults[theme.kind]} on ${theme.name} ${bg}: ${ratio.toFixed(2)}`);
      }
    }
  }
  assert.deepEqual(low, []);
});

test('the contrast computation is WCAG’s', () => {
  assert.equal(contrastRatio(parseColor('#000')!, parseColor('#fff')!), 21);
  // VS Code's charts.orange on Dark Modern's side bar: the unreadable pair issue 12 reported.
  assert.ok(contrastRatio(parseColor('#767676')!, parseColor('#ffffff')!) >= 4.5);
  assert.ok(contrastRatio(parseColor('#777777')!, parseColor('#ffffff')!) < 4.5);
});

test('package.json contributes exactly these colors, and the webview uses the same tokens', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { colors: { id: string; defaults: Record<string, string> }[] } };
  assert.deepEqual(
    pkg.contributes.colors.map((c) => [c.id, c.defaults]),
    Object.values(LABEL_COLORS).map((c) => [c.id, c.defaults]),
  );
  assert.equal(cssColor('charts.orange'), 'var(--vscode-sensitivity-labelOrange)');
  assert.equal(cssColor('terminal.ansiRed'), 'var(--vscode-terminal-ansiRed)');
});
