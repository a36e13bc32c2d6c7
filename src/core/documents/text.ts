/**
 * The text inside documents, for the detectors: Word paragraphs (body, headers, footers, footnotes,
 * endnotes, comments), Excel sheet names, cells (shared, inline and literal values) and comments,
 * PowerPoint slides, notes and comments — each piece with where it is (part and position) — and PDF pages
 * through a reader the host hands in (pdf.js is large: it loads only when a PDF is met). Bounded: each part
 * by the ZIP limits, all parts together and the text itself by their own, E_DOCUMENT_LIMIT past them.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Finding } from '../detect/index.js';
import { documentError, MAX_DOCUMENT_BYTES, type DocumentKind } from './formats.js';
import { entryText, findEntry, readZip, type ZipArchive } from './zip.js';

/** A piece of a document's text and where it is: "body ¶3", "Cards!B2", "slide 2", "page 4", … */
export interface TextPiece {
  readonly text: string;
  readonly location: string;
}

/** A finding inside a document: positions count within its piece, `location` says which. */
export interface DocumentFinding extends Finding {
  readonly location: string;
}

/** Reads a PDF's text layer, one string per page (the host's pdf.js). */
export type PdfTextReader = (bytes: Uint8Array) => Promise<readonly string[]>;

/** Most characters of text read from one document. */
export const MAX_DOCUMENT_TEXT = 32 << 20;
/** Most bytes inflated from one package, all parts together. */
const MAX_INFLATED = 256 << 20;

const ordered = new XMLParser({
  preserveOrder: true,
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  trimValues: false,
});

type Node = Record<string, unknown>;

/** Children of a preserveOrder node, its name and attributes. */
function nodeParts(n: Node): { name: string; children: Node[]; attrs: Record<string, string> } {
  const name = Object.keys(n).find((k) => k !== ':@')!;
  return { name, children: Array.isArray(n[name]) ? (n[name] as Node[]) : [], attrs: (n[':@'] as Record<string, string> | undefined) ?? {} };
}

/** Paragraph texts (`w:p`, `a:p`) of a WordprocessingML or DrawingML part, with `t` runs, tabs and breaks. */
function paragraphs(part: string, xml: string): string[] {
  if (XMLValidator.validate(xml) !== true) throw documentError('E_DOCUMENT_INVALID', `${part} is not well-formed XML`);
  const out: string[] = [];
  const walk = (nodes: Node[], into: string[] | undefined, inText: boolean): void => {
    for (const n of nodes) {
      if ('#text' in n) {
        if (inText && into) into.push(String(n['#text']));
        continue;
      }
      const { name, children } = nodeParts(n);
      if (name === 'p') {
        const buf: string[] = [];
        walk(children, buf, false);
        const text = buf.join('');
        if (text.trim() !== '') out.push(text);
      } else if (name === 't') walk(children, into, true);
      else if (name === 'tab') into?.push('\t');
      else if (name === 'br' || name === 'cr') into?.push('\n');
      else walk(children, into, false);
    }
  };
  walk(ordered.parse(xml) as Node[], undefined, false);
  return out;
}

/** Numbered part names under `dir` matching `stem<N>.xml`, in number order. */
function numbered(zip: ZipArchive, dir: string, stem: string): { name: string; n: number }[] {
  const re = new RegExp(`^${dir}${stem}(\\d*)\\.xml$`, 'i');
  return zip.entries
    .map((e) => ({ name: e.name, m: re.exec(e.name) }))
    .filter((x) => x.m)
    .map((x) => ({ name: x.name, n: Number(x.m![1] || 0) }))
    .sort((a, b) => a.n - b.n);
}

const WORD_PARTS: readonly [string, string][] = [
  ['document', 'body'],
  ['header', 'header'],
  ['footer', 'footer'],
  ['footnotes', 'footnotes'],
  ['endnotes', 'endnotes'],
  ['comments', 'comments'],
];

