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

/** The built-in themes the screenshots are taken in, with the class VS Code puts on the workbench for each. */
export const THEMES = [
  { name: 'Light Modern', kind: 'light', workbench: 'vs' },
  { name: 'Dark Modern', kind: 'dark', workbench: 'vs-dark' },
  { name: 'Dark High Contrast', kind: 'high-contrast', workbench: 'hc-black' },
] as const;

/** Picks a color theme through the palette and waits until the workbench is drawn in it. */
export async function useTheme(wb: Workbench, theme: (typeof THEMES)[number]): Promise<void> {
  await wb.runCommand('Preferences: Color Theme');
  await wb.page.locator('.quick-input-widget input').fill(theme.name);
  await wb
    .quickPickItems()
    .filter({ has: wb.page.locator('.label-name', { hasText: new RegExp(`^${theme.name}$`) }) })
    .first()
    .waitFor();
  await wb.page.keyboard.press('Enter');
  await wb.page.locator(`.monaco-workbench.${theme.workbench}`).waitFor();
}
