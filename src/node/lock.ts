/**
 * One lock primitive for the Node host: `withLock(file, f)` runs `f` while holding `FILE.lock`, across
 * processes on this machine (CLI runs, extension hosts), and survives a holder killed mid-way.
 *
 * A lock file is created whole (written to a temp file, then `link`ed into place: the link fails if the
 * name exists) and records its holder: pid, host name and a random nonce. A waiter that finds it held
 * by a process that no longer exists on this host breaks it. Breaking is the delicate part: "read it,
 * see it is stale, unlink it" is wrong, because between the read and the unlink another breaker may
 * have unlinked the stale lock and a new holder taken the name; the unlink would then remove a live
 * lock and let two writers in. So a stale lock with nonce N may only be unlinked by the one process
 * that creates the marker `FILE.lock.break.<N>` (same exclusive link). Why that is safe:
 *   - the lock with nonce N is removed either by its holder (dead: never again) or by the creator of
 *     marker N; markers are exclusive, and a marker is removed only by its creator, after it is done;
 *   - the marker's creator re-reads the lock *after* creating the marker; if it still holds nonce N,
 *     nobody else can remove it before our unlink (its holder is dead and we hold marker N), so the
 *     unlink removes exactly the stale lock; if not, N is gone for good (nonces are never reused) and
 *     it does nothing — a late breaker that creates marker N again sees the same and does nothing;
 *   - a marker left by a breaker killed in that window is itself a stale record, broken by the same
 *     rule (its own marker, keyed by its nonce).
 * A live holder is never broken, however long it holds: waiters give up after a bounded wait with
 * E_LOCKED. Limits: liveness is judged by pid on the same host name, so two machines (or containers
 * with separate pid spaces but one host name) sharing a folder must not share locks; a recycled pid
 * makes a stale lock look live (then E_LOCKED says which file to remove). A lock file that does not
 * say who holds it (an older version's empty one) is stale once its mtime is LEGACY_STALE_MS old.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { SensitivityError } from '../core/errors.js';
import { isProcessAlive, tempPathFor } from './temp.js';

/** How long a waiter waits for a live holder before E_LOCKED. */
const DEFAULT_LOCK_WAIT_MS = 30_000;
/** Older versions held their (empty) lock for milliseconds; one this old was left by a crash. */
const LEGACY_STALE_MS = 10_000;
/** A chain of markers this long means breakers keep crashing; wait instead. */
const MAX_BREAK_DEPTH = 8;

export interface LockOptions {
  /** Milliseconds to wait for a live holder (default 30 s). */
  readonly waitMs?: number;
}

/** A held lock. */
export interface Lock {
  readonly path: string;
  release(): Promise<void>;
}

interface Holder {
  /** Unique per lock ever created (its nonce), or the file's identity for a record that names nobody. */
  readonly id: string;
  readonly stale: boolean;
  /** For error messages: who holds it. */
  readonly who: string;
}

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** Creates `path` whole with this process as holder; the nonce, or undefined when it already exists. */
async function createRecord(path: string): Promise<string | undefined> {
  const nonce = randomBytes(16).toString('hex');
  const record = { pid: process.pid, host: hostname(), nonce, since: new Date().toISOString() };
  const tmp = tempPathFor(path);
  await fs.writeFile(tmp, JSON.stringify(record) + '\n', { mode: 0o600, flag: 'wx' });
  try {
    await fs.link(tmp, path);
    return nonce;
  } catch (e) {
    if (errno(e) === 'EEXIST') return undefined;
    throw e;
  } finally {
    await fs.unlink(tmp).catch(() => undefined);
  }
}

/** Who holds the record at `path` (undefined when there is none). */
async function readHolder(path: string): Promise<Holder | undefined> {
  let h;
  try {
    h = await fs.open(path, 'r');
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const st = await h.stat();
    const text = (await h.readFile()).toString('utf8');
    let r: { pid?: unknown; host?: unknown; nonce?: unknown; since?: unknown } | undefined;
    try {
      r = JSON.parse(text) as typeof r;
    } catch {
      r = undefined;
    }
    if (r && typeof r.pid === 'number' && typeof r.host === 'string' && typeof r.nonce === 'string' && /^[0-9a-f]{32}$/.test(r.nonce)) {
      const stale = r.host === hostname() && !isProcessAlive(r.pid);
      return { id: r.nonce, stale, who: `process ${r.pid} on ${r.host}${typeof r.since === 'string' ? ` since ${r.since}` : ''}` };
    }
    const id = createHash('sha256').update(`${st.dev}:${st.ino}:${st.mtimeMs}`).digest('hex').slice(0, 32);
    return { id, stale: Date.now() - st.mtimeMs > LEGACY_STALE_MS, who: 'an unknown process' };
  } finally {
    await h.close();
  }
}

/** Breaks the record at `target` if its holder is dead (see the file comment); true when something changed. */
async function breakIfStale(target: string, lockPath: string, depth = 0): Promise<boolean> {
  const held = await readHolder(target);
  if (!held) return true;
  if (!held.stale) return false;
  const marker = `${lockPath}.break.${held.id}`;
  if ((await createRecord(marker)) === undefined) {
    return depth < MAX_BREAK_DEPTH ? breakIfStale(marker, lockPath, depth + 1) : false;
  }
  try {
    if ((await readHolder(target))?.id === held.id) await fs.unlink(target).catch(() => undefined);
    return true;
  } finally {
    await fs.unlink(marker).catch(() => undefined);
  }
}

/**
 * Takes the lock on `file` (the lock file is `FILE.lock`, in the same folder, which must exist). Waits
 * for a live holder up to `waitMs`, then fails with E_LOCKED naming the holder; breaks a dead one's.
 */
export async function acquireLock(file: string, opts: LockOptions = {}): Promise<Lock> {
  const path = `${file}.lock`;
  const deadline = Date.now() + (opts.waitMs ?? DEFAULT_LOCK_WAIT_MS);
  let delay = 1;
  for (let attempt = true; ;) {
    if (attempt) {
      const nonce = await createRecord(path);
      if (nonce !== undefined) {
        return {
          path,
          async release() {
            // Only ever our own record: nobody breaks a live holder's lock, but never remove someone else's.
            if ((await readHolder(path))?.id === nonce) await fs.unlink(path).catch(() => undefined);
          },
        };
      }
    }
    // Held: try again at once when the record is gone or was a dead holder's (broken). While a live holder keeps
    // it, a waiter only reads the record: creating a temp record per look cost a new inode each (busy key service replicas).
    attempt = await breakIfStale(path, path);
    if (attempt) continue;
    if (Date.now() >= deadline) {
      const who = (await readHolder(path))?.who ?? 'another process';
      throw new SensitivityError('E_LOCKED', `is locked by ${who}; try again, or remove ${path} if that process is gone`, file);
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

/** Runs `f` holding the lock on `file`; released however `f` ends. */
export async function withLock<T>(file: string, f: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const lock = await acquireLock(file, opts);
  try {
    return await f();
  } finally {
    await lock.release();
  }
}