function wordText(zip: ZipArchive, read: (name: string) => string): TextPiece[] {
  const pieces: TextPiece[] = [];
  for (const [stem, what] of WORD_PARTS) {
    for (const { name, n } of numbered(zip, 'word/', stem)) {
      const where = what === 'header' || what === 'footer' ? `${what} ${n || 1}` : what;
      paragraphs(name, read(name)).forEach((text, i) => pieces.push({ text, location: `${where} ¶${i + 1}` }));
    }
  }
  return pieces;
}

function slidesText(zip: ZipArchive, read: (name: string) => string): TextPiece[] {
  const pieces: TextPiece[] = [];
  const parts: [string, string, string][] = [
    ['ppt/slides/', 'slide', 'slide'],
    ['ppt/notesSlides/', 'notesSlide', 'notes'],
    ['ppt/comments/', 'comment', 'comments'],
    ['ppt/comments/', 'modernComment_[\\w]*?', 'comments'],
  ];
  for (const [dir, stem, what] of parts) {
    for (const { name, n } of numbered(zip, dir, stem)) {
      const text = paragraphs(name, read(name));
      // Legacy comments hold their text in <p:text>, not in paragraphs.
      const extra =
        what === 'comments' && text.length === 0 ? [...read(name).matchAll(/<(?:\w+:)?text>([^<]*)<\/(?:\w+:)?text>/g)].map((m) => unescape(m[1]!)) : [];
      [...text, ...extra].forEach((t) => pieces.push({ text: t, location: `${what} ${n || 1}` }));
    }
  }
  return pieces;
}

const flat = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => ['sheet', 'row', 'c', 'si', 'r', 'Relationship', 'comment'].includes(name),
});

function parseFlat(part: string, xml: string): Node {
  if (XMLValidator.validate(xml) !== true) throw documentError('E_DOCUMENT_INVALID', `${part} is not well-formed XML`);
  return flat.parse(xml) as Node;
}

/** The text of a string item (`si`, `is`, a comment's `text`): its `t`, or its runs' `t`s. */
function richText(x: unknown): string {
  if (x === undefined || x === null) return '';
  if (typeof x === 'string' || typeof x === 'number') return String(x);
  const o = x as Node;
  const t = o['t'];
  const own = typeof t === 'object' && t !== null ? String((t as Node)['#text'] ?? '') : t === undefined ? '' : String(t);
  const runs = Array.isArray(o['r']) ? (o['r'] as unknown[]).map(richText).join('') : '';
  return own + runs;
}

function excelText(zip: ZipArchive, read: (name: string) => string): TextPiece[] {
  const pieces: TextPiece[] = [];
  const shared = findEntry(zip, 'xl/sharedStrings.xml');
  const strings = shared ? (((parseFlat(shared.name, read(shared.name))['sst'] as Node | undefined)?.['si'] as unknown[] | undefined) ?? []).map(richText) : [];
  const book = findEntry(zip, 'xl/workbook.xml');
  if (!book) throw documentError('E_DOCUMENT_INVALID', 'not a workbook: no xl/workbook.xml');
  const sheets =
    (((parseFlat(book.name, read(book.name))['workbook'] as Node | undefined)?.['sheets'] as Node | undefined)?.['sheet'] as Node[] | undefined) ?? [];
  const relsEntry = findEntry(zip, 'xl/_rels/workbook.xml.rels');
  const rels = relsEntry
    ? (((parseFlat(relsEntry.name, read(relsEntry.name))['Relationships'] as Node | undefined)?.['Relationship'] as Node[] | undefined) ?? [])
    : [];
  for (const sheet of sheets) {
    const title = String(sheet['name'] ?? '');
    pieces.push({ text: title, location: `sheet name "${title}"` });
    const rel = rels.find((r) => r['Id'] === sheet['id']);
    const target = rel ? String(rel['Target']) : undefined;
    const part = target === undefined ? undefined : findEntry(zip, target.startsWith('/') ? target.slice(1) : `xl/${target}`);
    if (!part) continue;
    const rows =
      (((parseFlat(part.name, read(part.name))['worksheet'] as Node | undefined)?.['sheetData'] as Node | undefined)?.['row'] as Node[] | undefined) ?? [];
    for (const row of rows) {
      for (const c of (row['c'] as Node[] | undefined) ?? []) {
        const type = c['t'];
        const v = c['v'] === undefined ? undefined : richText(c['v']);
        const text = type === 's' ? strings[Number(v)] : type === 'inlineStr' ? richText(c['is']) : v;
        if (text !== undefined && text !== '') pieces.push({ text, location: `${title}!${String(c['r'] ?? '?')}` });
      }
    }
  }
  for (const { name } of numbered(zip, 'xl/', 'comments')) {
    const list =
      (((parseFlat(name, read(name))['comments'] as Node | undefined)?.['commentList'] as Node | undefined)?.['comment'] as Node[] | undefined) ?? [];
    for (const c of list) pieces.push({ text: richText(c['text']), location: `comment at ${String(c['ref'] ?? '?')}` });
  }
  return pieces;
}

