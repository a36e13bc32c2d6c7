/**
 * Content markings in text files: a header line and a footer line, each a one-line comment in the file's
 * language carrying a fixed tag (`[sensitivity:header]`, `[sensitivity:footer]`) so they are found again and
 * removed or replaced on relabelling. A header goes below the lines that must stay first (a byte order mark, a
 * shebang, an XML declaration, a Python coding line, Dockerfile parser directives, `"use strict"`-style
 * directives, Markdown front matter); a footer goes last. Only a tagged line at exactly those places is ever
 * taken for a marking; inserting markings and then removing them gives back the original bytes.
 */
import { sameBytes } from '../bytes.js';
import { commentStyleOf, leadingKindOf, type CommentStyle, type LeadingKind } from './comments.js';

export const HEADER_TAG = '[sensitivity:header]';
export const FOOTER_TAG = '[sensitivity:footer]';

/** The rendered text of a label's markings (policy/markings.ts renders them); absent parts are removed. */
export interface MarkingText {
  readonly header?: string;
  readonly footer?: string;
}

/**
 * Why a file was left as it is: its kind has no comments (JSON, CSV, unknown), it is not UTF-8 text, or its
 * first line opens a declaration that does not close on it (nowhere safe to put a header).
 */
export type MarkSkip = 'no-comments' | 'not-text' | 'declaration';

/** The file's new bytes (`changed` false when they are the same; `found`: it had markings), or why it cannot be marked. */
export type MarkResult = { readonly bytes: Uint8Array; readonly changed: boolean; readonly found: boolean } | { readonly skipped: MarkSkip };

interface Line {
  text: string;
  /** '\n', '\r\n', or '' for a last line without one. */
  eol: string;
}

const DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const ENCODER = new TextEncoder();

function decode(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return DECODER.decode(bytes);
  } catch {
    return undefined;
  }
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const re = /\r?\n/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    lines.push({ text: text.slice(at, m.index), eol: m[0] });
    at = m.index + m[0].length;
  }
  if (at < text.length) lines.push({ text: text.slice(at), eol: '' });
  return lines;
}

const DIRECTIVE = /^\s*(['"])use [a-z][\w -]*\1;?\s*$/;
const PY_CODING = /^[ \t\f]*#.*?coding[:=]/;
const DOCKER_DIRECTIVE = /^#\s*[a-z]+\s*=/i;

/** How many leading lines must stay first, or undefined when the first line opens a declaration it does not close. */
function leadingLines(lines: readonly Line[], kind: LeadingKind): number | undefined {
  let k = 0;
  const at = (i: number) => lines[i]?.text;
  if (at(0)?.startsWith('#!')) k = 1;
  switch (kind) {
    case 'python':
      // A header whose text happens to say "coding:" is still the header.
      while (k < 2 && PY_CODING.test(at(k) ?? '') && !at(k)!.includes(HEADER_TAG)) k++;
      return k;
    case 'docker':
      while (DOCKER_DIRECTIVE.test(at(k) ?? '')) k++;
      return k;
    case 'script':
      while (DIRECTIVE.test(at(k) ?? '')) k++;
      return k;
    case 'xml':
      if (at(k)?.startsWith('<?xml')) {
        if (!at(k)!.includes('?>')) return undefined;
        k++;
      }
      if (at(k)?.trimStart().toLowerCase().startsWith('<!doctype')) {
        if (!at(k)!.includes('>')) return undefined;
        k++;
      }
      return k;
    case 'markdown': {
      if (k > 0 || at(0) !== '---') return k;
      const end = lines.findIndex((l, i) => i > 0 && (l.text === '---' || l.text === '...'));
      return end < 0 ? 0 : end + 1;
    }
  }
}

/** The line a marking is written as: `// [sensitivity:header] text`, `<!-- [sensitivity:footer] text -->`. */
function markingLine(style: CommentStyle, tag: string, text: string): string {
  const safe = style.neutralise ? style.neutralise(text) : text;
  return [style.open, tag, safe, style.close].filter((p) => p !== '').join(' ');
}

/** True when `text` is exactly a marking line with `tag` in this style (whatever its text). */
function isMarkingLine(style: CommentStyle, tag: string, text: string): boolean {
  const head = style.open === '' ? tag : `${style.open} ${tag}`;
  const tail = style.close === '' ? '' : ` ${style.close}`;
  if (!text.startsWith(head) || !text.endsWith(tail) || text.length < head.length + tail.length) return false;
  return text.length === head.length + tail.length || text[head.length] === ' ';
}

/** Removes lines[i]; a last line without end of line takes that away from the line before it too. */
function removeLine(lines: Line[], i: number): void {
  const [gone] = lines.splice(i, 1);
  if (gone!.eol === '' && i > 0 && i === lines.length) lines[i - 1]!.eol = '';
}

/** Inserts a line at i; at the end of a file whose last line has no end of line, the new line takes its place as last. */
function insertLine(lines: Line[], i: number, text: string, eol: string): void {
  const before = lines[i - 1];
  if (i === lines.length && before?.eol === '') {
    before.eol = eol;
    lines.push({ text, eol: '' });
  } else {
    lines.splice(i, 0, { text, eol });
  }
}

/**
 * Gives the text file at `path` exactly the markings in `marks`: existing ones (found only at their places) are
 * removed, then the header and footer given are written. Same input, same output: applying twice changes
 * nothing. A byte order mark stays first and new lines end like the file's first line (CRLF stays CRLF).
 */
export function applyMarkings(bytes: Uint8Array, path: string, marks: MarkingText): MarkResult {
  const style = commentStyleOf(path);
  if (!style) return { skipped: 'no-comments' };
  const text = decode(bytes);
  if (text === undefined) return { skipped: 'not-text' };
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const lines = splitLines(text.slice(bom.length));
  const k = leadingLines(lines, leadingKindOf(path));
  if (k === undefined) return { skipped: 'declaration' };
  const eol = lines.find((l) => l.eol !== '')?.eol ?? '\n';

  const header = k < lines.length && isMarkingLine(style, HEADER_TAG, lines[k]!.text);
  if (header) removeLine(lines, k);
  let last = lines.length - 1;
  while (last >= k && lines[last]!.text.trim() === '') last--;
  const footer = last >= k && isMarkingLine(style, FOOTER_TAG, lines[last]!.text);
  if (footer) removeLine(lines, last);

  if (marks.header !== undefined) insertLine(lines, k, markingLine(style, HEADER_TAG, marks.header), eol);
  if (marks.footer !== undefined) insertLine(lines, lines.length, markingLine(style, FOOTER_TAG, marks.footer), eol);

  const out = ENCODER.encode(bom + lines.map((l) => l.text + l.eol).join(''));
  const changed = !sameBytes(out, bytes);
  return { bytes: changed ? out : bytes, changed, found: header || footer };
}
