/** The organisation key service (docs/KEY-SERVICE.md): what the CLI's `key-service` commands use. */
export { loadConfig, openState, openToken, revocationScope, startService, type RunningService } from './server.js';
export type { RevocationKind } from './state/port.js';
export { AccessLog } from './access-log.js';
export { KEY_TYPES, type KeyType, type KeyVersion } from './hsm.js';
