/** Key names as URLs and the token carry them. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Routes of the service that are not keys (compared case-insensitively, as routes are). */
export const RESERVED_NAMES: readonly string[] = ['directory', 'ready', 'witness', 'health', 'metrics'];

/** Letters, digits, `.`, `_`, `-`, starting with a letter or digit; at most 64; not one of the service's own routes. */
export function isKeyName(name: string): boolean {
  return NAME.test(name) && !RESERVED_NAMES.includes(name.toLowerCase());
}
