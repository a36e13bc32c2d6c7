/** UI steps several scenario files share. */
import * as assert from 'node:assert/strict';
import type { Workbench } from './workbench.js';

/** Takes over the identity the demo's CLI created (Alice) through "Import My Identity…" in the palette. */
export async function importCliIdentity(wb: Workbench): Promise<void> {
  assert.ok(wb.demo.labeled, `the demo has no labels: ${wb.demo.note ?? ''}`);
  await wb.runCommand('Sensitivity: Import My Identity…');
  await wb.quickPickItems().filter({ hasText: "The CLI's identity" }).first().click();
  await wb.notification(/Imported your identity Alice Example/).first().waitFor();
}
