/** The organisation key service (docs/KEY-SERVICE.md): what the CLI's `key-service` commands use. */
export { loadConfig, openToken, startService, type RunningService } from './server.js';
export { KEY_TYPES, type KeyType, type KeyVersion } from './hsm.js';
