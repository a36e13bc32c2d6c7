/**
 * The extension's figures for `npm run bench` (issue 11), measured in the real extension host: opening a
 * 1 MiB protected file once the identity is loaded, and the access panel over a generated workspace of
 * 10 000 files, 1 000 of them protected. Registered only when SENSITIVITY_ITEST_BENCH=1 (the bench sets
 * it): the figures are printed as `BENCH name value` lines, never asserted (speed lives in the bench).
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import * as app from '../../src/core/app/index.js';
import { createIdentity, publicIdentity, type PublicIdentity } from '../../src/core/identity.js';
import { addPerson } from '../../src/core/index.js';
import { sessionIn, type Session } from '../../src/node/session.js';
import { openWorkspace } from '../../src/node/workspace.js';
import type { AccessPanelHandle } from '../../src/extension/panel/index.js';
import { editorUriOf } from '../../src/extension/protected/uris.js';
import { MARK, suite, test, before } from './harness.js';
import { activateExtension, closeAllEditors, workspaceRoot } from './helpers.js';

const MiB = 1 << 20;
const OPEN_RUNS = 5;
const FILES = 10_000;
const PROTECTED = 1_000;
const dir = `bench-${Date.now().toString(36)}`;

const report = (name: string, value: number, unit: string) => console.log(`${MARK} BENCH ${name} ${value.toFixed(0)} ${unit}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/** Resolves with the time from `t0` at which `probe` first holds, polling every millisecond (timeout: `what`). */
async function until(t0: number, probe: () => boolean, what: string, timeoutMs = 120_000): Promise<number> {
  for (;;) {
    if (probe()) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

let me: PublicIdentity;
let session: Session;

/**
 * Protects `text` as `rel` (the plain file written, protected, then removed) and returns the envelope's
 * path. Files are made by a colleague who makes you Co-Owner: your own identity lives in the editor's
 * secret storage, out of this test's reach.
 */
async function protectText(rel: string, text: string): Promise<string> {
  await fs.writeFile(join(workspaceRoot().fsPath, rel), text);
  const { output } = await app.protect(session, rel, { label: 'confidential-specific-people', grants: [{ who: me.email, role: 'Co-Owner' }] });
  return output;
}

/** `count` files under `folder`, written `batch` at a time. */
async function writeMany(count: number, batch: number, write: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < count; i += batch) await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, k) => write(i + k)));
}

if (process.env.SENSITIVITY_ITEST_BENCH === '1') {
  suite('bench', () => {
    before(async () => {
      await activateExtension();
      me = (await vscode.commands.executeCommand<PublicIdentity>('sensitivity.createIdentity', {
        name: 'Alice Bench',
        email: 'alice@example.com',
        force: true,
      }))!;
      assert.ok(me?.id, 'createIdentity returned no identity');
      const colleague = await createIdentity('Carol Maker', 'carol@example.com');
      const ws = openWorkspace(workspaceRoot().fsPath);
      await ws.updatePeople((people) => [me, publicIdentity(colleague)].reduce((d, p) => addPerson(d, p, { replace: true }), people));
      // Carol's actions are not recorded in this user's audit log.
      session = sessionIn(ws, colleague, { append: async () => undefined });
      await fs.mkdir(join(workspaceRoot().fsPath, dir, 'open'), { recursive: true });
    });

    test(
      'open a 1 MiB protected file in the editor (identity loaded)',
      async () => {
        const line = 'The quarterly plan, paragraph by paragraph, with nothing sensitive in it at all.\n';
        const text = line.repeat(Math.ceil(MiB / line.length)).slice(0, MiB);
        // In the editor: from `vscode.open` (an Explorer click) until the text editor is active.
        const inEditor = async (file: vscode.Uri, shown: vscode.Uri) => {
          const t0 = performance.now();
          await vscode.commands.executeCommand('vscode.open', file);
          const ms = await until(t0, () => vscode.window.activeTextEditor?.document.uri.toString() === shown.toString(), `${shown.toString()} in the editor`);
          assert.equal(vscode.window.activeTextEditor!.document.getText().length, text.length);
          await closeAllEditors();
          return ms;
        };
        // The text document alone (no editor, no routing page): the file system provider's read.
        const asDocument = async (uri: vscode.Uri) => {
          const t0 = performance.now();
          const doc = await vscode.workspace.openTextDocument(uri);
          const ms = performance.now() - t0;
          assert.equal(doc.getText().length, text.length);
          return ms;
        };
        const envelope = async (name: string) => vscode.Uri.file(join(workspaceRoot().fsPath, await protectText(`${dir}/open/${name}`, text)));
        const plainFile = async (name: string) => {
          const uri = vscode.Uri.file(join(workspaceRoot().fsPath, dir, 'open', name));
          await fs.writeFile(uri.fsPath, text);
          return uri;
        };
        const times: number[] = [];
        // Its editor URI opened directly (a restored tab): no routing editor, the file system's read and the editor.
        const direct: number[] = [];
        const docs: number[] = [];
        // The floor: the same text as a plain file of the same language, opened the same ways (VS Code's own cost here).
        const plain: number[] = [];
        const plainDocs: number[] = [];
        for (let i = 0; i < OPEN_RUNS; i++) {
          const e = await envelope(`plan-${i}.md`);
          times.push(await inEditor(e, editorUriOf(e)));
          const d = editorUriOf(await envelope(`direct-${i}.md`));
          direct.push(await inEditor(d, d));
          const p = await plainFile(`plain-${i}.md`);
          plain.push(await inEditor(p, p));
          docs.push(await asDocument(editorUriOf(await envelope(`doc-${i}.md`))));
          plainDocs.push(await asDocument(await plainFile(`plain-doc-${i}.md`)));
        }
        report('open-1MiB-first-ms', times[0]!, 'ms');
        report('open-1MiB-median-ms', median(times), 'ms');
        report('open-1MiB-editor-uri-median-ms', median(direct), 'ms');
        report('open-1MiB-plain-median-ms', median(plain), 'ms');
        report('document-1MiB-median-ms', median(docs), 'ms');
        report('document-1MiB-plain-median-ms', median(plainDocs), 'ms');
      },
      { timeoutMs: 300_000 },
    );

    test(
      'access panel over 10 000 files, 1 000 protected',
      async () => {
        const folder = join(workspaceRoot().fsPath, dir, 'ws');
        const per = 100;
        await writeMany(FILES / per, 10, (d) => fs.mkdir(join(folder, `d${d}`), { recursive: true }));
        await writeMany(FILES - PROTECTED, 200, (i) => fs.writeFile(join(folder, `d${i % (FILES / per)}`, `plain-${i}.ts`), `export const n${i} = ${i};\n`));
        await writeMany(PROTECTED, 10, (i) => protectText(`${dir}/ws/d${i % (FILES / per)}/secret-${i}.md`, `# Secret ${i}\n`));
        const t0 = performance.now();
        const panel = (await vscode.commands.executeCommand<AccessPanelHandle>('sensitivity.showAccessPanel'))!;
        const first = await until(t0, () => panel.model().files.length > 0, 'the first rows');
        await panel.settled();
        const complete = performance.now() - t0;
        const rows = panel.model().files.filter((f) => f.path.startsWith(`${dir}/ws/`) && f.protected).length;
        assert.equal(rows, PROTECTED, 'the panel lists every generated protected file');
        report('panel-first-rows-ms', first, 'ms');
        report('panel-complete-ms', complete, 'ms');
        panel.panel.dispose();
      },
      { timeoutMs: 600_000 },
    );
  });
}
