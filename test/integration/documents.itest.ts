/**
 * Labels inside documents in the real extension host: a .docx labeled the way Word writes it shows its label
 * in the Explorer badge, the status bar (with the document open) and the access panel; Apply Label on a .pdf
 * writes the label into the PDF (an incremental update), not into labels.json.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import { zipSync } from 'fflate';
import { readDocumentLabels, writeDocumentLabel } from '../../src/core/documents/index.js';
import type { AccessPanelHandle } from '../../src/extension/panel/index.js';
import { after, before, suite, test } from './harness.js';
import { closeAllEditors, waitFor, workspaceUri } from './helpers.js';
import { api, ensurePolicy, manifest, person, PURVIEW_GENERAL, PURVIEW_TENANT, useIdentity } from './sensitivity.js';

const dir = `documents-${Date.now().toString(36)}`;
const text = (s: string) => new TextEncoder().encode(s);

/** A minimal WordprocessingML package (the three parts Word needs to open it). */
function docx(): Uint8Array {
  return zipSync({
    '[Content_Types].xml': text(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    ),
    '_rels/.rels': text(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    ),
    'word/document.xml': text(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Plan</w:t></w:r></w:p></w:body></w:document>',
    ),
  });
}

/** A one-page PDF with a classic cross-reference table, offsets computed. */
function pdf(): Uint8Array {
  const objects = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>'];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f\r\n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n\r\n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return text(out);
}

suite('documents', () => {
  let panel: AccessPanelHandle | undefined;
  before(async () => {
    await useIdentity(await person('alice'));
    await ensurePolicy();
  });
  after(async () => {
    panel?.panel.dispose();
    await closeAllEditors();
  });

  test('a .docx labeled the way Word writes it shows its label in the Explorer badge, the status bar and the access panel', async () => {
    const uri = workspaceUri(`${dir}/plan.docx`);
    await fs.mkdir(vscode.Uri.joinPath(uri, '..').fsPath, { recursive: true });
    const labeled = writeDocumentLabel(
      docx(),
      'word',
      { labelId: PURVIEW_GENERAL, siteId: PURVIEW_TENANT, enabled: true, method: 'Standard', setDate: '2026-01-02T03:04:05Z', name: 'General' },
      { tenantId: PURVIEW_TENANT, labelInfo: false },
      new Date(),
    );
    await fs.writeFile(uri.fsPath, labeled);
    const a = await api();
    const decoration = await waitFor(async () => {
      const d = await a.decorationOf(uri);
      return d?.badge === 'G' && d;
    }, 'the badge of the label inside the document');
    assert.match(decoration.tooltip ?? '', /General/);
    await vscode.commands.executeCommand('vscode.open', uri);
    const status = await waitFor(async () => {
      const s = await a.statusBar();
      return s.text.includes('General') && s;
    }, 'the status bar to show the label inside the .docx');
    // Markdown escapes the GUID's hyphens.
    assert.ok(status.tooltip.replace(/\\/g, '').includes(`Microsoft Purview label \`${PURVIEW_GENERAL}\``), status.tooltip);
    panel = (await vscode.commands.executeCommand<AccessPanelHandle>('sensitivity.showAccessPanel'))!;
    await panel.settled();
    const row = await waitFor(() => panel!.model().files.find((f) => f.path === `${dir}/plan.docx`), 'the .docx in the access panel');
    assert.equal(row.label?.id, 'general');
    assert.equal((await manifest())[`${dir}/plan.docx`], undefined, 'nothing in labels.json');
  });

  test('Apply Label on a .pdf writes the label into the PDF', async () => {
    const uri = workspaceUri(`${dir}/report.pdf`);
    const original = pdf();
    await fs.writeFile(uri.fsPath, original);
    const result = await vscode.commands.executeCommand<{ done: string[]; failed: unknown[] }>('sensitivity.applyLabel', uri, { label: 'general' });
    assert.deepEqual(result?.failed, []);
    const written = new Uint8Array(await fs.readFile(uri.fsPath));
    assert.deepEqual(written.subarray(0, original.length), original, 'an incremental update');
    assert.deepEqual(
      readDocumentLabels(written, 'pdf').map((l) => [l.labelId, l.siteId, l.method]),
      [[PURVIEW_GENERAL, PURVIEW_TENANT, 'Privileged']],
    );
    assert.equal((await manifest())[`${dir}/report.pdf`], undefined, 'nothing in labels.json');
    const decoration = await waitFor(async () => {
      const d = await (await api()).decorationOf(uri);
      return d?.badge === 'G' && d;
    }, 'the badge of the label written into the PDF');
    assert.ok(decoration);
  });
});
