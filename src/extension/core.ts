/**
 * The heavy half of the extension (crypto, JSON Schema validation, file adapters), evaluated on first
 * use instead of at activation: activation only wires up light UI, and the first label lookup or
 * command pays for loading these.
 */
export type Core = typeof import('./core-modules.js');

let loading: Promise<Core> | undefined;

/** The core and Node adapters, loaded once. */
export function loadCore(): Promise<Core> {
  return (loading ??= import('./core-modules.js'));
}
