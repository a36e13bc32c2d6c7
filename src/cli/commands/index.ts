/**
 * The command table: every `sensitivity` command, by group, in the order `--help` lists them. A group's
 * module (and everything it imports) loads only when one of its commands runs (issue 24): `import()` here is
 * a lazily evaluated part of the one CLI bundle (esbuild.mjs), so a `git textconv` never evaluates the
 * key service, the scan commands or the sign-in client. main.ts finds a command's group by its name through
 * the routes esbuild.mjs computes from this very table, so a command added to any group is found as is.
 */
import type { Command } from './command.js';

export type { Command } from './command.js';

export const COMMAND_GROUPS: readonly (() => Promise<readonly Command[]>)[] = [
  async () => (await import('./id.js')).idCommands,
  async () => (await import('./label.js')).labelCommands,
  async () => (await import('./protect.js')).protectCommands,
  async () => (await import('./scan.js')).scanCommands,
  async () => (await import('./git.js')).gitCommands,
  async () => (await import('./admin.js')).adminCommands,
  async () => (await import('./key-service.js')).keyServiceCommands,
  async () => (await import('./signin.js')).signinCommands,
];

/** Every command, all groups loaded (`--help`, and names the routes do not know). */
export async function allCommands(): Promise<readonly Command[]> {
  return (await Promise.all(COMMAND_GROUPS.map((load) => load()))).flat();
}

/** Each command's name → the index of its group in COMMAND_GROUPS: what esbuild.mjs bakes into the bundle. */
export async function commandRoutes(): Promise<Record<string, number>> {
  const groups = await Promise.all(COMMAND_GROUPS.map((load) => load()));
  return Object.fromEntries(groups.flatMap((commands, i) => commands.map((c) => [c.name, i] as const)));
}
