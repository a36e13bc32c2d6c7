/**
 * Scanning files on disk for sensitive information (issue 5): walks folders honouring `.gitignore` and the
 * policy's `detection.exclude`, skips binary files and real envelopes, and evaluates each file's findings
 * against its label. Shared by `sensitivity scan`/`check` and the extension.
 */
import { promises as fs } from 'node:fs';
import { join, posix } from 'node:path';
import {
  createIgnoreMatcher,
  evaluate,
  getLabel,
  isMandatory,
  rankOrUnknown,
  readEnvelopeHeader,
  scannerFor,
  type FileScan,
  type IgnoreFile,
  type LabelsManifest,
  type Policy,
} from '../core/index.js';
import { labelInsideBytes } from '../core/app/document-label.js';
import { documentKindOf, type DocumentKind } from '../core/documents/formats.js';
import { documentText, scanPieces } from '../core/documents/text.js';
import { isSensitivityError, SensitivityError } from '../core/errors.js';
import { ALWAYS_SKIPPED_DIRS, PROTECTED_EXT } from '../core/paths.js';
import { withReadHandle } from './node-io.js';
import { pdfTextReader } from './pdf-text-loader.js';
import { CUSTOM_PATTERN_TIMEOUT_MS, scanFiles, type ScanJob } from './scan-pool.js';
import type { Workspace } from './workspace.js';

/** Larger files are skipped with a note: secrets live in source and config, not in 100 MB dumps. */
export const MAX_SCAN_BYTES = 32 * 1024 * 1024;

export interface ScanReport {
  readonly files: FileScan[];
  /** Text files scanned. */
  scanned: number;
  /** Files not scanned and why; `code` for documents refused (E_DOCUMENT_INVALID, E_DOCUMENT_ENCRYPTED, E_DOCUMENT_LIMIT). */
  readonly skipped: { readonly path: string; readonly reason: string; readonly code?: string }[];
  /** Files the policy's `mandatory` globs name that carry no label. */
  readonly unlabeledMandatory: string[];
}

/**
 * True when the file is a protected envelope: its header parses and its signed policy verifies (only the
 * header is read). A file that merely carries the `.protected` name is scanned like any other.
 */
async function isEnvelope(abs: string): Promise<boolean> {
  return withReadHandle(abs, (h) => readEnvelopeHeader(h)).then(
    () => true,
    () => false,
  );
}

/** Rank function for `evaluate`: unknown labels rank -Infinity (never "enough"). */
export function ranker(policy: Policy): (id: string) => number {
  return (id) => rankOrUnknown(policy, id);
}

/** Evaluates one text against the policy: findings and the label decision for its current label. */
export function scanContent(policy: Policy, manifest: LabelsManifest, rel: string, text: string): FileScan {
  return fileScanOf(policy, rel, scannerFor(policy.detection).scan(text), getLabel(manifest, rel)?.label);
}

/** The label decision for a file's findings under its current label. */
function fileScanOf(policy: Policy, rel: string, findings: FileScan['findings'], labelId: string | undefined): FileScan {
  const evaluation = evaluate(findings, labelId, { rank: ranker(policy), rules: policy.detection?.rules ?? [] });
  return { path: rel, findings, evaluation, ...(labelId ? { labelId } : {}) };
}

/** Longest a document's text may take to read (pdf.js on a hostile PDF): past it, skipped with E_DOCUMENT_LIMIT. */
export const DOCUMENT_TIME_LIMIT_MS = 20_000;

/**
 * Scans one Office document or PDF: its text piece by piece (findings located by part and position), its
 * label read from inside it (else the manifest's). A document that cannot be read within its bounds is
 * skipped with its code, never scanned as bytes.
 */
