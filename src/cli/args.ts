/** A small, strict argv parser: unknown flags and missing values are usage errors (exit 2). */
import { SensitivityError } from '../core/errors.js';

export interface FlagSpec {
  /** Takes a value (`--label X` or `--label=X`); otherwise a boolean switch. */
  readonly value?: boolean;
  /** May be given several times (values collected in order). */
  readonly repeat?: boolean;
}

export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: ReadonlyMap<string, string[] | true>;
}

/** Parses `argv` against `spec`; `--` ends flags. */
export function parseArgs(argv: readonly string[], spec: Readonly<Record<string, FlagSpec>>): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string[] | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const s = spec[name];
    if (!s) throw new SensitivityError('E_USAGE', `unknown option --${name}`);
    if (!s.value) {
      if (eq >= 0) throw new SensitivityError('E_USAGE', `--${name} takes no value`);
      flags.set(name, true);
      continue;
    }
    const v = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (v === undefined) throw new SensitivityError('E_USAGE', `--${name} needs a value`);
    const prev = flags.get(name);
    if (prev && !s.repeat) throw new SensitivityError('E_USAGE', `--${name} may be given only once`);
    flags.set(name, [...(Array.isArray(prev) ? prev : []), v]);
  }
  return { positionals, flags };
}

/** The single value of a flag, or undefined. */
export function flagValue(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return Array.isArray(v) ? v[0] : undefined;
}

/** Every value of a repeatable flag. */
export function flagValues(args: ParsedArgs, name: string): string[] {
  const v = args.flags.get(name);
  return Array.isArray(v) ? v : [];
}

/** Whether a boolean switch is set. */
export function hasFlag(args: ParsedArgs, name: string): boolean {
  return args.flags.get(name) === true;
}

/** Positionals, requiring at least `min`. */
export function needPositionals(args: ParsedArgs, min: number, what: string): string[] {
  if (args.positionals.length < min) throw new SensitivityError('E_USAGE', `missing ${what}`);
  return args.positionals;
}
