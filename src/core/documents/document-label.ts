/** A document's label, read from and written into its bytes, whatever its kind (Office package or PDF). */
import { documentError, MAX_DOCUMENT_BYTES, type DocumentKind } from './formats.js';
import type { DocumentLabel } from './msip.js';
import { packageLabelChanges, readPackageLabels, type PackageWrite } from './ooxml.js';
import { pdfWithLabel, readPdfLabels } from './pdf.js';
import { looksLikeZip, readZip, rewriteZip } from './zip.js';

/** An OLE2 compound file: what an Office document encrypted by Office (password or IRM) is. */
const CFB = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/** Refuses what cannot be a document of `kind` before anything parses it. */
function checkBytes(bytes: Uint8Array, kind: DocumentKind): void {
  if (bytes.length > MAX_DOCUMENT_BYTES) throw documentError('E_DOCUMENT_LIMIT', `the document is larger than ${MAX_DOCUMENT_BYTES >> 20} MiB`);
  if (kind === 'pdf') return;
  if (CFB.every((b, i) => bytes[i] === b)) throw documentError('E_DOCUMENT_ENCRYPTED', 'the Office document is encrypted (a compound file, not a package)');
  if (!looksLikeZip(bytes)) throw documentError('E_DOCUMENT_INVALID', 'not an Office document: not a ZIP package');
}

/** Every MSIP label the document carries (enabled or not). `labelInfo`: the policy's LabelInfo opt-in, when it has one. */
export function readDocumentLabels(bytes: Uint8Array, kind: DocumentKind, labelInfo?: boolean): readonly DocumentLabel[] {
  checkBytes(bytes, kind);
  return kind === 'pdf' ? readPdfLabels(bytes) : readPackageLabels(readZip(bytes), labelInfo).labels;
}

/**
 * The document's bytes with `label` written in (null: the tenant's label removed). Everything else stays as
 * it was: other parts byte for byte (Office), the original bytes before an incremental update (PDF).
 * A document that does not parse is refused with E_DOCUMENT_* and nothing is produced.
 */
export function writeDocumentLabel(bytes: Uint8Array, kind: DocumentKind, label: DocumentLabel | null, write: PackageWrite, now: Date): Uint8Array {
  checkBytes(bytes, kind);
  if (kind === 'pdf') return pdfWithLabel(bytes, label, write.tenantId);
  const zip = readZip(bytes);
  return rewriteZip(zip, packageLabelChanges(zip, label, write), now);
}
