/**
 * One label store for documents: a .docx or .pdf whose label maps to a Purview label carries it inside
 * (labels.json holds nothing for it), a document labeled by Word shows its label (ours by GUID, or its own
 * name and GUID, flagged), downgrades need their justification, removal and audit work as for any file.
 * Documents are made by python3-docx and LibreOffice; what is inside is checked with exiftool too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as app from '../../../src/core/app/index.js';
import { readDocumentLabels, writeDocumentLabel } from '../../../src/core/documents/index.js';
import { createIdentity, type Identity } from '../../../src/core/identity.js';
import { getLabel } from '../../../src/core/labels/index.js';
import { DEFAULT_POLICY, type Policy } from '../../../src/core/policy/index.js';
import { makeDocx, makePdf, runIn } from '../document-tools.js';
import { memoryContext, MemoryFiles, MemoryStore, rejectsCode } from './memory-ports.js';

const TENANT = 'cb46c030-1825-4e81-a295-151c039dbf02';
const GUIDS = {
  general: '11111111-1111-4111-8111-111111111111',
  'confidential-all-employees': '22222222-2222-4222-8222-222222222222',
  'highly-confidential-all-employees': '33333333-3333-4333-8333-333333333333',
} as const;

/**
 * The default policy with Purview GUIDs on General, Confidential / All Employees (here without required
 * protection, so it labels without encrypting) and Highly Confidential / All Employees (protection required).
 */
const POLICY: Policy = {
  ...DEFAULT_POLICY,
  requireDowngradeJustification: true,
  purview: { tenantId: TENANT },
  labels: DEFAULT_POLICY.labels.map((l) => ({
    ...l,
    ...(l.id === 'general' ? { purviewId: GUIDS.general } : {}),
    ...(l.sublabels
      ? {
          sublabels: l.sublabels.map((s) => {
            if (s.id === 'confidential-all-employees') return { id: s.id, name: s.name, purviewId: GUIDS[s.id] };
            return s.id === 'highly-confidential-all-employees' ? { ...s, purviewId: GUIDS[s.id] } : s;
          }),
        }
      : {}),
  })),
};

let dir: string;
let alice: Identity;
let docx: Uint8Array;
let pdf: Uint8Array;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sensitivity-app-documents-'));
  makeDocx(dir, 'plan.docx', ['The plan']);
  makePdf(dir, 'report.pdf', 'A report\n');
  docx = readFileSync(join(dir, 'plan.docx'));
  pdf = readFileSync(join(dir, 'report.pdf'));
  alice = await createIdentity('Alice', 'alice@example.com');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function workspace(policy: Policy = POLICY) {
  const files = new MemoryFiles();
  const store = new MemoryStore(policy);
  files.put('docs/plan.docx', docx);
  files.put('docs/report.pdf', pdf);
  files.put('docs/notes.md', '# notes');
  return { files, store, ctx: memoryContext(alice, { files, store }) };
}

