/**
 * Documents made by independent tools for the document tests: python3-docx (.docx), openpyxl (.xlsx),
 * LibreOffice headless (.pptx from a flat ODF presentation, .pdf from text) and qpdf. Each tool writes
 * what it writes; our code only reads and labels the results.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs a command in `dir` (bounded), returning its stdout. */
export function runIn(dir: string, cmd: string, args: readonly string[]): string {
  return execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Debian's python3 (python3-docx, python3-openpyxl) running `code` in `dir`. */
export const python = (dir: string, code: string): string => runIn(dir, '/usr/bin/python3', ['-c', code]);

let profile: string | undefined;

/** LibreOffice headless in `dir`, with a profile of this process's own (runs sharing one fail), removed at exit. */
export function soffice(dir: string, args: readonly string[]): string {
  if (!profile) {
    const made = mkdtempSync(join(tmpdir(), 'sensitivity-lo-'));
    process.on('exit', () => rmSync(made, { recursive: true, force: true }));
    profile = made;
  }
  return runIn(dir, 'soffice', [`-env:UserInstallation=file://${profile}`, '--headless', ...args]);
}

const xml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** `name`.docx by python3-docx: `body` paragraphs, a header line and a comment-free footer line. */
export function makeDocx(dir: string, name: string, body: readonly string[], header = '', footer = ''): void {
  python(
    dir,
    `
import docx, json
d = docx.Document()
for p in json.loads(${JSON.stringify(JSON.stringify(body))}): d.add_paragraph(p)
s = d.sections[0]
s.header.paragraphs[0].text = ${JSON.stringify(header)}
s.footer.paragraphs[0].text = ${JSON.stringify(footer)}
d.save(${JSON.stringify(name)})
`,
  );
}

/** `name`.xlsx by openpyxl: sheet title → cell → value. */
export function makeXlsx(dir: string, name: string, sheets: Record<string, Record<string, string | number>>): void {
  python(
    dir,
    `
import openpyxl, json
w = openpyxl.Workbook(); w.remove(w.active)
for title, cells in json.loads(${JSON.stringify(JSON.stringify(sheets))}).items():
    s = w.create_sheet(title)
    for ref, v in cells.items(): s[ref] = v
w.save(${JSON.stringify(name)})
`,
  );
}

/** `name`.pptx by LibreOffice Impress from a flat ODF presentation with one text box per slide. */
export function makePptx(dir: string, name: string, slides: readonly string[]): void {
  const base = name.replace(/\.pptx$/, '');
  const pages = slides
    .map(
      (t, i) =>
        `<draw:page draw:name="Slide${i + 1}"><draw:frame svg:x="2cm" svg:y="2cm" svg:width="20cm" svg:height="3cm"><draw:text-box><text:p>${xml(t)}</text:p></draw:text-box></draw:frame></draw:page>`,
    )
    .join('');
  writeFileSync(
    join(dir, `${base}.fodp`),
    `<?xml version="1.0" encoding="UTF-8"?><office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.presentation"><office:body><office:presentation>${pages}</office:presentation></office:body></office:document>`,
  );
  soffice(dir, ['--convert-to', 'pptx', `${base}.fodp`]);
  rmSync(join(dir, `${base}.fodp`));
}

/** `name`.pdf by LibreOffice Writer from plain text (each form feed starts a page). */
export function makePdf(dir: string, name: string, text: string): void {
  const base = name.replace(/\.pdf$/, '');
  writeFileSync(join(dir, `${base}.txt`), text);
  soffice(dir, ['--convert-to', 'pdf', `${base}.txt`]);
  rmSync(join(dir, `${base}.txt`));
}
