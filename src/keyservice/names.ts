/** Key names as URLs and the token carry them. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Letters, digits, `.`, `_`, `-`, starting with a letter or digit; at most 64. */
export function isKeyName(name: string): boolean {
  return NAME.test(name);
}
