/**
 * Scanning a document as it is edited: findings are kept by offset and shifted through each edit; the next
 * update rescans only the edited region, widened by the detectors' reach and snapped to whole lines, and
 * falls back to a full scan whenever a window could give another answer than the whole text would (small
 * documents, policy-defined types, email lists, a finding cut by the window). Pure: no `vscode` here, so a
 * property test compares it with full scans over random edits.
 */
import type { Finding } from '../../core/detect/types.js';

/** A finding located by offset only (lines move as people type; hosts map offsets to positions). */
export type OffsetFinding = Omit<Finding, 'line' | 'column' | 'endLine' | 'endColumn'>;

/** One edit: `rangeLength` characters at `rangeOffset` replaced by `textLength` characters. */
export interface TextChange {
  readonly rangeOffset: number;
  readonly rangeLength: number;
  readonly textLength: number;
}

/** The current text, read piecewise (a VS Code document, or a string in tests). */
export interface TextSource {
  readonly length: number;
  slice(start: number, end: number): string;
  /** Offset of the first character of the line holding `offset`. */
  lineStart(offset: number): number;
  /** Offset just past the line break ending the line holding `offset` (the length on the last line). */
  lineEnd(offset: number): number;
}

export interface ScanUpdate {
  readonly findings: readonly OffsetFinding[];
  /** `unchanged`: no edit since the last update. */
  readonly mode: 'full' | 'incremental' | 'unchanged';
  /** Characters scanned by this update. */
  readonly scanned: number;
  /** Why a full scan was needed (for logs). */
  readonly reason?: string;
}

/** Below this many characters a full scan costs well under a millisecond: no window bookkeeping. */
export const FULL_SCAN_BELOW = 64 * 1024;
/**
 * Margin around an edit whose findings are recomputed: covers what a finding's outcome depends on besides
 * its own text (keywords within 80 characters, an AWS secret within 400 of its key id, a URL's host, the
 * 4096 characters read after an unterminated private key's BEGIN line).
 */
const MARGIN = 4096 + 256;
/** Context scanned beyond the margin, so findings inside it see their neighbours as a full scan would. */
const REACH = 1024;
/** Private keys span up to 64 KiB between their markers (builtins' MAX_KEY): a window near a marker reaches that far. */
const KEY_REACH = 64 * 1024 + REACH;
/** Text that may belong to a multi-line private key (PEM armour, PuTTY files). */
const KEY_MARKERS = ['-----', 'PuTTY-User-Key-File-', 'Private-Lines: ', 'Private-MAC: '];
/**
 * Email lists are counted over the whole text: an edit that may make or unmake an address (an `@` within an
 * address's length of it) or that touches a listed address needs a full scan.
 */
const WHOLE_TEXT_TYPE = 'email-list';
const WHOLE_TEXT_MARKER = '@';
/** Longest reach from an address's `@`: 64 characters before it, a 255-character domain after it. */
const ADDRESS_REACH = 320;
/** A window larger than this share of the text is not worth it. */
const MAX_WINDOW_SHARE = 0.5;

/** More separate edited regions than this between two updates (a multi-cursor edit) are merged into one. */
const MAX_DIRTY_SPANS = 16;

interface Span {
  start: number;
  end: number;
}

const endOf = (f: OffsetFinding) => f.offset + f.length;
const intersects = (f: OffsetFinding, s: Span) => f.offset < s.end && endOf(f) > s.start;
const inAny = (f: OffsetFinding, spans: readonly Span[]) => spans.some((s) => intersects(f, s));

