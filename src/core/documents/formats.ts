/** Which files are documents that carry their label inside (Office Open XML packages, PDF), by name, and their errors. */
import { SensitivityError, type ErrorCode } from '../errors.js';

/** The kinds of document whose label lives inside the file. */
export type DocumentKind = 'word' | 'excel' | 'powerpoint' | 'pdf';

const KINDS: Readonly<Record<string, DocumentKind>> = {
  docx: 'word',
  docm: 'word',
  dotx: 'word',
  dotm: 'word',
  xlsx: 'excel',
  xlsm: 'excel',
  xltx: 'excel',
  xltm: 'excel',
  pptx: 'powerpoint',
  pptm: 'powerpoint',
  potx: 'powerpoint',
  potm: 'powerpoint',
  ppsx: 'powerpoint',
  ppsm: 'powerpoint',
  pdf: 'pdf',
};

/** The document kind of `path` by its extension (case-insensitive), or undefined for any other file. */
export function documentKindOf(path: string): DocumentKind | undefined {
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/')) return undefined;
  return KINDS[path.slice(dot + 1).toLowerCase()];
}

/** Largest document read or rewritten whole (bytes): past it, E_DOCUMENT_LIMIT. */
export const MAX_DOCUMENT_BYTES = 256 << 20;

/** A document error (E_DOCUMENT_*). */
export function documentError(code: Extract<ErrorCode, `E_DOCUMENT_${string}`>, message: string): SensitivityError {
  return new SensitivityError(code, message);
}
