/**
 * The audit view (issue 22) in a real VS Code with the packaged extension: open it from the palette over the
 * demo's log (Alice's home), see entries newest first with a file name and an email holding HTML shown as
 * text, filter, expand an entry, watch it follow the log as the CLI appends; Verify an intact log, then edit
 * the log on disk and see Verify name the break, then cut entries from its end and see that too.
 * Screenshots: audit-view (the README's: your entries, Verify's verdict, an entry expanded), audit-view-broken.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { CLI, PROTECTED_FILE } from '../../scripts/lib/demo.js';
import { appendAudit } from '../../src/node/audit-log.js';
import { importCliIdentity } from './steps.js';
import { useWorkbench, type Workbench } from './workbench.js';

const { scenario } = useWorkbench();

/** Names that are markup: the view must show them as text, never run or render them. */
const HOSTILE_FILE = 'docs/<img src=x onerror="document.body.dataset.pwned=1">notes<b>.md';
const HOSTILE_EMAIL = '"<script>document.body.dataset.pwned=1</script>"@example.com';

const logOf = (wb: Workbench) => join(wb.demo.home, 'audit.jsonl');
const seqs = (view: FrameLocator) => view.locator('tr.entry').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq'))));

function cli(wb: Workbench, ...args: string[]): void {
  execFileSync(process.execPath, [CLI, ...args], { cwd: wb.demo.folder, env: { PATH: process.env.PATH ?? '', SENSITIVITY_HOME: wb.demo.home } });
}

/** Waits until the view's first row is entry `seq` (the newest), i.e. the view has read the log that far. */
async function newestIs(view: FrameLocator, seq: number): Promise<void> {
  await view.locator(`tr.entry[data-seq="${seq}"]`).first().waitFor();
  assert.equal((await seqs(view))[0], seq);
}

async function entriesInLog(wb: Workbench): Promise<string[]> {
  return (await fs.readFile(logOf(wb), 'utf8')).trimEnd().split('\n');
}