async function scanDocument(
  policy: Policy,
  manifest: LabelsManifest,
  abs: string,
  rel: string,
  kind: DocumentKind,
): Promise<FileScan | { reason: string; code: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const { size } = await fs.stat(abs);
    if (size > MAX_SCAN_BYTES) return { reason: `larger than ${MAX_SCAN_BYTES / 1024 / 1024} MiB`, code: 'E_DOCUMENT_LIMIT' };
    const bytes = await fs.readFile(abs);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SensitivityError('E_DOCUMENT_LIMIT', `its text took longer than ${DOCUMENT_TIME_LIMIT_MS / 1000} s to read`)),
        DOCUMENT_TIME_LIMIT_MS,
      );
    });
    const pieces = await Promise.race([documentText(bytes, kind, pdfTextReader), timeout]);
    const scanner = scannerFor(policy.detection);
    const findings = scanPieces(pieces, (t) => scanner.scan(t));
    let labelId: string | undefined;
    try {
      const inside = await labelInsideBytes(policy, rel, bytes);
      // A label outside the policy ranks below every known one (its GUID is no policy id).
      labelId = inside?.policyLabel?.id ?? inside?.metadata.labelId;
    } catch {
      // The text read, but its label metadata does not: it has no label inside.
    }
    return fileScanOf(policy, rel, findings, labelId ?? getLabel(manifest, rel)?.label);
  } catch (e) {
    if (isSensitivityError(e) && e.code.startsWith('E_DOCUMENT_')) return { reason: e.message, code: e.code };
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Scans `targets` (absolute files or folders inside the workspace). */
export async function scanPaths(ws: Workspace, targets: readonly string[], opts: { signal?: AbortSignal } = {}): Promise<ScanReport> {
  const policy = await ws.policy();
  const manifest = await ws.manifest();
  const report: ScanReport = { files: [], scanned: 0, skipped: [], unlabeledMandatory: [] };
  const ignoreFiles: IgnoreFile[] = [];
  let ignored = createIgnoreMatcher(ignoreFiles, policy.detection?.exclude ?? []);
  const seenIgnore = new Set<string>();

  // .gitignore files from the root down to a folder apply to it: load them once each.
  const loadIgnores = async (relDir: string) => {
    const parts = relDir === '' ? [] : relDir.split('/');
    for (let i = 0; i <= parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (seenIgnore.has(dir)) continue;
      seenIgnore.add(dir);
      const text = await fs.readFile(join(ws.root, dir, '.gitignore'), 'utf8').catch(() => undefined);
      if (text !== undefined) {
        ignoreFiles.push({ dir, text });
        ignored = createIgnoreMatcher(ignoreFiles, policy.detection?.exclude ?? []);
      }
    }
  };

  const scanFile = async (abs: string, rel: string) => {
    if (rel.endsWith(PROTECTED_EXT) && (await isEnvelope(abs))) return;
    const kind = documentKindOf(rel);
    if (kind) {
      documents.push({ abs, rel, kind });
      return;
    }
    if (isMandatory(policy, rel) && !getLabel(manifest, rel)) report.unlabeledMandatory.push(rel);
    const { size } = await fs.stat(abs);
    if (size > MAX_SCAN_BYTES) {
      queued.push({ abs, rel, size: 0, reason: `larger than ${MAX_SCAN_BYTES / 1024 / 1024} MiB` });
      return;
    }
    queued.push({ abs, rel, size });
  };
  // Files are scanned after the walk, on every core (scan-pool.ts); skips keep their walk order.
  const queued: (ScanJob & { rel: string; reason?: string })[] = [];
  // Office documents and PDFs: their text read out of them, in this thread, after the pool.
  const documents: { abs: string; rel: string; kind: DocumentKind }[] = [];

  const walk = async (abs: string, rel: string): Promise<void> => {
    if (opts.signal?.aborted) throw new Error('scan cancelled');
    await loadIgnores(rel);
    for (const e of await fs.readdir(abs, { withFileTypes: true })) {
      const childRel = rel === '' ? e.name : posix.join(rel, e.name);
      if (e.isDirectory()) {
        if (!ALWAYS_SKIPPED_DIRS.has(e.name) && !ignored(childRel, true)) await walk(join(abs, e.name), childRel);
      } else if (e.isFile() && !ignored(childRel, false)) {
        await scanFile(join(abs, e.name), childRel);
      }
    }
  };

  for (const target of targets) {
    const rel = target === ws.root ? '' : ws.relPath(target);
    const st = await fs.stat(target);
    if (st.isDirectory()) await walk(target, rel);
    else {
      await loadIgnores(posix.dirname(rel) === '.' ? '' : posix.dirname(rel));
      await scanFile(target, rel);
    }
  }
  const toScan = queued.filter((q) => q.reason === undefined);
  const results = await scanFiles(policy.detection, toScan, opts);
  let k = 0;
  for (const q of queued) {
    const r = q.reason === undefined ? results[k++]! : undefined;
    if (!r || r.binary || 'timedOut' in r) {
      const timedOut = `a policy pattern ran over ${CUSTOM_PATTERN_TIMEOUT_MS / 1000} s on it`;
      report.skipped.push({ path: q.rel, reason: q.reason ?? (r?.binary === false ? timedOut : 'binary') });
      continue;
    }
    report.scanned++;
    if (r.findings.length > 0) report.files.push(fileScanOf(policy, q.rel, r.findings, getLabel(manifest, q.rel)?.label));
  }
  for (const d of documents) {
    if (opts.signal?.aborted) throw new Error('scan cancelled');
    const scanned = await scanDocument(policy, manifest, d.abs, d.rel, d.kind);
    if ('code' in scanned) {
      report.skipped.push({ path: d.rel, ...scanned });
      if (isMandatory(policy, d.rel) && !getLabel(manifest, d.rel)) report.unlabeledMandatory.push(d.rel);
      continue;
    }
    report.scanned++;
    if (isMandatory(policy, d.rel) && !scanned.labelId) report.unlabeledMandatory.push(d.rel);
    if (scanned.findings.length > 0) report.files.push(scanned);
  }
  report.files.sort((a, b) => a.path.localeCompare(b.path));
  return report;
}