/** Sorted spans with overlapping (or closer than `gap`) ones merged. */
function mergeSpans(spans: readonly Span[], gap: number): Span[] {
  const out: Span[] = [];
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    const last = out.at(-1);
    if (last && s.start <= last.end + gap) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

/** Findings of one document, kept current through edits. */
export class IncrementalScan {
  private findings: OffsetFinding[] = [];
  /** Regions (current coordinates) whose findings are unknown since the last update. */
  private dirty: Span[] = [];
  private scannedOnce = false;
  /** An edit touched a finding counted over the whole text. */
  private wholeTextTouched = false;

  /**
   * @param scan the scanner (findings of a whole text, by offset)
   * @param incremental false when windows cannot be trusted (the policy defines its own types, whose reach is unknown)
   */
  constructor(
    private readonly scan: (text: string) => readonly Finding[],
    private readonly incremental = true,
  ) {}

  /** The findings as of the last update. */
  get current(): readonly OffsetFinding[] {
    return this.findings;
  }

  /** True when an edit happened since the last update (or nothing was scanned yet). */
  get stale(): boolean {
    return !this.scannedOnce || this.dirty.length > 0;
  }

  /** Forgets everything: the next update scans the whole text. */
  invalidate(): void {
    this.scannedOnce = false;
    this.dirty = [];
    this.wholeTextTouched = false;
    this.findings = [];
  }

  /**
   * Records an edit (changes of one event in the order given, each against the text the previous one left).
   * Findings before and after it shift; findings it touches, even at their edges, are dropped and their span
   * becomes dirty (typing next to a token may extend it).
   */
  applyChange({ rangeOffset: start, rangeLength, textLength }: TextChange): void {
    if (!this.scannedOnce) return;
    const oldEnd = start + rangeLength;
    const delta = textLength - rangeLength;
    const mapStart = (p: number) => (p <= start ? p : p >= oldEnd ? p + delta : start);
    const mapEnd = (p: number) => (p <= start ? p : p >= oldEnd ? p + delta : start + textLength);
    const touched: Span = { start, end: start + textLength };
    const kept: OffsetFinding[] = [];
    for (const f of this.findings) {
      if (endOf(f) < start) kept.push(f);
      else if (f.offset > oldEnd) kept.push({ ...f, offset: f.offset + delta });
      else {
        if (f.typeId === WHOLE_TEXT_TYPE) this.wholeTextTouched = true;
        touched.start = Math.min(touched.start, mapStart(f.offset));
        touched.end = Math.max(touched.end, mapEnd(endOf(f)));
      }
    }
    this.findings = kept;
    const dirty = mergeSpans([...this.dirty.map((d) => ({ start: mapStart(d.start), end: mapEnd(d.end) })), touched], 0);
    this.dirty = dirty.length > MAX_DIRTY_SPANS ? [{ start: dirty[0]!.start, end: dirty.at(-1)!.end }] : dirty;
  }

  /** Brings the findings up to date with `source` (which must hold every change recorded so far). */
  update(source: TextSource): ScanUpdate {
    if (this.scannedOnce && this.dirty.length === 0) return { findings: this.findings, mode: 'unchanged', scanned: 0 };
    if (!this.scannedOnce) return this.full(source, 'first scan');
    if (!this.incremental) return this.full(source, 'policy-defined types');
    if (source.length < FULL_SCAN_BELOW) return this.full(source, 'small text');
    if (this.wholeTextTouched) return this.full(source, 'email list edited');
    for (const d of this.dirty) {
      const near = source.slice(Math.max(0, d.start - ADDRESS_REACH), Math.min(source.length, d.end + ADDRESS_REACH));
      if (near.includes(WHOLE_TEXT_MARKER)) return this.full(source, 'address edited');
    }
    const inners = this.innerSpans(source.length);
    const fresh: OffsetFinding[] = [];
    let scanned = 0;
    for (const inner of inners) {
      const innerText = source.slice(inner.start, inner.end);
      const reach = KEY_MARKERS.some((m) => innerText.includes(m)) ? KEY_REACH : REACH;
      const window = {
        start: source.lineStart(Math.max(0, inner.start - reach)),
        end: source.lineEnd(Math.min(source.length, inner.end + reach)),
      };
      scanned += window.end - window.start;
      if (scanned > source.length * MAX_WINDOW_SHARE) return this.full(source, 'window too large');
      for (const f of this.scan(source.slice(window.start, window.end))) {
        const g = {
          typeId: f.typeId,
          typeName: f.typeName,
          confidence: f.confidence,
          offset: f.offset + window.start,
          length: f.length,
          excerpt: f.excerpt,
          why: f.why,
          sample: f.sample,
        };
        // The window cannot count addresses over the whole text: the old ones stand (no address changed).
        if (!intersects(g, inner) || g.typeId === WHOLE_TEXT_TYPE) continue;
        // A finding running into the window's edge may be cut short there: only the whole text can tell.
        if ((g.offset === window.start && window.start > 0) || (endOf(g) === window.end && window.end < source.length))
          return this.full(source, 'finding at the window edge');
        fresh.push(g);
      }
    }
    const merged = [...this.findings.filter((f) => f.typeId === WHOLE_TEXT_TYPE || !inAny(f, inners)), ...fresh].sort((a, b) => a.offset - b.offset);
    // A new finding overlapping a kept one: a full scan would settle which wins.
    for (let i = 1; i < merged.length; i++) if (merged[i]!.offset < endOf(merged[i - 1]!)) return this.full(source, 'overlapping findings');
    this.findings = merged;
    this.dirty = [];
    return { findings: merged, mode: 'incremental', scanned };
  }

  /** The dirty regions with their margin, widened until no old finding straddles an edge, and disjoint. */
  private innerSpans(length: number): Span[] {
    let inners = mergeSpans(
      this.dirty.map((d) => ({ start: Math.max(0, d.start - MARGIN), end: Math.min(length, d.end + MARGIN) })),
      0,
    );
    for (let grown = true; grown;) {
      grown = false;
      for (const inner of inners) {
        for (const f of this.findings) {
          if (f.typeId === WHOLE_TEXT_TYPE || !intersects(f, inner) || (f.offset >= inner.start && endOf(f) <= inner.end)) continue;
          inner.start = Math.min(inner.start, f.offset);
          inner.end = Math.max(inner.end, endOf(f));
          grown = true;
        }
      }
      if (grown) inners = mergeSpans(inners, 0);
    }
    return inners;
  }

  private full(source: TextSource, reason: string): ScanUpdate {
    this.findings = this.scan(source.slice(0, source.length)).map((f) => ({
      typeId: f.typeId,
      typeName: f.typeName,
      confidence: f.confidence,
      offset: f.offset,
      length: f.length,
      excerpt: f.excerpt,
      why: f.why,
      sample: f.sample,
    }));
    this.dirty = [];
    this.scannedOnce = true;
    this.wholeTextTouched = false;
    return { findings: this.findings, mode: 'full', scanned: source.length, reason };
  }
}

/** A string as a TextSource (tests, files read from disk). */
export function stringSource(text: string): TextSource {
  return {
    length: text.length,
    slice: (start, end) => text.slice(start, end),
    lineStart: (offset) => (offset <= 0 ? 0 : text.lastIndexOf('\n', offset - 1) + 1),
    lineEnd: (offset) => {
      const nl = text.indexOf('\n', offset);
      return nl === -1 ? text.length : nl + 1;
    },
  };
}
