/**
 * The `sensitivity` command: parses argv, runs one command from the table, maps errors to exit codes. Only the
 * group of the command that runs is loaded (commands/index.ts), found through the routes esbuild.mjs bakes in.
 */
import { runInNewContext } from 'node:vm';
import { isSensitivityError } from '../core/errors.js';
import { paceCollections } from '../node/file-reader.js';
import { parseArgs } from './args.js';
import { foreignErrorLine } from './errors.js';
import { terminalSafe } from './terminal.js';
import { allCommands, COMMAND_GROUPS, type Command } from './commands/index.js';

declare const __VERSION__: string;
/** Command name → its group in COMMAND_GROUPS (esbuild.mjs, from commandRoutes()); {} in watch mode: every group loads. */
declare const __COMMAND_ROUTES__: Readonly<Record<string, number>>;

const GLOBAL_FLAGS = { workspace: { value: true }, help: {} } as const;

async function usage(): Promise<string> {
  const lines = (await allCommands()).map((c) => `  sensitivity ${c.usage}\n      ${c.summary}`);
  return [
    'sensitivity — classify files with sensitivity labels and protect them with rights management',
    '',
    'Usage:',
    ...lines,
    '',
    'Options: --workspace DIR (default: nearest ancestor with .sensitivity/), --help, --version',
    'Environment: SENSITIVITY_HOME (identity and audit log; default ~/.config/sensitivity),',
    '             SENSITIVITY_PASSPHRASE (for id export/import; prompted for otherwise)',
    'Exit codes: 0 ok, 1 failure, 2 usage, 3 access denied, 4 invalid or tampered input, 5 check found violations',
  ].join('\n');
}

/** The commands worth looking at for argv: its routed group's alone, else (a name the routes do not know) all. */
async function candidates(argv: readonly string[]): Promise<readonly Command[]> {
  for (const n of [3, 2, 1]) {
    const name = argv.slice(0, n).join(' ');
    if (Object.hasOwn(__COMMAND_ROUTES__, name)) return COMMAND_GROUPS[__COMMAND_ROUTES__[name]!]!();
  }
  return allCommands();
}

/** Finds the command named by the longest matching prefix of argv ("key-service key list", "id new", "cat"). */
async function findCommand(argv: readonly string[]): Promise<{ command: Command; rest: string[] } | undefined> {
  const commands = await candidates(argv);
  for (const n of [3, 2, 1]) {
    const name = argv.slice(0, n).join(' ');
    const command = commands.find((c) => c.name === name);
    if (command) return { command, rest: argv.slice(n) };
  }
  return undefined;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === 'version')) {
    process.stdout.write(`sensitivity ${__VERSION__}\n`);
    return 0;
  }
  const found = await findCommand(argv);
  if (!found) {
    const help = argv.length === 0 || argv[0] === '--help' || argv[0] === 'help';
    (help ? process.stdout : process.stderr).write((await usage()) + '\n');
    if (!help) process.stderr.write('\n' + terminalSafe(`sensitivity: unknown command "${argv.join(' ')}"`) + '\n');
    return help ? 0 : 2;
  }
  const { command, rest } = found;
  try {
    const args = parseArgs(rest, { ...GLOBAL_FLAGS, ...command.flags });
    if (args.flags.has('help')) {
      process.stdout.write(`Usage: sensitivity ${command.usage}\n\n${command.summary}\n${command.help ?? ''}`);
      return 0;
    }
    // Loaded here, not above: `--version`, `--help` and usage errors never evaluate the session's modules.
    const { createContext } = await import('./context.js');
    const ctx = createContext(args);
    return (await command.run(ctx, args)) ?? 0;
  } catch (e) {
    process.stderr.write(foreignErrorLine(e) + '\n');
    if (!isSensitivityError(e)) return 1;
    if (e.code === 'E_USAGE') process.stderr.write(`usage: sensitivity ${command.usage}\n`);
    return e.exitCode;
  }
}

/** A reader that went away (`sensitivity … | head`) ends the command quietly, as cat and grep do. */
function quietOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

// Only run when executed (the bundle's entry), not when imported by tests.
if (require.main === module) {
  quietOnClosedPipe(process.stdout);
  // dist/cli.js exposes `gc` to new contexts (--expose-gc); imported by tests or run otherwise, there is none.
  // Making that context costs a millisecond or two, so only the first paced collection (a large file) makes it.
  let gc: ((options: { type: 'minor' }) => void) | null | undefined;
  paceCollections(() => {
    if (gc === undefined) gc = runInNewContext('typeof gc === "function" ? gc : null') as typeof gc;
    gc?.({ type: 'minor' });
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`sensitivity: internal error: ${(e as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
