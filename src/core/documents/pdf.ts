/**
 * Labels in PDF files: the MSIP key/value pairs in the document information dictionary (custom keys,
 * ISO 32000-1 §14.3.3) and in the XMP metadata stream under Adobe's `pdfx` namespace (custom document
 * properties, as Office's PDF export writes them). Written as an incremental update (ISO 32000-1 §7.5.6):
 * the original bytes stay as they are, so the byte ranges of existing signatures still verify.
 */
import { concatBytes } from '@noble/ciphers/utils.js';
import { documentError } from './formats.js';
import { isMsipKey, labelsFromPairs, msipKeyGuid, msipPairs, type DocumentLabel } from './msip.js';
import { decodeStream, isKind, name, openPdf, pdfText, ref, serialize, textOf, type PdfDict, type PdfFile, type PdfValue } from './pdf-objects.js';

const NS_PDFX = 'http://ns.adobe.com/pdfx/1.3/';
const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/** The document information dictionary, if the trailer names one. */
function infoOf(pdf: PdfFile): PdfDict | undefined {
  const info = pdf.resolve(pdf.trailer.entries.get('Info'));
  return isKind(info, 'dict') ? info : undefined;
}

function catalogOf(pdf: PdfFile): { ref: PdfValue; dict: PdfDict } {
  const root = pdf.trailer.entries.get('Root');
  const dict = pdf.resolve(root);
  if (!isKind(root, 'ref') || !isKind(dict, 'dict')) throw documentError('E_DOCUMENT_INVALID', 'not a readable PDF: no document catalog');
  return { ref: root, dict };
}

/** The XMP packet text of the catalog's /Metadata, if any. */
function xmpOf(pdf: PdfFile): string | undefined {
  const m = pdf.resolve(catalogOf(pdf).dict.entries.get('Metadata'));
  return isKind(m, 'stream') ? utf8.decode(decodeStream(m)) : undefined;
}

/** The `pdfx:MSIP_Label_…` properties in an XMP packet (elements or attributes). */
function xmpPairs(xmp: string): [string, string][] {
  const prefixes = [...xmp.matchAll(/xmlns:([A-Za-z_][\w.-]*)\s*=\s*["']http:\/\/ns\.adobe\.com\/pdfx\/1\.3\/["']/g)].map((m) => m[1]!);
  const pairs: [string, string][] = [];
  for (const p of new Set(prefixes)) {
    for (const m of xmp.matchAll(new RegExp(`<${p}:(MSIP_Label_[\\w-]+)>([^<]*)</${p}:\\1>`, 'g'))) pairs.push([m[1]!, unescapeXml(m[2]!)]);
    for (const m of xmp.matchAll(new RegExp(`\\s${p}:(MSIP_Label_[\\w-]+)\\s*=\\s*"([^"]*)"`, 'g'))) pairs.push([m[1]!, unescapeXml(m[2]!)]);
  }
  return pairs;
}

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) =>
    e[0] === '#'
      ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)))
      : ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e.toLowerCase()]!,
  );
}

/** The labels a PDF carries: XMP's pairs, then the information dictionary's (which win where both say). */
export function readPdfLabels(bytes: Uint8Array): DocumentLabel[] {
  const pdf = openPdf(bytes);
  const pairs: [string, string][] = [];
  const xmp = xmpOf(pdf);
  if (xmp !== undefined) pairs.push(...xmpPairs(xmp));
  for (const [k, v] of infoOf(pdf)?.entries ?? []) if (isMsipKey(k) && isKind(v, 'string')) pairs.push([k, textOf(v)]);
  return labelsFromPairs(pairs);
}

const xmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An XMP packet: `existing` without the dropped MSIP properties, plus `add` in a `pdfx` description. */
function xmpWith(existing: string | undefined, drop: (key: string) => boolean, add: readonly [string, string][]): string {
  const description = add.length
    ? `<rdf:Description rdf:about="" xmlns:pdfx="${NS_PDFX}">${add.map(([k, v]) => `<pdfx:${k}>${xmlEscape(v)}</pdfx:${k}>`).join('')}</rdf:Description>`
    : '';
  if (existing !== undefined && /<\/rdf:RDF>/.test(existing)) {
    const kept = existing
      .replace(/<([A-Za-z_][\w.-]*):(MSIP_Label_[\w-]+)>[^<]*<\/\1:\2>/g, (el, _p: string, key: string) => (drop(key) ? '' : el))
      .replace(/\s([A-Za-z_][\w.-]*):(MSIP_Label_[\w-]+)\s*=\s*"[^"]*"/g, (attr, _p: string, key: string) => (drop(key) ? '' : attr));
    return kept.replace(/<\/rdf:RDF>/, `${description}</rdf:RDF>`);
  }
  return (
    `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">` +
    `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">${description}</rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
  );
}

/**
 * The PDF with `label` in its metadata (or, with null, the tenant's label taken out), as an incremental
 * update appended to the original bytes: a new information dictionary (same object number when there was
 * one), a new metadata stream (likewise; the catalog is rewritten only to point at a new one), and a
 * cross-reference section of the same kind as the file's last (table or stream) whose /Prev is the old one.
 */
export function pdfWithLabel(bytes: Uint8Array, label: DocumentLabel | null, tenantId: string): Uint8Array {
  const pdf = openPdf(bytes);
  const before = readPdfLabels(bytes);
  const drop = (key: string) => {
    const guid = msipKeyGuid(key);
    return guid === label?.labelId || before.some((l) => l.labelId === guid && l.siteId === tenantId);
  };
  const add = label ? msipPairs(label) : [];
  let next = pdf.size;
  const objects: { num: number; gen: number; body: Uint8Array }[] = [];

  const info = new Map(infoOf(pdf)?.entries ?? []);
  for (const k of [...info.keys()]) if (isMsipKey(k) && drop(k)) info.delete(k);
  const infoRef = pdf.trailer.entries.get('Info');
  const infoNum = isKind(infoRef, 'ref') ? infoRef : ref(next++);
  const infoBody = `<<${[...info].map(([k, v]) => `${serialize(name(k))} ${serialize(v)}`).join(' ')}${add.map(([k, v]) => ` /${k} ${pdfText(v)}`).join('')}>>`;
  objects.push({ num: infoNum.num, gen: infoNum.gen, body: encoder.encode(infoBody) });

  const catalog = catalogOf(pdf);
  const metaRef = catalog.dict.entries.get('Metadata');
  const xmp = encoder.encode(xmpWith(xmpOf(pdf), drop, add));
  const metaNum = isKind(metaRef, 'ref') ? metaRef : ref(next++);
  const metaHead = encoder.encode(`<</Type /Metadata /Subtype /XML /Length ${xmp.length}>>\nstream\n`);
  objects.push({ num: metaNum.num, gen: metaNum.gen, body: concatBytes(metaHead, xmp, encoder.encode('\nendstream')) });
  if (!isKind(metaRef, 'ref')) {
    const entries = new Map(catalog.dict.entries);
    entries.set('Metadata', metaNum);
    const root = catalog.ref as { num: number; gen: number };
    objects.push({ num: root.num, gen: root.gen, body: encoder.encode(serialize({ kind: 'dict', entries })) });
  }

  const parts: Uint8Array[] = [bytes];
  let offset = bytes.length;
  const put = (b: Uint8Array) => {
    parts.push(b);
    offset += b.length;
  };
  if (bytes[bytes.length - 1] !== 0x0a && bytes[bytes.length - 1] !== 0x0d) put(encoder.encode('\n'));
  const offsets = new Map<number, { offset: number; gen: number }>();
  for (const o of objects) {
    offsets.set(o.num, { offset, gen: o.gen });
    put(concatBytes(encoder.encode(`${o.num} ${o.gen} obj\n`), o.body, encoder.encode('\nendobj\n')));
  }
  const trailer = new Map<string, PdfValue>([
    ['Size', next],
    ['Root', catalog.ref],
    ['Info', infoNum],
    ['Prev', pdf.startxref],
  ]);
  const id = pdf.trailer.entries.get('ID');
  if (id !== undefined) trailer.set('ID', id);
  const xrefAt = offset;
  if (pdf.xrefStream) {
    const xrefNum = next++;
    trailer.set('Size', next);
    offsets.set(xrefNum, { offset: xrefAt, gen: 0 });
    const nums = [...offsets.keys()].sort((a, b) => a - b);
    const rows = new Uint8Array(nums.length * 7);
    nums.forEach((n, i) => {
      const { offset: off, gen } = offsets.get(n)!;
      rows.set([1, off >>> 24, (off >>> 16) & 0xff, (off >>> 8) & 0xff, off & 0xff, gen >> 8, gen & 0xff], i * 7);
    });
    trailer.set('Type', name('XRef'));
    trailer.set('W', [1, 4, 2]);
    trailer.set(
      'Index',
      nums.flatMap((n) => [n, 1]),
    );
    trailer.set('Length', rows.length);
    put(
      concatBytes(
        ...[encoder.encode(`${xrefNum} 0 obj\n${serialize({ kind: 'dict', entries: trailer })}\nstream\n`), rows, encoder.encode(`\nendstream\nendobj\n`)],
      ),
    );
  } else {
    const nums = [...offsets.keys()].sort((a, b) => a - b);
    put(
      encoder.encode(
        `xref\n${nums.map((n) => `${n} 1\n${String(offsets.get(n)!.offset).padStart(10, '0')} ${String(offsets.get(n)!.gen).padStart(5, '0')} n\r\n`).join('')}`,
      ),
    );
    put(encoder.encode(`trailer\n${serialize({ kind: 'dict', entries: trailer })}\n`));
  }
  put(encoder.encode(`startxref\n${xrefAt}\n%%EOF\n`));
  // The update must read back as what was meant: never hand out a file we would not open ourselves.
  const out = concatBytes(...parts);
  const check = readPdfLabels(out);
  if (label && !check.some((l) => l.labelId === label.labelId && l.siteId === label.siteId)) throw new TypeError('PDF label update did not read back');
  return out;
}
