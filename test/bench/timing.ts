/** Timing one whole process as a user runs it, for the CLI benches (bench.ts, start.bench.ts). */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface Run {
  wall: number;
  cpu: number;
  rssMiB: number;
}

/**
 * Runs `cmd` under GNU time: wall seconds, CPU seconds (user + system, of every process it waited for:
 * git's drivers count) and peak RSS; `stdout` names a file for its standard output (else discarded).
 */
export function timeCommand(cmd: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv; stdout?: string }): Run {
  const out = opts.stdout ? openSync(opts.stdout, 'w') : 'ignore';
  try {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', ...cmd], { env: opts.env, cwd: opts.cwd, stdio: ['ignore', out, 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr}`);
    const [wall, user, sys, kb] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
    return { wall: wall!, cpu: user! + sys!, rssMiB: kb! / 1024 };
  } finally {
    if (typeof out === 'number') closeSync(out);
  }
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;
