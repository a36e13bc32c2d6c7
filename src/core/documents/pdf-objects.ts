/**
 * The few PDF structures a label needs (ISO 32000-1 §7.3 objects, §7.5 file structure): objects parsed
 * from bytes, the cross-reference (tables and streams, the /Prev chain, object streams), the trailer, and
 * serialization back. Enough to read and add to the document information dictionary and the metadata
 * stream by an incremental update; page content is pdf.js's business (document-text.ts).
 */
import { unzlibSync } from 'fflate';
import { documentError } from './formats.js';

export type PdfValue = null | boolean | number | PdfName | PdfString | PdfRef | PdfValue[] | PdfDict | PdfStream;
export interface PdfName {
  readonly kind: 'name';
  readonly name: string;
}
export interface PdfString {
  readonly kind: 'string';
  readonly bytes: Uint8Array;
}
export interface PdfRef {
  readonly kind: 'ref';
  readonly num: number;
  readonly gen: number;
}
export interface PdfDict {
  readonly kind: 'dict';
  readonly entries: Map<string, PdfValue>;
}
export interface PdfStream {
  readonly kind: 'stream';
  readonly dict: PdfDict;
  readonly data: Uint8Array;
}

const bad = (why: string) => documentError('E_DOCUMENT_INVALID', `not a readable PDF: ${why}`);
const latin1 = new TextDecoder('latin1');
const WS = new Set([0, 9, 10, 12, 13, 32]);
const DELIM = new Set([...'()<>[]{}/%'].map((c) => c.charCodeAt(0)));

export const name = (n: string): PdfName => ({ kind: 'name', name: n });
export const ref = (num: number, gen = 0): PdfRef => ({ kind: 'ref', num, gen });
export const isKind = <K extends string>(v: PdfValue | undefined, kind: K): v is Extract<PdfValue, { kind: K }> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && v.kind === kind;

/** A parser positioned in the file's bytes. */
class Lexer {
  constructor(
    readonly b: Uint8Array,
    public at: number,
    private readonly length: (v: PdfValue) => number | undefined = () => undefined,
  ) {}

  skip(): void {
    const b = this.b;
    for (;;) {
      while (this.at < b.length && WS.has(b[this.at]!)) this.at++;
      if (b[this.at] !== 0x25) return;
      while (this.at < b.length && b[this.at] !== 10 && b[this.at] !== 13) this.at++;
    }
  }

  token(): string {
    this.skip();
    const start = this.at;
    while (this.at < this.b.length && !WS.has(this.b[this.at]!) && !DELIM.has(this.b[this.at]!)) this.at++;
    return latin1.decode(this.b.subarray(start, this.at));
  }