scenario('the audit view lists the log newest first, shows markup as text, filters and follows the log', async (wb) => {
  assert.ok(wb.demo.labeled, `the demo has no labels: ${wb.demo.note ?? ''}`);
  await importCliIdentity(wb);
  // Real entries through the real writer: a file name and an email that are HTML.
  await appendAudit(
    logOf(wb),
    { action: 'label.set', actor: { id: 'mallory-key', email: HOSTILE_EMAIL }, file: HOSTILE_FILE, to: 'general', direction: 'new' },
    new Date(),
  );
  cli(wb, 'label', 'set', 'src/app.ts', '--label', 'General');
  const total = (await entriesInLog(wb)).length;

  await wb.runCommand('View: Close Primary Side Bar');
  await wb.runCommand('Sensitivity: Show Audit Log');
  const view = wb.webview();
  await newestIs(view, total);
  const all = await seqs(view);
  assert.deepEqual(
    all,
    [...all].sort((a, b) => b - a),
    'newest first',
  );
  assert.equal(await view.locator('#count').innerText(), `Showing 1–${total} of ${total} entries, newest first`);
  // The newest is the CLI's label: you, in words.
  const newest = view.locator('tr.entry').first();
  assert.equal(await newest.locator('.who').innerText(), 'Alice Example <alice@example.com> (you)');
  assert.equal(await newest.locator('.action').innerText(), 'Set a label');
  assert.equal(await newest.locator('.label').innerText(), 'General');

  // Markup in the log is text on screen: nothing rendered, nothing ran.
  const hostile = view.locator(`tr.entry[data-seq="${total - 1}"]`);
  assert.equal(await hostile.locator('.file').innerText(), HOSTILE_FILE);
  assert.equal(await hostile.locator('.who').innerText(), `${HOSTILE_EMAIL} (unverified key)`);
  assert.equal(await view.locator('#entries img, #entries script, #entries b').count(), 0);
  assert.equal(await view.locator('body[data-pwned]').count(), 0);

  // The entry as stored, on expand.
  await hostile.locator('button.expand').click();
  const raw = view.locator(`#raw-${total - 1} pre`);
  await raw.waitFor();
  assert.equal(JSON.parse(await raw.innerText()).file, HOSTILE_FILE);
  await hostile.locator('button.expand').click();
  await raw.waitFor({ state: 'hidden' });

  // Filters: by action (with its count), then by file text, then cleared.
  const protects = (await entriesInLog(wb)).filter((l) => JSON.parse(l).action === 'protect').length;
  assert.ok(protects >= 2, 'the demo protected two files');
  assert.ok((await view.locator('#filter-action option').allInnerTexts()).includes(`Protected (encrypted) (${protects})`));
  await view.locator('#filter-action').selectOption('protect');
  await view.locator('#count', { hasText: `of ${protects} matching entries (${total} in the log)` }).waitFor();
  assert.deepEqual(new Set(await view.locator('tr.entry').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')))), new Set(['protect']));
  await view.locator('#filter-file').fill('forecast');
  await view.locator('#count', { hasText: 'of 1 matching entries' }).waitFor();
  assert.equal(await view.locator('tr.entry .file').innerText(), `${PROTECTED_FILE}.protected`);
  await view.locator('#clear').click();
  await view.locator('#count', { hasText: `of ${total} entries` }).waitFor();

  // Live: an entry the CLI appends shows without asking.
  cli(wb, 'label', 'set', 'README.md', '--label', 'General');
  await newestIs(view, total + 1);

  // By person: you (the README's picture shows your entries).
  const you = await view.locator('#filter-person option', { hasText: 'Alice Example' }).getAttribute('value');
  await view.locator('#filter-person').selectOption(you!);
  await view.locator('#count', { hasText: `of ${total} matching entries (${total + 1} in the log)` }).waitFor();
  assert.equal(await view.locator('tr.entry .who', { hasText: 'unverified' }).count(), 0);
});

scenario('Verify says the log is intact, then names the break after it is edited on disk, and a cut end', async (wb) => {
  const view = wb.webview();
  const verdict = view.locator('#verdict');
  await view.locator('#verify').click();
  await view.locator('#verdict[data-intact="true"]').waitFor();
  const lines = await entriesInLog(wb);
  assert.match(await verdict.locator('.headline').innerText(), new RegExp(`^The audit log is intact: ${lines.length} entries, each chained to the one before`));
  assert.match(await verdict.locator('.details').innerText(), /^Head [0-9a-f]{64}\.$/);
  await view.locator('tr.entry button.expand').nth(1).click();
  await wb.runCommand('Notifications: Clear All Notifications');
  await wb.screenshot('audit-view');

  // Someone edits entry 2 on disk (its action changed): the chain breaks there.
  const edited = [...lines];
  const second = JSON.parse(edited[1]!) as Record<string, unknown>;
  edited[1] = JSON.stringify({ ...second, action: 'open' });
  await fs.writeFile(logOf(wb), edited.join('\n') + '\n');
  await view.locator('#verify').click();
  await view.locator('#verdict[data-intact="false"]').waitFor();
  assert.match(
    await verdict.locator('.headline').innerText(),
    /^The audit log was changed: the chain breaks at entry 2 \(.+\)\. That entry and every one after it cannot be trusted\.$/,
  );
  assert.match(await verdict.locator('.details').innerText(), /^E_AUDIT_BROKEN · line 2 does not match the hash recorded by line 3/);
  await view.locator('tr.entry.untrusted').first().waitFor();
  await wb.screenshot('audit-view-broken');

  // The log put back, then its last two entries cut: a shorter chain is still a chain, but the head verified above is gone.
  await fs.writeFile(logOf(wb), lines.slice(0, -2).join('\n') + '\n');
  await view.locator('#verify').click();
  await view.locator('#verdict[data-intact="false"]', { hasText: 'cut short or replaced' }).waitFor();
  assert.match(await verdict.locator('.headline').innerText(), new RegExp(`It had ${lines.length} entries then and has ${lines.length - 2} lines now\\.$`));
});

scenario('the access panel opens the audit view', async (wb) => {
  await wb.runCommand('View: Close All Editors');
  await wb.runCommand('Sensitivity: Show Access Panel');
  const panel = wb.webview();
  await panel.locator('#show-audit-log').click();
  await wb.page.locator('.tab.active', { hasText: 'Sensitivity: Audit Log' }).waitFor();
  await wb.webview().locator('tr.entry').first().waitFor();
});
