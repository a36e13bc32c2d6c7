/** What the extension uses from the core and the Node adapters; loaded lazily through `loadCore()`. */
export * as app from '../core/app/index.js';
export { parseExpiry } from '../core/expiry.js';
export { findWorkspaceRoot, openWorkspace, unsafeReason, type Workspace } from '../node/workspace.js';
export { auditPath, identityPath, readHomeIdentity, resolveHome } from '../node/home.js';
export { writeFileAtomic } from '../node/node-io.js';
export { auditLogSink, sessionIn, type Session } from '../node/session.js';
export { httpKeyServiceClient, httpOrganisationDirectory, httpWitnessService } from '../node/key-service-client.js';
export { scanPaths } from '../node/scan.js';
export * as signin from '../node/signin.js';
export { createIdentity, publicIdentity } from '../core/identity.js';
export { rightsOfRole, roleOfRights, BUILTIN_ROLES } from '../core/rights.js';
export {
  addPerson,
  findLabel,
  flattenLabels,
  getLabel,
  isMandatory,
  requiresProtection,
  recommendedLabel,
  labelDisplayName,
  removePath,
  renamePath,
  exportIdentity,
  importIdentity,
  parseIdentity,
  parsePublicIdentity,
  fingerprint,
} from '../core/index.js';
