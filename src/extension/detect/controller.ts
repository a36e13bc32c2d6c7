/**
 * Sensitive content in open documents: diagnostics on the exact ranges of findings, kept current as people
 * type (debounced, incremental rescans), off for huge documents, and the findings each file holds for the
 * status bar and the access panel. Protected documents are scanned in memory like any other; nothing is
 * written anywhere but the diagnostics, which carry masked excerpts only.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Finding } from '../../core/index.js';
import type { ContentFindings } from '../findings.js';
import type { Services } from '../services.js';
import { envelopeUriOf, isEnvelopeUri, PROTECTED_SCHEME } from '../protected/uris.js';
import type { Assessment } from './assess.js';
import { AutoLabels } from './auto-labels.js';
import { IncrementalScan, type OffsetFinding, type TextSource } from './incremental.js';
import { Scopes, type Scope } from './scope.js';

type Engine = typeof import('./engine.js');
type Scanner = ReturnType<Engine['scannerFor']>;

/** Diagnostics' `source`, and the collection's name. */
export const DIAGNOSTIC_SOURCE = 'Sensitivity';
/** The code of the note on documents too large to scan while editing. */
export const TOO_LARGE_CODE = 'file-too-large';
/** The code of the hint on a published test card number (found, and not counted). */
export const TEST_NUMBER_CODE = 'test-card-number';
/** Name of the User Timing measure recorded for each update (read by the integration tests). */
export const UPDATE_MEASURE = 'sensitivity.detect.update';
/** Quiet time after typing before a rescan. */
const DEBOUNCE_MS = 300;
/** At most this many diagnostics per document (an address list may hold thousands); one more says how many are left. */
const MAX_DIAGNOSTICS = 500;
const SCHEMES = new Set(['file', PROTECTED_SCHEME]);
/** Scans of files that are not open kept at most (the access panel asks about every labeled file). */
const MAX_CACHED_FILES = 5000;

interface Settings {
  readonly enabled: boolean;
  readonly maxFileSize: number;
}

function settings(uri?: vscode.Uri): Settings {
  const c = vscode.workspace.getConfiguration('sensitivity.detection', uri);
  return { enabled: c.get<boolean>('enabled', true), maxFileSize: c.get<number>('maxFileSize', 2 * 1024 * 1024) };
}

/** What the last update of a document found. */
export interface DocumentResult {
  readonly version: number;
  readonly scope: Scope;
  readonly assessment: Assessment;
}

interface DocState {
  readonly doc: vscode.TextDocument;
  scope?: Promise<Scope | undefined> | undefined;
  scan?: IncrementalScan;
  scanner?: Scanner;
  timer?: ReturnType<typeof setTimeout>;
  /** Bumped by every refresh, so a slow one never overwrites a newer one. */
  generation: number;
  result?: DocumentResult | undefined;
  /** The last answer given to the findings registry, to tell it only about changes. */
  announced?: string | undefined;
}

/** A VS Code document read piecewise, so a window rescan never copies the whole text. */
function documentSource(doc: vscode.TextDocument, length: number): TextSource {
  return {
    length,
    slice: (start, end) => (start === 0 && end >= length ? doc.getText() : doc.getText(new vscode.Range(doc.positionAt(start), doc.positionAt(end)))),
    lineStart: (offset) => doc.offsetAt(new vscode.Position(doc.positionAt(offset).line, 0)),
    lineEnd: (offset) => {
      const line = doc.positionAt(offset).line;
      return line + 1 < doc.lineCount ? doc.offsetAt(new vscode.Position(line + 1, 0)) : length;
    },
  };
}

const lengthOf = (doc: vscode.TextDocument) => doc.offsetAt(doc.lineAt(doc.lineCount - 1).range.end);