function unescape(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e as 'lt']);
}

/** The text of a document of `kind`, piece by piece (E_DOCUMENT_* when it cannot be read within its bounds). */
export async function documentText(bytes: Uint8Array, kind: DocumentKind, pdfText: PdfTextReader): Promise<TextPiece[]> {
  if (bytes.length > MAX_DOCUMENT_BYTES) throw documentError('E_DOCUMENT_LIMIT', `the document is larger than ${MAX_DOCUMENT_BYTES >> 20} MiB`);
  let pieces: TextPiece[];
  if (kind === 'pdf') {
    if (new TextDecoder('latin1').decode(bytes.subarray(0, 1024)).indexOf('%PDF-') < 0)
      throw documentError('E_DOCUMENT_INVALID', 'not a readable PDF: no %PDF header');
    pieces = (await pdfText(bytes)).map((text, i) => ({ text, location: `page ${i + 1}` }));
  } else {
    if (bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0)
      throw documentError('E_DOCUMENT_ENCRYPTED', 'the Office document is encrypted');
    const zip = readZip(bytes);
    let inflated = 0;
    const read = (name: string) => {
      const e = findEntry(zip, name)!;
      const text = entryText(zip, e);
      inflated += text.length;
      if (inflated > MAX_INFLATED) throw documentError('E_DOCUMENT_LIMIT', `more than ${MAX_INFLATED >> 20} MiB of parts`);
      return text;
    };
    pieces = kind === 'word' ? wordText(zip, read) : kind === 'excel' ? excelText(zip, read) : slidesText(zip, read);
  }
  const total = pieces.reduce((n, p) => n + p.text.length, 0);
  if (total > MAX_DOCUMENT_TEXT) throw documentError('E_DOCUMENT_LIMIT', `more than ${MAX_DOCUMENT_TEXT >> 20} Mi characters of text`);
  return pieces;
}

/**
 * Scans a document's pieces as one text (pieces on lines of their own, so a keyword in one cell still
 * counts for a value in the next), then tells each finding where it is: its piece's location, and its line
 * and column within that piece.
 */
export function scanPieces(pieces: readonly TextPiece[], scan: (text: string) => readonly Finding[]): DocumentFinding[] {
  const starts: number[] = [];
  let at = 0;
  for (const p of pieces) {
    starts.push(at);
    at += p.text.length + 1;
  }
  const text = pieces.map((p) => p.text).join('\n');
  return scan(text).map((f) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= f.offset) lo = mid;
      else hi = mid - 1;
    }
    const piece = pieces[lo]!;
    const position = (offset: number) => {
      const before = piece.text.slice(0, Math.max(0, Math.min(piece.text.length, offset - starts[lo]!)));
      const line = before.split('\n').length - 1;
      return { line, column: before.length - (before.lastIndexOf('\n') + 1) };
    };
    const start = position(f.offset);
    const end = position(f.offset + f.length);
    return { ...f, line: start.line, column: start.column, endLine: end.line, endColumn: end.column, location: piece.location };
  });
}
