/**
 * Temporary files beside their target: created 0600 with a name that says who made them
 * (`.NAME.sensitivity-tmp.PID.HOST.RANDOM`), so a crashed run's leftovers — possibly partial plaintext —
 * are recognised and removed by the next run that touches the folder, and nothing else ever is.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** 8 hex digits naming this machine: a temp or lock from another host is never judged by our pids. */
export const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

const TEMP_MARK = '.sensitivity-tmp.';
const TEMP_NAME = /^\..*\.sensitivity-tmp\.(\d+)\.([0-9a-f]{8})\.[0-9a-f]+$/s;
/** Leaves room for the suffix within the usual 255-byte name limit. */
const MAX_BASE_BYTES = 200;

/** True while process `pid` exists on this host (EPERM: it exists, owned by someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function shortBase(name: string): string {
  let base = name;
  while (Buffer.byteLength(base) > MAX_BASE_BYTES) base = base.slice(0, -1);
  return base;
}

/** A fresh temp path in `target`'s folder, naming this process as its creator. */
export function tempPathFor(target: string): string {
  const name = `.${shortBase(basename(target))}${TEMP_MARK}${process.pid}.${HOST_TAG}.${randomBytes(6).toString('hex')}`;
  return join(dirname(target), name);
}

/** Who made a temp file, from its name; undefined when `name` is not one of ours. */
function tempCreator(name: string): { pid: number; host: string } | undefined {
  const m = TEMP_NAME.exec(name);
  return m ? { pid: Number(m[1]), host: m[2]! } : undefined;
}

/**
 * Removes the temp files in `dir` whose creator is dead (same host, pid gone): the leftovers of a run
 * killed mid-write. Live writers' temps and other hosts' are left alone. Returns the names removed.
 */
export async function sweepStaleTemps(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!name.includes(TEMP_MARK)) continue;
    const who = tempCreator(name);
    if (!who || who.host !== HOST_TAG || isProcessAlive(who.pid)) continue;
    const p = join(dir, name);
    const st = await fs.lstat(p).catch(() => undefined);
    if (!st?.isFile()) continue;
    await fs.unlink(p).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}

const swept = new Set<string>();

/** `sweepStaleTemps` once per folder per process (the first operation on a folder cleans it). */
export async function sweepOnce(dir: string): Promise<void> {
  if (swept.has(dir)) return;
  swept.add(dir);
  await sweepStaleTemps(dir);
}