const sizeText = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.round(n / 1024)} KiB`);

export class DetectionController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('sensitivity');
  private readonly docs = new Map<string, DocState>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private engineLoad: Promise<Engine> | undefined;
  readonly autoLabels: AutoLabels;
  readonly scopes: Scopes;
  /** Scans of files that are not open, by path, valid for one size, modification time and scanner (policy). */
  private readonly onDisk = new Map<string, { stamp: string; scanner: Scanner; findings: Promise<readonly Finding[] | undefined> }>();

  constructor(private readonly services: Services) {
    this.autoLabels = new AutoLabels(services.context.workspaceState);
    this.scopes = new Scopes(services, this.autoLabels);
    const gitignores = vscode.workspace.createFileSystemWatcher('**/.gitignore');
    const ignoresChanged = () => {
      this.scopes.forgetIgnores();
      this.rescope();
    };
    this.subscriptions.push(
      this.collection,
      gitignores,
      gitignores.onDidCreate(ignoresChanged),
      gitignores.onDidChange(ignoresChanged),
      gitignores.onDidDelete(ignoresChanged),
      vscode.workspace.onDidOpenTextDocument((doc) => this.track(doc)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.untrack(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => this.changed(e)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('sensitivity.detection')) this.rescope();
      }),
      // A label or a policy changed (a command, labels.json or policy.json on disk): judge again.
      services.labels.onDidChange((uris) => this.rescope(uris)),
      services.contentFindings.register((uri) => this.findingsOf(uri)),
    );
    for (const doc of vscode.workspace.textDocuments) this.track(doc);
  }

  /** The detection modules, loaded once on first need. */
  engine(): Promise<Engine> {
    return (this.engineLoad ??= import('./engine.js'));
  }

  /** What the last update of `doc` found (undefined before the first, or when it is not scanned). */
  resultOf(doc: vscode.TextDocument): DocumentResult | undefined {
    const r = this.docs.get(doc.uri.toString())?.result;
    return r && r.version === doc.version ? r : undefined;
  }

  private track(doc: vscode.TextDocument): void {
    if (!SCHEMES.has(doc.uri.scheme) || this.docs.has(doc.uri.toString())) return;
    this.docs.set(doc.uri.toString(), { doc, generation: 0 });
    this.schedule(doc, 0);
  }

  private untrack(doc: vscode.TextDocument): void {
    const st = this.docs.get(doc.uri.toString());
    if (!st) return;
    clearTimeout(st.timer);
    st.generation++;
    this.docs.delete(doc.uri.toString());
    this.collection.delete(doc.uri);
    if (st.announced) this.services.contentFindings.refresh([envelopeUriOf(doc.uri)]);
  }

  private changed(e: vscode.TextDocumentChangeEvent): void {
    const st = this.docs.get(e.document.uri.toString());
    if (!st || e.contentChanges.length === 0) return;
    for (const c of e.contentChanges) st.scan?.applyChange({ rangeOffset: c.rangeOffset, rangeLength: c.rangeLength, textLength: c.text.length });
    this.schedule(e.document, DEBOUNCE_MS);
  }

  /** Judges documents again (their label, policy or settings changed); all of them without `uris`. */
  private rescope(uris?: readonly vscode.Uri[]): void {
    const keys = uris ? new Set(uris.map((u) => envelopeUriOf(u).toString())) : undefined;
    for (const st of this.docs.values()) {
      if (keys && !keys.has(envelopeUriOf(st.doc.uri).toString())) continue;
      st.scope = undefined;
      this.schedule(st.doc, 0);
    }
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    const st = this.docs.get(doc.uri.toString());
    if (!st) return;
    clearTimeout(st.timer);
    st.timer = setTimeout(
      () =>
        void this.refresh(st).catch((e: unknown) =>
          this.services.log.warn(`scanning ${basename(doc.uri.path)}: ${e instanceof Error ? e.message : String(e)}`),
        ),
      delay,
    );
  }

  /** Rescans a document (incrementally when it can) and redraws its diagnostics. */
  private async refresh(st: DocState): Promise<void> {
    const generation = ++st.generation;
    const doc = st.doc;
    const config = settings(doc.uri);
    const engine = config.enabled ? await this.engine() : undefined;
    // A broken policy.json is reported on that file (its JSON Schema); until it is fixed, nothing is judged here.
    const scope = engine ? await (st.scope ??= this.scopes.of(doc.uri, engine)).catch(() => undefined) : undefined;
    if (generation !== st.generation || doc.isClosed) return;
    if (!engine || !scope || scope.skip) {
      this.clear(st);
      if (scope?.skip) this.measure(doc, performance.now(), { mode: 'skipped', reason: scope.skip });
      return;
    }
    // From here on nothing awaits: the text read is exactly the one the recorded edits describe.
    const length = lengthOf(doc);
    if (length > config.maxFileSize) {
      this.clear(st);
      const note = new vscode.Diagnostic(
        new vscode.Range(0, 0, 0, 0),
        `Not scanned for sensitive content while editing: ${sizeText(length)} is more than the sensitivity.detection.maxFileSize setting (${sizeText(config.maxFileSize)}). Sensitivity: Scan Workspace for Sensitive Content still checks it.`,
        vscode.DiagnosticSeverity.Information,
      );
      note.source = DIAGNOSTIC_SOURCE;
      note.code = TOO_LARGE_CODE;
      this.collection.set(doc.uri, [note]);
      return;
    }
    const scanner = engine.scannerFor(scope.policy.detection);
    if (!st.scan || st.scanner !== scanner) {
      st.scanner = scanner;
      st.scan = new IncrementalScan((text) => scanner.scan(text), !scope.policy.detection?.customTypes?.length);
    }
    const started = performance.now();
    const update = st.scan.update(documentSource(doc, length));
    const findings = update.findings.map((f) => this.located(doc, f));
    const assessment = engine.assess(findings, scope.policy, scope.current, scope.automatic);
    st.result = { version: doc.version, scope, assessment };
    this.publish(st, engine);
    const ms = this.measure(doc, started, { mode: update.mode, scanned: update.scanned, length, findings: findings.length });
    this.services.log.trace(
      `scanned ${basename(doc.uri.path)} v${doc.version}: ${update.mode} (${update.reason ?? `${update.scanned} of ${length} characters`}), ${findings.length} findings, ${ms.toFixed(2)} ms`,
    );
    this.announce(st, scope, assessment);
  }

  /**
   * Records a document's update as a User Timing measure (only the latest is kept; tests and the benchmark observe
   * them): how it was scanned, or `mode: 'skipped'` and why not. Returns its duration in milliseconds.
   */
  private measure(
    doc: vscode.TextDocument,
    started: number,
    detail: { mode: string; reason?: string; scanned?: number; length?: number; findings?: number },
  ): number {
    const ended = performance.now();
    performance.clearMeasures(UPDATE_MEASURE);
    performance.measure(UPDATE_MEASURE, { start: started, end: ended, detail: { uri: doc.uri.toString(), version: doc.version, ...detail } });
    return ended - started;
  }

  /** A finding with the document positions of its offsets. */
  private located(doc: vscode.TextDocument, f: OffsetFinding) {
    const start = doc.positionAt(f.offset);
    const end = doc.positionAt(f.offset + f.length);
    return { ...f, line: start.line, column: start.character, endLine: end.line, endColumn: end.character };
  }

  private publish(st: DocState, engine: Engine): void {
    const { scope, assessment } = st.result!;
    const shown = assessment.counted.slice(0, MAX_DIAGNOSTICS).map((c) => {
      const d = new vscode.Diagnostic(
        new vscode.Range(c.finding.line, c.finding.column, c.finding.endLine, c.finding.endColumn),
        engine.messageOf(c, scope.current, assessment),
        c.outranks ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information,
      );
      d.source = DIAGNOSTIC_SOURCE;
      d.code = c.finding.typeId;
      return d;
    });
    for (const f of assessment.testNumbers.slice(0, MAX_DIAGNOSTICS)) {
      const hint = new vscode.Diagnostic(
        new vscode.Range(f.line, f.column, f.endLine, f.endColumn),
        `${f.typeName} (${f.excerpt}) — a published test card number, not treated as sensitive`,
        vscode.DiagnosticSeverity.Information,
      );
      hint.source = DIAGNOSTIC_SOURCE;
      hint.code = TEST_NUMBER_CODE;
      shown.push(hint);
    }
    const rest = assessment.counted.length - assessment.counted.slice(0, MAX_DIAGNOSTICS).length;
    if (rest > 0) {
      const last = assessment.counted[MAX_DIAGNOSTICS]!.finding;
      const more = new vscode.Diagnostic(
        new vscode.Range(last.line, last.column, last.endLine, last.endColumn),
        `${rest} more sensitive items from here on are not listed (${engine.summarize(assessment.counted.slice(MAX_DIAGNOSTICS).map((c) => c.finding))})`,
        vscode.DiagnosticSeverity.Information,
      );
      more.source = DIAGNOSTIC_SOURCE;
      shown.push(more);
    }
    this.collection.set(st.doc.uri, shown);
  }

  private clear(st: DocState): void {
    st.result = undefined;
    st.scan?.invalidate();
    this.collection.delete(st.doc.uri);
    this.announce(st, undefined, undefined);
  }

  /** Tells the status bar and the access panel when what a file holds changed. */
  private announce(st: DocState, scope: Scope | undefined, assessment: Assessment | undefined): void {
    const found = assessment && contentFindings(assessment);
    const key = found ? JSON.stringify(found) : undefined;
    if (key === st.announced) return;
    st.announced = key;
    this.services.contentFindings.refresh([scope?.disk ?? envelopeUriOf(st.doc.uri)]);
  }

  /** The findings registry's provider: an open document's last result, else the file on disk. */
  private async findingsOf(uri: vscode.Uri): Promise<ContentFindings | undefined> {
    const disk = envelopeUriOf(uri);
    if (!settings(disk).enabled) return undefined;
    for (const st of this.docs.values()) {
      if (envelopeUriOf(st.doc.uri).toString() === disk.toString()) return st.result && contentFindings(st.result.assessment);
    }
    if (disk.scheme !== 'file' || isEnvelopeUri(disk)) return undefined;
    return this.findingsOnDisk(disk);
  }

  /** Judges a file that is not open (the access panel lists it); its text is scanned once per size and modification time. */
  private async findingsOnDisk(uri: vscode.Uri): Promise<ContentFindings | undefined> {
    const stat = await vscode.workspace.fs.stat(uri).then(
      (s) => s,
      () => undefined,
    );
    if (!stat || stat.type !== vscode.FileType.File || stat.size > settings(uri).maxFileSize) return undefined;
    const engine = await this.engine();
    const scope = await this.scopes.of(uri, engine);
    if (!scope || scope.skip) return undefined;
    const stamp = `${stat.size}:${stat.mtime}`;
    const scanner = engine.scannerFor(scope.policy.detection);
    let cached = this.onDisk.get(uri.fsPath);
    if (cached?.stamp !== stamp || cached.scanner !== scanner) {
      // An Office document or PDF: the text inside it, piece by piece (docs/DOCUMENTS.md); refused ones have none.
      const kind = engine.documentKindOf(uri.fsPath);
      const findings = Promise.resolve(vscode.workspace.fs.readFile(uri))
        .then((bytes) =>
          kind
            ? engine.documentText(bytes, kind, engine.pdfTextReader).then((pieces) => engine.scanPieces(pieces, (t) => scanner.scan(t)))
            : engine.isProbablyBinary(bytes)
              ? undefined
              : scanner.scan(engine.decodeText(bytes)),
        )
        .catch(() => undefined);
      cached = { stamp, scanner, findings };
      if (this.onDisk.size >= MAX_CACHED_FILES) this.onDisk.clear();
      this.onDisk.set(uri.fsPath, cached);
    }
    const found = await cached.findings;
    return found && contentFindings(engine.assess(found, scope.policy, scope.current, scope.automatic));
  }

  dispose(): void {
    for (const st of this.docs.values()) clearTimeout(st.timer);
    this.docs.clear();
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}

/** What the status bar and the access panel are told: only when a rule asks for a label. */
export function contentFindings(a: Assessment): ContentFindings | undefined {
  if (!a.required) return undefined;
  return { count: a.counted.length, minimumLabel: a.required.id, summary: a.summary };
}