  /** The value at the cursor (`N G R` references resolved lexically, not followed). */
  value(depth = 0): PdfValue {
    if (depth > 64) throw bad('objects nested too deep');
    this.skip();
    const c = this.b[this.at];
    if (c === undefined) throw bad('unexpected end of file');
    if (c === 0x2f) return this.nameToken();
    if (c === 0x28) return this.literal();
    if (c === 0x3c && this.b[this.at + 1] === 0x3c) return this.dict(depth);
    if (c === 0x3c) return this.hex();
    if (c === 0x5b) {
      this.at++;
      const items: PdfValue[] = [];
      for (;;) {
        this.skip();
        if (this.b[this.at] === 0x5d) {
          this.at++;
          return items;
        }
        items.push(this.value(depth + 1));
      }
    }
    const t = this.token();
    if (t === 'true' || t === 'false') return t === 'true';
    if (t === 'null') return null;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(t)) throw bad(`unexpected token "${t.slice(0, 20)}" at ${this.at}`);
    const n = Number(t);
    if (/^\d+$/.test(t)) {
      const save = this.at;
      const g = this.token();
      if (/^\d+$/.test(g) && this.token() === 'R') return ref(n, Number(g));
      this.at = save;
    }
    return n;
  }

  private nameToken(): PdfName {
    this.at++;
    const raw = this.token();
    return name(raw.replace(/#([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
  }

  private literal(): PdfString {
    const out: number[] = [];
    let depth = 0;
    this.at++;
    const ESC: Record<number, number> = { 110: 10, 114: 13, 116: 9, 98: 8, 102: 12 };
    for (;;) {
      const c = this.b[this.at++];
      if (c === undefined) throw bad('unterminated string');
      if (c === 0x5c) {
        const e = this.b[this.at++]!;
        if (ESC[e] !== undefined) out.push(ESC[e]);
        else if (e >= 0x30 && e <= 0x37) {
          let v = e - 0x30;
          for (let k = 0; k < 2 && this.b[this.at]! >= 0x30 && this.b[this.at]! <= 0x37; k++) v = v * 8 + this.b[this.at++]! - 0x30;
          out.push(v & 0xff);
        } else if (e === 13) {
          if (this.b[this.at] === 10) this.at++;
        } else if (e !== 10) out.push(e);
      } else if (c === 0x28) {
        depth++;
        out.push(c);
      } else if (c === 0x29) {
        if (depth-- === 0) return { kind: 'string', bytes: Uint8Array.from(out) };
        out.push(c);
      } else out.push(c);
    }
  }

  private hex(): PdfString {
    const end = this.b.indexOf(0x3e, this.at);
    if (end < 0) throw bad('unterminated hex string');
    const digits = latin1.decode(this.b.subarray(this.at + 1, end)).replace(/\s+/g, '');
    if (!/^[0-9A-Fa-f]*$/.test(digits)) throw bad('bad hex string');
    this.at = end + 1;
    const even = digits.length % 2 ? `${digits}0` : digits;
    return { kind: 'string', bytes: Uint8Array.from(even.match(/../g) ?? [], (h) => parseInt(h, 16)) };
  }

  private dict(depth: number): PdfDict | PdfStream {
    this.at += 2;
    const entries = new Map<string, PdfValue>();
    for (;;) {
      this.skip();
      if (this.b[this.at] === 0x3e && this.b[this.at + 1] === 0x3e) {
        this.at += 2;
        break;
      }
      const k = this.value(depth + 1);
      if (!isKind(k, 'name')) throw bad('a dictionary key is not a name');
      entries.set(k.name, this.value(depth + 1));
    }
    const d: PdfDict = { kind: 'dict', entries };
    const save = this.at;
    if (this.token() !== 'stream') {
      this.at = save;
      return d;
    }
    if (this.b[this.at] === 13) this.at++;
    if (this.b[this.at] === 10) this.at++;
    const len = this.length(entries.get('Length') ?? null);
    if (len === undefined || len < 0 || this.at + len > this.b.length) throw bad('stream without a usable /Length');
    const data = this.b.subarray(this.at, this.at + len);
    this.at += len;
    if (this.token() !== 'endstream') throw bad('stream does not end where its /Length says');
    return { kind: 'stream', dict: d, data };
  }
}

type XrefEntry = { readonly type: 1; readonly offset: number; readonly gen: number } | { readonly type: 2; readonly stream: number; readonly index: number };

/** A PDF's cross-reference and trailer, resolved. */
export interface PdfFile {
  readonly bytes: Uint8Array;
  readonly trailer: PdfDict;
  /** Offset of the last cross-reference section (an update's /Prev). */
  readonly startxref: number;
  /** True when the last section is a cross-reference stream (an update then writes one too). */
  readonly xrefStream: boolean;
  readonly size: number;
  /** The object `num`, or undefined when free or absent. */
  object(num: number): PdfValue | undefined;
  /** Follows a reference (other values are returned as they are). */
  resolve(v: PdfValue | undefined): PdfValue | undefined;
}

/** Opens a PDF: header, startxref, the cross-reference chain; E_DOCUMENT_ENCRYPTED for an encrypted one. */
export function openPdf(bytes: Uint8Array): PdfFile {
  if (latin1.decode(bytes.subarray(0, 1024)).indexOf('%PDF-') < 0) throw bad('no %PDF header');
  const tail = latin1.decode(bytes.subarray(Math.max(0, bytes.length - 2048)));
  const m = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail) ?? /startxref\s+(\d+)\s+%%EOF/.exec(tail);
  if (!m) throw bad('no startxref at the end (truncated?)');
  const startxref = Number(m[1]);
  const xref = new Map<number, XrefEntry>();
  const cache = new Map<number, PdfValue>();
  let trailer: PdfDict | undefined;
  let xrefStream = false;
  const seen = new Set<number>();

  const resolve = (v: PdfValue | undefined): PdfValue | undefined => (isKind(v, 'ref') ? object(v.num) : v);
  const lengthOf = (v: PdfValue) => {
    const r = resolve(v);
    return typeof r === 'number' && Number.isInteger(r) ? r : undefined;
  };
  const lexer = (at: number) => new Lexer(bytes, at, lengthOf);
  const indirectAt = (at: number, num?: number): PdfValue => {
    const lx = lexer(at);
    const n = lx.token();
    lx.token();
    if (lx.token() !== 'obj' || (num !== undefined && Number(n) !== num)) throw bad(`object ${num ?? '?'} is not at its offset`);
    return lx.value();
  };
  const loading = new Set<number>();
  function object(num: number): PdfValue | undefined {
    if (cache.has(num)) return cache.get(num);
    const e = xref.get(num);
    if (!e || loading.has(num)) return undefined;
    loading.add(num);
    try {
      let v: PdfValue;
      if (e.type === 1) {
        if (e.offset >= bytes.length) throw bad(`object ${num} is past the end`);
        v = indirectAt(e.offset, num);
      } else {
        const os = object(e.stream);
        if (!isKind(os, 'stream')) throw bad(`object stream ${e.stream} is missing`);
        const data = decodeStream(os);
        const first = os.dict.entries.get('First');
        const n = os.dict.entries.get('N');
        if (typeof first !== 'number' || typeof n !== 'number') throw bad('object stream without /First and /N');
        const head = new Lexer(data, 0);
        let offset: number | undefined;
        for (let k = 0; k < n; k++) {
          const objNum = Number(head.token());
          const off = Number(head.token());
          if (objNum === num) offset = off;
        }
        if (offset === undefined) throw bad(`object ${num} is not in its object stream`);
        v = new Lexer(data, first + offset).value();
      }
      cache.set(num, v);
      return v;
    } finally {
      loading.delete(num);
    }
  }

  const readSection = (at: number, first: boolean) => {
    if (seen.has(at) || seen.size > 256) throw bad('cross-reference sections loop');
    seen.add(at);
    const lx = lexer(at);
    let dict: PdfDict;
    if (lx.token() === 'xref') {
      for (;;) {
        const save = lx.at;
        const t = lx.token();
        if (t === 'trailer') break;
        const count = Number(lx.token());
        const start = Number(t);
        if (!/^\d+$/.test(t) || !Number.isInteger(count) || count < 0 || count > 10_000_000) {
          lx.at = save;
          throw bad('cross-reference table is malformed');
        }
        for (let k = 0; k < count; k++) {
          const off = Number(lx.token());
          const gen = Number(lx.token());
          const kind = lx.token();
          if (kind !== 'n' && kind !== 'f') throw bad('cross-reference entry is malformed');
          if (kind === 'n' && !xref.has(start + k)) xref.set(start + k, { type: 1, offset: off, gen });
          if (kind === 'f' && !xref.has(start + k)) xref.set(start + k, { type: 1, offset: -1, gen });
        }
      }
      const t = lx.value();
      if (!isKind(t, 'dict')) throw bad('trailer is not a dictionary');
      dict = t;
      const stm = dict.entries.get('XRefStm');
      if (typeof stm === 'number') readStream(stm);
    } else {
      dict = readStream(at);
      if (first) xrefStream = true;
    }
    if (first) trailer = dict;
    const prev = dict.entries.get('Prev');
    if (typeof prev === 'number') readSection(prev, false);
  };
  const readStream = (at: number): PdfDict => {
    const s = indirectAt(at);
    if (!isKind(s, 'stream') || (s.dict.entries.get('Type') as PdfName | undefined)?.name !== 'XRef') throw bad('startxref points at no cross-reference');
    const w = s.dict.entries.get('W');
    const size = s.dict.entries.get('Size');
    if (!Array.isArray(w) || w.length !== 3 || !w.every((x) => typeof x === 'number' && x >= 0 && x <= 8) || typeof size !== 'number')
      throw bad('cross-reference stream /W or /Size');
    const [w0, w1, w2] = w as number[];
    const index = (s.dict.entries.get('Index') as number[] | undefined) ?? [0, size];
    const data = decodeStream(s);
    const rowLength = w0! + w1! + w2!;
    let row = 0;
    const field = (off: number, len: number, dflt: number) => {
      if (len === 0) return dflt;
      let v = 0;
      for (let k = 0; k < len; k++) v = v * 256 + data[off + k]!;
      return v;
    };
    for (let i = 0; i + 1 < index.length; i += 2) {
      for (let k = 0; k < index[i + 1]!; k++, row++) {
        const off = row * rowLength;
        if (off + rowLength > data.length) throw bad('cross-reference stream is short');
        const num = index[i]! + k;
        const type = field(off, w0!, 1);
        const a = field(off + w0!, w1!, 0);
        const b = field(off + w0! + w1!, w2!, 0);
        if (xref.has(num)) continue;
        if (type === 1) xref.set(num, { type: 1, offset: a, gen: b });
        else if (type === 2) xref.set(num, { type: 2, stream: a, index: b });
        else xref.set(num, { type: 1, offset: -1, gen: 0 });
      }
    }
    return s.dict;
  };

  readSection(startxref, true);
  for (const [k, e] of xref) if (e.type === 1 && e.offset < 0) xref.delete(k);
  if (!trailer) throw bad('no trailer');
  if (trailer.entries.has('Encrypt')) throw documentError('E_DOCUMENT_ENCRYPTED', 'the PDF is encrypted');
  const size = trailer.entries.get('Size');
  if (typeof size !== 'number') throw bad('trailer without /Size');
  return { bytes, trailer, startxref, xrefStream, size, object, resolve };
}

