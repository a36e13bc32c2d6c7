/**
 * The heavy half of detection, loaded with `import()` on the first document scanned: the core's detectors,
 * policy lookups and .gitignore rules, and the pure assessment. Activation only wires listeners.
 */
export {
  CREDENTIAL_TYPES,
  createIgnoreMatcher,
  decodeText,
  ignoresDotEnv,
  isProbablyBinary,
  moveSecretOut,
  parseDotEnv,
  scannerFor,
  type Scanner,
} from '../../core/index.js';
export { assess, messageOf, summarize, type Assessment, type Counted, type CurrentLabel } from './assess.js';
export { documentKindOf } from '../../core/documents/formats.js';
export { documentText, scanPieces } from '../../core/documents/text.js';
export { pdfTextReader } from '../../node/pdf-text-loader.js';
