/**
 * `sensitivity scan`, `check` and `label` on Office documents and PDFs made by independent tools
 * (python3-docx, openpyxl, LibreOffice, qpdf): findings inside them located by part and position, coded
 * refusals for a zip bomb, an encrypted PDF and a truncated workbook (the scan goes on), and labels written
 * inside a document that exiftool reads and `check` honours.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fakeGithubToken, rng } from '../../corpus/generate.js';
import { makeDocx, makePdf, makePptx, makeXlsx, python, runIn } from '../document-tools.js';
import { makePerson, tempDir, type Person } from './helpers.js';

// Built at run time so no scanner flags this test file itself.
const AWS_ID = ['AKIA', 'Q3EGRZ4TXOYMBVNK'].join('');
const CARD = ['4539', '1488', '0343', '6467'].join(' ');
const TOKEN = fakeGithubToken(rng(23), 'ghp');
const TENANT = 'cb46c030-1825-4e81-a295-151c039dbf02';
const CONFIDENTIAL_GUID = '22222222-2222-4222-8222-222222222222';

interface Report {
  scanned: number;
  files: { path: string; label: string | null; outranks: boolean; findings: { type: string; location?: string; line: number; confidence: string }[] }[];
  skipped: { path: string; code?: string }[];
  unlabeledMandatory: string[];
}

describe('sensitivity scan, check and label on documents', () => {
  const tmp = tempDir();
  const ws = join(tmp.path, 'repo');
  let alice: Person;

  before(() => {
    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    alice = makePerson(tmp.path, ws, 'Alice', 'alice@example.com');
    makeDocx(ws, 'spec.docx', ['Introduction', `Deploy with AWS_ACCESS_KEY_ID=${AWS_ID}`], 'Internal', `token ${TOKEN}`);
    makeXlsx(ws, 'customers.xlsx', { Customers: { A1: 'Name', B1: 'Card number', A2: 'Ada', B2: CARD } });
    makePptx(ws, 'deck.pptx', ['Welcome', `Payment card: ${CARD}`]);
    makePdf(ws, 'statement.pdf', `First page\n\f\nCard number ${CARD}\n`);
    makeDocx(ws, 'clean.docx', ['Nothing sensitive here']);
    // Refused with a code: a zip bomb, an encrypted PDF, a truncated workbook.
    python(
      ws,
      `
import zipfile
z = zipfile.ZipFile('bomb.docx', 'w', zipfile.ZIP_DEFLATED)
z.writestr('[Content_Types].xml', '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
z.writestr('_rels/.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>')
z.writestr('word/document.xml', b'<w:document xmlns:w="w"><w:body>' + b' ' * (400 << 20) + b'</w:body></w:document>')
z.close()
`,
    );
    runIn(ws, 'qpdf', ['--encrypt', 'user', 'owner', '256', '--', 'statement.pdf', 'locked.pdf']);
    const xlsx = readFileSync(join(ws, 'customers.xlsx'));
    writeFileSync(join(ws, 'truncated.xlsx'), xlsx.subarray(0, Math.floor(xlsx.length / 2)));
  });
  after(() => tmp.dispose());

  it('finds keys, tokens and card numbers inside .docx, .xlsx, .pptx and .pdf, located by part and position', () => {
    const r = alice.run(['scan', '--json']);
    assert.equal(r.code, 0, r.stderr);
    for (const secret of [AWS_ID, CARD, TOKEN]) assert.ok(!r.stdout.includes(secret), 'findings are masked');
    const report = JSON.parse(r.stdout) as Report;
    const where = (path: string) => report.files.find((f) => f.path === path)?.findings.map((f) => `${f.type}@${f.location}`);
    assert.deepEqual(where('spec.docx'), ['aws-access-key@body ¶2', 'github-token@footer 1 ¶1']);
    assert.deepEqual(where('customers.xlsx'), ['credit-card@Customers!B2']);
    assert.deepEqual(where('deck.pptx'), ['credit-card@slide 2']);
    assert.deepEqual(where('statement.pdf'), ['credit-card@page 2']);
    assert.equal(where('clean.docx'), undefined);
    const refused = Object.fromEntries(report.skipped.map((s) => [s.path, s.code]));
    assert.deepEqual(refused, { 'bomb.docx': 'E_DOCUMENT_LIMIT', 'locked.pdf': 'E_DOCUMENT_ENCRYPTED', 'truncated.xlsx': 'E_DOCUMENT_INVALID' });
    assert.equal(report.scanned, 5, 'the refusals did not stop the scan');
    const text = alice.run(['scan', 'customers.xlsx']);
    assert.match(text.stdout, /Customers!B2 1:1 {2}Payment card number \(high\)/);
  });

  it('label set writes the label inside the .xlsx (exiftool reads it), label get shows it, and check honours it', () => {
    writeFileSync(
      join(ws, '.sensitivity', 'policy.json'),
      JSON.stringify({
        version: 1,
        purview: { tenantId: TENANT },
        labels: [
          { id: 'public', name: 'Public' },
          { id: 'confidential', name: 'Confidential', purviewId: CONFIDENTIAL_GUID },
        ],
        detection: { rules: [{ types: ['credit-card'], minLabel: 'confidential', action: 'recommend' }] },
        mandatory: ['*.pdf'],
      }),
    );
    const failing = alice.run(['check', 'customers.xlsx', 'statement.pdf']);
    assert.equal(failing.code, 5, failing.stdout + failing.stderr);
    assert.equal(alice.run(['label', 'set', 'customers.xlsx', 'statement.pdf', '--label', 'Confidential']).code, 0);
    const tags = (JSON.parse(runIn(ws, 'exiftool', ['-j', 'customers.xlsx'])) as Record<string, unknown>[])[0]!;
    assert.equal(tags[`MSIP_Label_${CONFIDENTIAL_GUID}_SiteId`], TENANT);
    assert.equal(tags[`MSIP_Label_${CONFIDENTIAL_GUID}_Name`], 'Confidential');
    runIn(ws, 'qpdf', ['--check', 'statement.pdf']);
    assert.match(runIn(ws, 'pdfinfo', ['-custom', 'statement.pdf']), new RegExp(`MSIP_Label_${CONFIDENTIAL_GUID}_Enabled:\\s*true`));
    assert.equal(existsSync(join(ws, '.sensitivity', 'labels.json')), false, 'nothing in labels.json');
    const got = alice.run(['label', 'get', 'customers.xlsx']);
    assert.match(got.stdout, new RegExp(`customers\\.xlsx\\tConfidential \\[inside the document, Purview label ${CONFIDENTIAL_GUID}\\]`));
    const passing = alice.run(['check', 'customers.xlsx', 'statement.pdf']);
    assert.equal(passing.code, 0, passing.stdout + passing.stderr);
    const listed = JSON.parse(alice.run(['label', 'list', '--json']).stdout) as { path: string; inDocument?: { purviewId: string } }[];
    assert.deepEqual(
      listed.map((f) => [f.path, f.inDocument?.purviewId]),
      [
        ['customers.xlsx', CONFIDENTIAL_GUID],
        ['statement.pdf', CONFIDENTIAL_GUID],
      ],
    );
  });
});
