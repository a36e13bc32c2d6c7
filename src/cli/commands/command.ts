/** The shape of one CLI command; `commands/index.ts` holds the table. */
import type { ByteSink } from '../../core/ports.js';
import type { FlagSpec, ParsedArgs } from '../args.js';
import type { CliContext } from '../context.js';
import { jsonSafe, terminalSafe } from '../terminal.js';

export interface Command {
  /** One or two words: "cat", "id new". */
  readonly name: string;
  /** The name with its arguments, as `--help` shows it. */
  readonly usage: string;
  readonly summary: string;
  /** Extra lines for `sensitivity NAME --help`. */
  readonly help?: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  /** Returns the exit status (undefined = 0). */
  run(ctx: CliContext, args: ParsedArgs): Promise<number | void>;
}

/** Writes a line to stdout, control and bidi characters escaped (lines carry untrusted names). */
export function out(line = ''): void {
  process.stdout.write(terminalSafe(line) + '\n');
}

/** Writes stable JSON (2-space indented) to stdout. */
export function outJson(value: unknown): void {
  process.stdout.write(jsonSafe(JSON.stringify(value, null, 2)) + '\n');
}

/** Writes a note to stderr (progress, warnings), keeping stdout for results; escaped like `out`. */
export function note(line: string): void {
  process.stderr.write(terminalSafe(line) + '\n');
}

/** Raw bytes to stdout (plaintext for `cat` and git's textconv), each write awaited. */
export const stdoutSink: ByteSink = {
  write: (chunk) =>
    new Promise<void>((res, rej) => {
      process.stdout.write(chunk, (e) => (e ? rej(e) : res()));
    }),
};
