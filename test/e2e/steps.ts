/** UI steps several scenario files share. */
import * as assert from 'node:assert/strict';
import type { Workbench } from './workbench.js';

/** Takes over the identity the demo's CLI created (Alice) through "Import My Identity…" in the palette. */
export async function importCliIdentity(wb: Workbench): Promise<void> {
  assert.ok(wb.demo.labeled, `the demo has no labels: ${wb.demo.note ?? ''}`);
  await wb.runCommand('Sensitivity: Import My Identity…');
  await wb.quickPickItems().filter({ hasText: "The CLI's identity" }).first().click();
  await wb
    .notification(/Imported your identity Alice Example/)
    .first()
    .waitFor();
}

/** A built-in color theme: its picker name and the class VS Code puts on the workbench for it. */
export interface Theme {
  readonly name: string;
  readonly kind: string;
  readonly workbench: 'vs' | 'vs-dark' | 'hc-black' | 'hc-light';
  /** Its side bar background as VS Code sets it (`--vscode-sideBar-background`): drawn once this is. */
  readonly sideBar: string;
}

/** The built-in themes the screenshots are taken in, with the class VS Code puts on the workbench for each. */
export const THEMES = [
  { name: 'Light Modern', kind: 'light', workbench: 'vs', sideBar: '#f8f8f8' },
  { name: 'Dark Modern', kind: 'dark', workbench: 'vs-dark', sideBar: '#181818' },
  { name: 'Dark High Contrast', kind: 'high-contrast', workbench: 'hc-black', sideBar: '#000000' },
] as const satisfies readonly Theme[];

/** The six built-in themes VS Code 1.139 offers first (contrast is measured in each). */
export const ALL_THEMES: readonly Theme[] = [
  ...THEMES,
  { name: 'Light 2026', kind: 'light-2026', workbench: 'vs', sideBar: '#fafafd' },
  { name: 'Dark 2026', kind: 'dark-2026', workbench: 'vs-dark', sideBar: '#191a1b' },
  { name: 'Light High Contrast', kind: 'high-contrast-light', workbench: 'hc-light', sideBar: '#ffffff' },
];

/** The workbench's current side bar background (differs between every pair of built-in themes). */
const sideBarBackground = (wb: Workbench) =>
  wb.page.locator('.monaco-workbench').evaluate((e) => getComputedStyle(e).getPropertyValue('--vscode-sideBar-background').trim().toLowerCase());

/**
 * Picks a color theme through the palette and waits until the workbench is drawn in it (its class, and its
 * side bar color: Light Modern and Light 2026 share the class `vs`).
 */
export async function useTheme(wb: Workbench, theme: Theme): Promise<void> {
  await wb.runCommand('Preferences: Color Theme');
  await wb.page.locator('.quick-input-widget input').fill(theme.name);
  await wb
    .quickPickItems()
    .filter({ has: wb.page.locator('.label-name', { hasText: new RegExp(`^${theme.name}$`) }) })
    .first()
    .waitFor();
  await wb.page.keyboard.press('Enter');
  await wb.page.locator(`.monaco-workbench.${theme.workbench}`).waitFor();
  const deadline = Date.now() + 60_000;
  while ((await sideBarBackground(wb)) !== theme.sideBar) {
    if (Date.now() > deadline) throw new Error(`the workbench was not redrawn in ${theme.name}`);
    await wb.page.waitForTimeout(100);
  }
}
