/**
 * Labels inside documents, checked by other implementations: documents made by python3-docx, openpyxl,
 * LibreOffice and qpdf are labeled by us and read back by exiftool, python3-docx, openpyxl, pdfinfo and
 * qpdf (not by our own reader alone); documents labeled the way Word writes labels are read by us; and what
 * cannot be parsed is refused with a code, never rewritten.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readDocumentLabels, writeDocumentLabel, type DocumentKind, type DocumentLabel } from '../../src/core/documents/index.js';
import { documentText } from '../../src/core/documents/text.js';
import { readZip } from '../../src/core/documents/zip.js';
import { pdfTextReader } from '../../src/node/pdf-text-loader.js';
import { SensitivityError } from '../../src/core/errors.js';
import { makeDocx, makePdf, makePptx, makeXlsx, python as pythonIn, runIn, soffice as sofficeIn } from './document-tools.js';

const TENANT = 'cb46c030-1825-4e81-a295-151c039dbf02';
const LABEL: DocumentLabel = {
  labelId: '2096f6a2-d2f7-48be-b329-b73aaa526e5d',
  siteId: TENANT,
  enabled: true,
  method: 'Privileged',
  setDate: '2026-01-02T03:04:05Z',
  name: 'Confidential',
  actionId: '0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3',
  contentBits: 0,
};
const KEY = (a: string) => `MSIP_Label_${LABEL.labelId}_${a}`;
const WRITE = { tenantId: TENANT, labelInfo: false };
const NOW = new Date('2026-01-02T03:04:05Z');

let dir: string;
const at = (name: string) => join(dir, name);
const run = (cmd: string, args: readonly string[]) => runIn(dir, cmd, args);
const python = (code: string) => pythonIn(dir, code);
const soffice = (args: readonly string[]) => sofficeIn(dir, args);

function labelFile(name: string, kind: DocumentKind, label: DocumentLabel | null = LABEL, write = WRITE): string {
  const out = `L-${name}`;
  writeFileSync(at(out), writeDocumentLabel(readFileSync(at(name)), kind, label, write, NOW));
  return out;
}

function exif(name: string): Record<string, unknown> {
  return (JSON.parse(run('exiftool', ['-j', '-G0', '-n', name])) as Record<string, unknown>[])[0]!;
}

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof SensitivityError) return e.code;
    throw e;
  }
  assert.fail('expected a coded refusal');
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sensitivity-documents-'));
  makeDocx(dir, 'plain.docx', ['Quarterly plan']);
  makeXlsx(dir, 'plain.xlsx', { Cards: { B2: 'kept value' } });
  makePdf(dir, 'note.pdf', 'A page of text\n');
  makePptx(dir, 'note.pptx', ['A slide']);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('documents: labels written where Office reads them', () => {
  it('a .docx labeled by us carries the exact MSIP keys and values in docProps/custom.xml (exiftool, python3-docx)', () => {
    const out = labelFile('plain.docx', 'word');
    const tags = exif(out);
    assert.equal(tags['XML:' + KEY('Enabled')], true, 'exiftool -j prints the string "true" as JSON true');
    assert.equal(tags['XML:' + KEY('Method')], 'Privileged');
    assert.equal(tags['XML:' + KEY('Name')], 'Confidential');
    assert.equal(tags['XML:' + KEY('SiteId')], TENANT);
    assert.equal(tags['XML:' + KEY('ActionId')], LABEL.actionId);
    assert.equal(tags['XML:' + KEY('ContentBits')], 0);
    // python3-docx opens the package and finds the custom properties part with Office's fmtid and pids.
    const props = JSON.parse(
      python(`
import docx, json, xml.etree.ElementTree as ET
d = docx.Document('${out}')
part = next(p for p in d.part.package.parts if str(p.partname) == '/docProps/custom.xml')
ns = {'c': 'http://schemas.openxmlformats.org/officeDocument/2006/custom-properties'}
root = ET.fromstring(part.blob)
print(json.dumps([[p.get('fmtid'), p.get('pid'), p.get('name'), ''.join(p.itertext())] for p in root.findall('c:property', ns)]))
print(d.paragraphs[0].text, file=__import__('sys').stderr)
`),
    ) as [string, string, string, string][];
    assert.deepEqual(props, [
      ['{D5CDD505-2E9C-101B-9397-08002B2CF9AE}', '2', KEY('Enabled'), 'true'],
      ['{D5CDD505-2E9C-101B-9397-08002B2CF9AE}', '3', KEY('SetDate'), '2026-01-02T03:04:05Z'],
      ['{D5CDD505-2E9C-101B-9397-08002B2CF9AE}', '4', KEY('Method'), 'Privileged'],
      ['{D5CDD505-2E9C-101B-9397-08002B2CF9AE}', '5', KEY('Name'), 'Confidential'],
      ['{D5CDD505-2E9C-101B-9397-08002B2CF9AE}', '6', KEY('SiteId'), TENANT],
      ['{D5CDD505-2E9C-101B-9397-08002B2CF9AE}', '7', KEY('ActionId'), LABEL.actionId],
      ['{D5CDD505-2E9C-101B-9397-08002B2CF9AE}', '8', KEY('ContentBits'), '0'],
    ]);
  });

  it('keeps every other part byte for byte (local records copied raw)', () => {
    const before = readZip(readFileSync(at('plain.docx')));
    const afterZip = readZip(readFileSync(at(labelFile('plain.docx', 'word'))));
    for (const e of before.entries) {
      if (e.name === '[Content_Types].xml' || e.name === '_rels/.rels') continue;
      const other = afterZip.entries.find((x) => x.name === e.name)!;
      const raw = (z: typeof before, x: typeof e) => z.bytes.subarray(x.localOffset, x.localOffset + 30 + x.name.length + x.compressedSize);
      assert.deepEqual(raw(afterZip, other), raw(before, e), e.name);
    }
    assert.ok(afterZip.entries.some((e) => e.name === 'docProps/custom.xml'));
  });

  it('an .xlsx labeled by us opens in openpyxl with its cells and shows the keys in exiftool; relabeling replaces, removing clears', () => {
    const out = labelFile('plain.xlsx', 'excel');
    assert.equal(python(`import openpyxl; print(openpyxl.load_workbook('${out}')['Cards']['B2'].value)`).trim(), 'kept value');
    assert.equal(exif(out)['XML:' + KEY('SiteId')], TENANT);
    const other = { ...LABEL, labelId: '11111111-2222-4333-8444-555555555555', name: 'Public' };
    const relabeled = writeDocumentLabel(readFileSync(at(out)), 'excel', other, WRITE, NOW);
    assert.deepEqual(
      readDocumentLabels(relabeled, 'excel').map((l) => l.labelId),
      [other.labelId],
    );
    writeFileSync(at('cleared.xlsx'), writeDocumentLabel(relabeled, 'excel', null, WRITE, NOW));
    assert.deepEqual(readDocumentLabels(readFileSync(at('cleared.xlsx')), 'excel'), []);
    assert.equal(Object.keys(exif('cleared.xlsx')).filter((k) => k.includes('MSIP')).length, 0);
  });

  it('LibreOffice opens a labeled .docx and .pptx and saves them again with the label intact', () => {
    for (const [name, kind, ext] of [
      ['plain.docx', 'word', 'docx'],
      ['note.pptx', 'powerpoint', 'pptx'],
    ] as const) {
      const out = labelFile(name, kind);
      soffice(['--convert-to', ext, '--outdir', join(dir, 'resaved'), at(out)]);
      const resaved = readFileSync(join(dir, 'resaved', out));
      assert.deepEqual(readDocumentLabels(resaved, kind), [LABEL], name);
      assert.equal(exif(join('resaved', out))['XML:' + KEY('Name')], 'Confidential');
    }
  });

  it('with the LabelInfo opt-in, writes docMetadata/LabelInfo.xml ([MS-OFFCRYPTO] 2.6.4) and reads it first', () => {
    const out = labelFile('plain.docx', 'word', LABEL, { tenantId: TENANT, labelInfo: true });
    const part = run('unzip', ['-p', out, 'docMetadata/LabelInfo.xml']);
    assert.match(part, /<clbl:labelList xmlns:clbl="http:\/\/schemas\.microsoft\.com\/office\/2020\/mipLabelMetadata">/);
    assert.match(
      part,
      new RegExp(`<clbl:label id="\\{${LABEL.labelId}\\}" enabled="1" method="Privileged" siteId="\\{${TENANT}\\}" contentBits="0" removed="0"/>`),
    );
    assert.match(
      run('unzip', ['-p', out, '_rels/.rels']),
      /Type="http:\/\/schemas\.microsoft\.com\/office\/2020\/02\/relationships\/classificationlabels" Target="docMetadata\/LabelInfo\.xml"/,
    );
    const [read] = readDocumentLabels(readFileSync(at(out)), 'word', true);
    assert.equal(read?.labelId, LABEL.labelId);
    assert.equal(read?.method, 'Privileged');
  });

  it('reads a .docx labeled the way Word writes it (custom properties and LabelInfo, braces, another tenant beside)', () => {
    python(`
import zipfile
src = zipfile.ZipFile('plain.docx'); out = zipfile.ZipFile('word-labeled.docx', 'w', zipfile.ZIP_DEFLATED)
for i in src.infolist():
    data = src.read(i.filename)
    if i.filename == '[Content_Types].xml':
        data = data.replace(b'</Types>', b'<Override PartName="/docProps/custom.xml" ContentType="application/vnd.openxmlformats-officedocument.custom-properties+xml"/><Override PartName="/docMetadata/LabelInfo.xml" ContentType="application/vnd.ms-office.classificationlabels+xml"/></Types>')
    if i.filename == '_rels/.rels':
        data = data.replace(b'</Relationships>', b'<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/><Relationship Id="rId10" Type="http://schemas.microsoft.com/office/2020/02/relationships/classificationlabels" Target="docMetadata/LabelInfo.xml"/></Relationships>')
    out.writestr(i, data)
out.writestr('docProps/custom.xml', '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\\r\\n<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="ContentTypeId"><vt:lpwstr>0x0101</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="MSIP_Label_aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee_Enabled"><vt:lpwstr>true</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="4" name="MSIP_Label_aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee_SetDate"><vt:lpwstr>2024-03-01T09:10:11Z</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="5" name="MSIP_Label_aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee_Method"><vt:lpwstr>Standard</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="6" name="MSIP_Label_aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee_Name"><vt:lpwstr>Highly Confidential</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="7" name="MSIP_Label_aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee_SiteId"><vt:lpwstr>${TENANT}</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="8" name="MSIP_Label_aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee_ActionId"><vt:lpwstr>5a4b3c2d-1e0f-4a1b-8c2d-3e4f5a6b7c8d</vt:lpwstr></property><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="9" name="MSIP_Label_aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee_ContentBits"><vt:lpwstr>0</vt:lpwstr></property></Properties>')
out.writestr('docMetadata/LabelInfo.xml', '<?xml version="1.0" encoding="utf-8" standalone="yes"?><clbl:labelList xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata"><clbl:label id="{AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE}" enabled="1" method="Standard" siteId="{${TENANT.toUpperCase()}}" contentBits="0" removed="0" /><clbl:label id="{99999999-8888-4777-8666-555555555555}" enabled="1" method="Privileged" siteId="{00000000-1111-4222-8333-444444444444}" removed="0" /></clbl:labelList>')
out.close()
`);
    const bytes = readFileSync(at('word-labeled.docx'));
    const labels = readDocumentLabels(bytes, 'word');
    const ours = labels.find((l) => l.siteId === TENANT)!;
    assert.equal(ours.labelId, 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee');
    assert.equal(ours.name, 'Highly Confidential', 'the name comes from the custom properties beside LabelInfo');
    assert.equal(ours.method, 'Standard');
    assert.equal(labels.length, 2);
    // A policy that did not opt in to LabelInfo reads the custom properties only ([MS-OFFCRYPTO] 2.6.3 case 2).
    assert.deepEqual(
      readDocumentLabels(bytes, 'word', false).map((l) => l.labelId),
      ['aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'],
    );
    // Writing ours keeps the other tenant's label and the unrelated property.
    const relabeled = writeDocumentLabel(bytes, 'word', LABEL, WRITE, NOW);
    assert.deepEqual(
      readDocumentLabels(relabeled, 'word')
        .map((l) => `${l.siteId}/${l.labelId}`)
        .sort(),
      [`00000000-1111-4222-8333-444444444444/99999999-8888-4777-8666-555555555555`, `${TENANT}/${LABEL.labelId}`],
    );
    writeFileSync(at('word-relabeled.docx'), relabeled);
    assert.equal(exif('word-relabeled.docx')['XML:ContentTypeId'], '0x0101');
  });
});

describe('documents: labels in PDF metadata by incremental update', () => {
  it('a PDF labeled by us keeps its original bytes as a prefix and passes qpdf --check and pdfinfo, which show the keys', () => {
    const original = readFileSync(at('note.pdf'));
    const out = labelFile('note.pdf', 'pdf');
    const bytes = readFileSync(at(out));
    assert.deepEqual(bytes.subarray(0, original.length), original, 'an incremental update: existing signatures keep their byte ranges');
    run('qpdf', ['--check', out]);
    const custom = run('pdfinfo', ['-custom', out]);
    assert.match(custom, new RegExp(`${KEY('Enabled')}:\\s*true`));
    assert.match(custom, new RegExp(`${KEY('SiteId')}:\\s*${TENANT}`));
    assert.match(run('pdfinfo', ['-meta', out]), new RegExp(`<pdfx:${KEY('Method')}>Privileged</pdfx:${KEY('Method')}>`));
    const tags = exif(out);
    assert.equal(tags['PDF:' + KEY('Name')], 'Confidential');
    assert.equal(tags['XMP:' + KEY('SiteId')], TENANT);
    assert.deepEqual(readDocumentLabels(bytes, 'pdf'), [LABEL]);
  });

  it('labels PDFs with cross-reference streams and object streams (qpdf), again and again, and removes the label', () => {
    run('qpdf', ['--object-streams=generate', 'note.pdf', 'packed.pdf']);
    const once = labelFile('packed.pdf', 'pdf');
    run('qpdf', ['--check', once]);
    const other = { ...LABEL, labelId: '11111111-2222-4333-8444-555555555555', name: 'Général' };
    writeFileSync(at('twice.pdf'), writeDocumentLabel(readFileSync(at(once)), 'pdf', other, WRITE, NOW));
    run('qpdf', ['--check', 'twice.pdf']);
    run('pdfinfo', ['twice.pdf']);
    assert.deepEqual(readDocumentLabels(readFileSync(at('twice.pdf')), 'pdf'), [other]);
    assert.equal(exif('twice.pdf')['PDF:' + `MSIP_Label_${other.labelId}_Name`], 'Général');
    writeFileSync(at('none.pdf'), writeDocumentLabel(readFileSync(at('twice.pdf')), 'pdf', null, WRITE, NOW));
    run('qpdf', ['--check', 'none.pdf']);
    assert.deepEqual(readDocumentLabels(readFileSync(at('none.pdf')), 'pdf'), []);
  });
});

describe('documents: the text inside, piece by piece', () => {
  it('reads Word body, header and footer, Excel sheet names and cells, PowerPoint slides and PDF pages with their locations', async () => {
    makeDocx(dir, 'text.docx', ['First', 'Second\tcolumn'], 'Top of page', 'Bottom of page');
    makeXlsx(dir, 'text.xlsx', { Budget: { A1: 'Item', B3: 42 }, Notes: { C2: 'remember' } });
    makePptx(dir, 'text.pptx', ['Slide one', 'Slide two']);
    makePdf(dir, 'text.pdf', 'Page one\n\fPage two\n');
    const read = async (name: string, kind: DocumentKind) =>
      (await documentText(readFileSync(at(name)), kind, pdfTextReader)).map((p) => `${p.location}=${p.text.trim()}`);
    assert.deepEqual(await read('text.docx', 'word'), ['body ¶1=First', 'body ¶2=Second\tcolumn', 'header 1 ¶1=Top of page', 'footer 1 ¶1=Bottom of page']);
    assert.deepEqual(await read('text.xlsx', 'excel'), [
      'sheet name "Budget"=Budget',
      'Budget!A1=Item',
      'Budget!B3=42',
      'sheet name "Notes"=Notes',
      'Notes!C2=remember',
    ]);
    assert.deepEqual(await read('text.pptx', 'powerpoint'), ['slide 1=Slide one', 'slide 2=Slide two']);
    assert.deepEqual(await read('text.pdf', 'pdf'), ['page 1=Page one', 'page 2=Page two']);
  });
});

describe('documents: what cannot be parsed is refused with a code, never rewritten', () => {
  it('a truncated .xlsx, a zip bomb, an encrypted PDF, an Office-encrypted file and a non-PDF', () => {
    const xlsx = readFileSync(at('plain.xlsx'));
    assert.equal(
      refusal(() => writeDocumentLabel(xlsx.subarray(0, xlsx.length - 40), 'excel', LABEL, WRITE, NOW)),
      'E_DOCUMENT_INVALID',
    );
    python(`
import zipfile
z = zipfile.ZipFile('bomb.docx', 'w', zipfile.ZIP_DEFLATED)
z.writestr('[Content_Types].xml', '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
z.writestr('_rels/.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>')
z.writestr('docProps/custom.xml', b'<Properties>' + b' ' * (300 << 20) + b'</Properties>')
z.close()
`);
    assert.equal(
      refusal(() => readDocumentLabels(readFileSync(at('bomb.docx')), 'word')),
      'E_DOCUMENT_LIMIT',
    );
    run('qpdf', ['--encrypt', 'user', 'owner', '256', '--', 'note.pdf', 'locked.pdf']);
    assert.equal(
      refusal(() => writeDocumentLabel(readFileSync(at('locked.pdf')), 'pdf', LABEL, WRITE, NOW)),
      'E_DOCUMENT_ENCRYPTED',
    );
    const cfb = Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]);
    assert.equal(
      refusal(() => readDocumentLabels(cfb, 'word')),
      'E_DOCUMENT_ENCRYPTED',
    );
    assert.equal(
      refusal(() => readDocumentLabels(new TextEncoder().encode('plain text, not a PDF'), 'pdf')),
      'E_DOCUMENT_INVALID',
    );
    const pdf = readFileSync(at('note.pdf'));
    assert.equal(
      refusal(() => writeDocumentLabel(pdf.subarray(0, pdf.length - 100), 'pdf', LABEL, WRITE, NOW)),
      'E_DOCUMENT_INVALID',
    );
  });
});