describe('app: labels inside documents', () => {
  it('a mapped label goes inside the .docx (read by exiftool), not into labels.json; labelOf and list show it', async () => {
    const ws = workspace();
    const change = await app.setFileLabel(ws.ctx, 'docs/plan.docx', 'Confidential/All Employees');
    assert.equal(change.direction, 'new');
    assert.equal(getLabel(ws.store.manifestValue, 'docs/plan.docx'), undefined);
    writeFileSync(join(dir, 'out.docx'), ws.files.files.get('docs/plan.docx')!.bytes);
    const tags = (JSON.parse(runIn(dir, 'exiftool', ['-j', 'out.docx'])) as Record<string, unknown>[])[0]!;
    assert.equal(tags[`MSIP_Label_${GUIDS['confidential-all-employees']}_SiteId`], TENANT);
    assert.equal(tags[`MSIP_Label_${GUIDS['confidential-all-employees']}_Method`], 'Privileged');
    assert.equal(tags[`MSIP_Label_${GUIDS['confidential-all-employees']}_Name`], 'All Employees');
    const shown = await app.labelOf(ws.ctx, 'docs/plan.docx');
    assert.equal(shown?.label.id, 'confidential-all-employees');
    assert.equal(shown?.document?.purviewId, GUIDS['confidential-all-employees']);
    assert.deepEqual(ws.ctx.audit.actions(), ['label.set']);
    await app.setFileLabel(ws.ctx, 'docs/notes.md', 'General');
    const listing = await app.list(ws.ctx);
    assert.deepEqual(
      listing.files.map((f) => [f.path, f.label.id, f.document ? 'inside' : 'manifest']),
      [
        ['docs/notes.md', 'general', 'manifest'],
        ['docs/plan.docx', 'confidential-all-employees', 'inside'],
      ],
    );
  });

  it('a PDF gets the label by incremental update; a downgrade needs a justification; removal is audited', async () => {
    const ws = workspace();
    await app.setFileLabel(ws.ctx, 'docs/report.pdf', 'Confidential/All Employees');
    const written = ws.files.files.get('docs/report.pdf')!.bytes;
    assert.deepEqual(written.subarray(0, pdf.length), new Uint8Array(pdf), 'the original bytes stay as they were');
    await rejectsCode(app.setFileLabel(ws.ctx, 'docs/report.pdf', 'General'), 'E_JUSTIFICATION_REQUIRED');
    assert.equal(ws.files.files.get('docs/report.pdf')!.bytes, written, 'refused: the file is untouched');
    const change = await app.setFileLabel(ws.ctx, 'docs/report.pdf', 'General', { justification: 'published' });
    assert.equal(change.direction, 'downgrade');
    assert.deepEqual(
      readDocumentLabels(ws.files.files.get('docs/report.pdf')!.bytes, 'pdf').map((l) => l.labelId),
      [GUIDS.general],
    );
    await rejectsCode(app.removeFileLabel(ws.ctx, 'docs/report.pdf'), 'E_JUSTIFICATION_REQUIRED');
    await app.removeFileLabel(ws.ctx, 'docs/report.pdf', { justification: 'no longer needed' });
    assert.equal(await app.labelOf(ws.ctx, 'docs/report.pdf'), undefined);
    assert.deepEqual(ws.ctx.audit.actions(), ['label.set', 'label.set', 'label.remove']);
  });

  it('an unmapped label on a document stays in labels.json', async () => {
    const ws = workspace();
    await app.setFileLabel(ws.ctx, 'docs/plan.docx', 'Public');
    assert.equal(getLabel(ws.store.manifestValue, 'docs/plan.docx')?.label, 'public');
    assert.equal(ws.files.files.get('docs/plan.docx')!.bytes, docx, 'the document is untouched');
  });

  it('a .docx labeled by Word shows our label for a known GUID and its own name and GUID, flagged, for another', async () => {
    const ws = workspace();
    const word = (labelId: string, name: string) =>
      writeDocumentLabel(
        docx,
        'word',
        { labelId, siteId: TENANT, enabled: true, method: 'Standard', name, setDate: '2025-05-05T05:05:05Z' },
        { tenantId: TENANT, labelInfo: false },
        new Date(),
      );
    ws.files.put('known.docx', word(GUIDS.general, 'General'));
    ws.files.put('other.docx', word('99999999-9999-4999-8999-999999999999', 'Secret Project'));
    assert.equal((await app.labelOf(ws.ctx, 'known.docx'))?.label.id, 'general');
    const other = await app.labelOf(ws.ctx, 'other.docx');
    assert.deepEqual(other?.label, {
      id: '99999999-9999-4999-8999-999999999999',
      name: 'Secret Project (99999999-9999-4999-8999-999999999999)',
      unknown: true,
    });
    assert.equal(other?.setAt, '2025-05-05T05:05:05Z');
    // Without any Purview settings in the policy the label inside is still read.
    const plain = workspace(DEFAULT_POLICY);
    plain.files.put('known.docx', word(GUIDS.general, 'General'));
    assert.equal((await app.labelOf(plain.ctx, 'known.docx'))?.label.unknown, true);
  });

  it('a document that does not parse is refused with a code and left as it was; it reads as unlabeled', async () => {
    const ws = workspace();
    const broken = docx.subarray(0, docx.length - 50);
    ws.files.put('broken.docx', broken);
    await rejectsCode(app.setFileLabel(ws.ctx, 'broken.docx', 'General'), 'E_DOCUMENT_INVALID');
    assert.equal(ws.files.files.get('broken.docx')!.bytes, broken);
    assert.equal(await app.labelOf(ws.ctx, 'broken.docx'), undefined);
    assert.deepEqual(ws.ctx.audit.actions(), []);
  });

  it('an audit log that cannot record leaves the document as it was', async () => {
    const ws = workspace();
    ws.ctx.audit.failing = new Error('disk full');
    await assert.rejects(app.setFileLabel(ws.ctx, 'docs/plan.docx', 'General'));
    assert.equal(ws.files.files.get('docs/plan.docx')!.bytes, docx);
  });

  it('protect takes the label inside the document', async () => {
    const ws = workspace();
    await app.setFileLabel(ws.ctx, 'docs/plan.docx', 'Confidential/All Employees');
    const { info } = await app.protect(ws.ctx, 'docs/plan.docx');
    assert.equal(info.policy.label.id, 'confidential-all-employees');
  });

  it('a label that protects: the .docx inside the envelope carries it too, and the header shows it without decrypting', async () => {
    const ws = workspace();
    const applied = await app.setFileLabel(ws.ctx, 'docs/plan.docx', 'Highly Confidential/All Employees', { protect: {} });
    assert.equal(applied.protectedAs, 'docs/plan.docx.protected');
    const header = await app.inspect(memoryContext(undefined, { files: ws.files, store: ws.store }), 'docs/plan.docx.protected');
    assert.equal(header.label.id, 'highly-confidential-all-employees', 'read from the header, with no identity to decrypt');
    await app.unprotect(ws.ctx, 'docs/plan.docx.protected');
    assert.deepEqual(
      readDocumentLabels(ws.files.files.get('docs/plan.docx')!.bytes, 'word').map((l) => l.labelId),
      [GUIDS['highly-confidential-all-employees']],
      'the document itself carries the label (Office shows it once unprotected)',
    );
    assert.equal((await app.labelOf(ws.ctx, 'docs/plan.docx'))?.label.id, 'highly-confidential-all-employees');
    assert.equal(getLabel(ws.store.manifestValue, 'docs/plan.docx'), undefined, 'one store: nothing in labels.json');
  });
});
