/** Documents that carry their label inside (Office Open XML, PDF): MSIP label metadata read and written, text read for scanning. */
export { documentKindOf, MAX_DOCUMENT_BYTES, type DocumentKind } from './formats.js';
export { activeLabel, msipDate, msipPairs, normalGuid, type DocumentLabel } from './msip.js';
export { readDocumentLabels, writeDocumentLabel } from './document-label.js';
export type { PackageWrite } from './ooxml.js';
