/**
 * The core's one export list (jose's `src/index.ts` manner): hosts import from here. Pure TypeScript:
 * no `vscode`, no `node:`; runs wherever WebCrypto exists.
 */
export * from './errors.js';
export * from './rights.js';
export * from './ports.js';
export * from './identity.js';
export { fingerprint } from './fingerprint.js';
export * from './policy/index.js';
export * from './labels/index.js';
export {
  addPerson,
  EMPTY_PEOPLE,
  findPerson,
  okpThumbprint,
  parseIdentity,
  parsePeople,
  parsePublicIdentity,
  removePerson,
  serializePeople,
  verifyIdentity,
  type PeopleDirectory,
  type RefusedPerson,
} from './people.js';
export * from './pins.js';
export * from './workspace-keys.js';
export { exportIdentity, IDENTITY_FILE_CTY, importIdentity, PBES2_ITERATIONS } from './identity-file.js';
export * from './audit/index.js';
export * from './org/index.js';
export { compileGlobs, globToRegExp, matchesGlob } from './glob.js';
export * from './envelope/index.js';
export * from './detect/index.js';
// Documents (ZIP, XML, PDF parsers) are not listed here: core/app loads them on the first document (document-label.ts),
// hosts import src/core/documents/ directly where they need them.