/** A stream's data decoded (FlateDecode with PNG predictors, or none); E_DOCUMENT_INVALID for other filters. */
export function decodeStream(s: PdfStream, maxBytes = 64 << 20): Uint8Array {
  const filter = s.dict.entries.get('Filter');
  const filters = Array.isArray(filter) ? filter : filter === undefined ? [] : [filter];
  let data = s.data;
  for (const f of filters) {
    if (!isKind(f, 'name') || f.name !== 'FlateDecode') throw bad(`unsupported stream filter ${isKind(f, 'name') ? f.name : ''}`);
    try {
      data = unzlibSync(data);
    } catch {
      throw bad('a stream does not inflate');
    }
    if (data.length > maxBytes) throw documentError('E_DOCUMENT_LIMIT', 'a PDF stream expands past its limit');
  }
  const parms = s.dict.entries.get('DecodeParms');
  const p = isKind(parms, 'dict') ? parms.entries : undefined;
  const predictor = p?.get('Predictor');
  if (typeof predictor === 'number' && predictor >= 10) {
    const columns = (p!.get('Columns') as number | undefined) ?? 1;
    const out = new Uint8Array(Math.floor(data.length / (columns + 1)) * columns);
    for (let r = 0; (r + 1) * (columns + 1) <= data.length; r++) {
      const type = data[r * (columns + 1)]!;
      for (let c = 0; c < columns; c++) {
        const x = data[r * (columns + 1) + 1 + c]!;
        const up = r > 0 ? out[(r - 1) * columns + c]! : 0;
        const left = c > 0 ? out[r * columns + c - 1]! : 0;
        const v =
          type === 0
            ? x
            : type === 1
              ? x + left
              : type === 2
                ? x + up
                : type === 3
                  ? x + ((left + up) >> 1)
                  : x + paeth(left, up, c > 0 && r > 0 ? out[(r - 1) * columns + c - 1]! : 0);
        out[r * columns + c] = v & 0xff;
      }
    }
    return out;
  }
  return data;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** A PDF text string as JavaScript text (UTF-16BE with BOM, UTF-8 with BOM, else PDFDocEncoding's Latin-1 subset). */
export function textOf(s: PdfString): string {
  const b = s.bytes;
  if (b[0] === 0xfe && b[1] === 0xff) {
    let out = '';
    for (let i = 2; i + 1 < b.length; i += 2) out += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
    return out;
  }
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return new TextDecoder().decode(b.subarray(3));
  return latin1.decode(b);
}

/** A text string for a PDF: literal when printable ASCII, else UTF-16BE with BOM (hex). */
export function pdfText(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return `(${text.replace(/[\\()]/g, '\\$&')})`;
  let hex = 'FEFF';
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).padStart(4, '0').toUpperCase();
  return `<${hex}>`;
}

/** Serializes a value (streams are written by their owner). */
export function serialize(v: PdfValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `[${v.map(serialize).join(' ')}]`;
  switch (v.kind) {
    case 'name':
      return `/${v.name.replace(/[^!-~]|[#()<>[\]{}/%]/g, (c) => `#${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`;
    case 'string':
      return `<${Array.from(v.bytes, (x) => x.toString(16).padStart(2, '0')).join('')}>`;
    case 'ref':
      return `${v.num} ${v.gen} R`;
    case 'dict':
      return `<<${[...v.entries].map(([k, x]) => `${serialize(name(k))} ${serialize(x)}`).join(' ')}>>`;
    case 'stream':
      throw new TypeError('streams are serialized by their writer');
  }
}
