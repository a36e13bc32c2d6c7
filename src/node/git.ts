/**
 * The Node side of git: running `git` and its `merge-file` as the core's TextMerge. `git merge-file` only
 * reads files, so the three plaintexts go to 0600 files in a fresh 0700 folder (on tmpfs when
 * $XDG_RUNTIME_DIR is set, else $TMPDIR), the result comes back on stdout (`-p`), and the folder is removed
 * whatever happens.
 */
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MergeSides, TextMerge } from '../core/app/index.js';
import { SensitivityError } from '../core/errors.js';

export interface GitRun {
  readonly code: number;
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** Runs `git args` in `cwd`; resolves with its exit status whatever it is (E_IO when git cannot be started). */
export async function runGit(args: readonly string[], cwd: string): Promise<GitRun> {
  // Loaded here, not at the top: child_process (with net and dgram) costs every CLI start ~6 ms of CPU.
  const { execFile } = await import('node:child_process');
  return new Promise((resolvePromise, reject) => {
    execFile('git', args, { cwd, encoding: 'buffer', maxBuffer: 1 << 30 }, (e, stdout, stderr) => {
      const code = e ? (typeof e.code === 'number' ? e.code : undefined) : 0;
      if (code === undefined) reject(new SensitivityError('E_IO', `git could not be run: ${e?.message ?? ''}`, cwd, { cause: e }));
      else resolvePromise({ code, stdout, stderr: stderr.toString('utf8') });
    });
  });
}

/** Where merge plaintexts may briefly live: the per-user runtime folder (tmpfs) when there is one. */
async function privateTempRoot(): Promise<string> {
  const runtime = process.env.XDG_RUNTIME_DIR;
  if (runtime && (await fs.stat(runtime).catch(() => undefined))?.isDirectory()) return runtime;
  return tmpdir();
}

/** Runs `f` in a fresh 0700 folder that is removed afterwards, whatever happens. */
async function inPrivateDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(join(await privateTempRoot(), 'sensitivity-merge-'));
  try {
    await fs.chmod(dir, 0o700);
    return await f(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

/** git's own three-way text merge (`git merge-file -p`), conflict markers labelled with `labels` and sized by `markerSize`. */
export function gitMergeFile(cwd: string, labels: MergeSides<string>, markerSize?: number): TextMerge {
  return (sides) =>
    inPrivateDir(async (dir) => {
      const files = { base: join(dir, 'base'), ours: join(dir, 'ours'), theirs: join(dir, 'theirs') };
      for (const side of ['base', 'ours', 'theirs'] as const) await fs.writeFile(files[side], sides[side], { mode: 0o600, flag: 'wx' });
      const marker = markerSize ? [`--marker-size=${markerSize}`] : [];
      const r = await runGit(
        ['merge-file', '-p', ...marker, '-L', labels.ours, '-L', labels.base, '-L', labels.theirs, files.ours, files.base, files.theirs],
        cwd,
      );
      // Exit status: the number of conflicts (capped at 127), or ≥ 128 when git failed.
      if (r.code >= 128) throw new SensitivityError('E_IO', `git merge-file failed: ${r.stderr.trim()}`);
      return { merged: new Uint8Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length), conflicts: r.code };
    });
}
