/**
 * A workspace on disk: the folder holding `.sensitivity/` with its policy, people directory and labels
 * manifest. Reads validate through the core; writes are atomic. Shared by the CLI and the extension host.
 * The boundary: a workspace is found no higher than the git root, and a `.sensitivity/` folder another
 * user owns (or anyone may write) is never used — a shared parent folder cannot take a workspace over;
 * neither the folder nor the files in it are followed through symbolic links (a committed link could
 * point at a file someone else edits, with no diff in the repository).
 */
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { SensitivityError } from '../core/errors.js';
import { DEFAULT_POLICY, parseManifest, parsePeople, parsePolicy, serializeManifest, serializePeople } from '../core/index.js';
import type { FileAccess, WorkspaceStore } from '../core/app/index.js';
import { WORKSPACE_DIR } from '../core/paths.js';
import { absolutePath, nodeFiles, relativePath } from './files.js';
import { withLock } from './lock.js';
import { writeFileAtomic } from './node-io.js';

export { WORKSPACE_DIR };

/** A workspace folder: its store (policy, people, manifest), its files, and path conversion. */
export interface Workspace extends WorkspaceStore {
  readonly root: string;
  readonly files: FileAccess;
  /** Workspace-relative POSIX path of an absolute path (E_USAGE when outside the workspace). */
  relPath(absPath: string): string;
  /** Absolute path of a workspace-relative POSIX path. */
  absPath(relPath: string): string;
}

async function isDir(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * Why a `.sensitivity/` folder is not used, or undefined when it is safe: a folder (not a symbolic link: a
 * committed link could point anywhere, into a folder someone else controls), owned by this user, not
 * writable by all.
 */
export async function unsafeReason(dir: string): Promise<string | undefined> {
  const st = await fs.lstat(dir).catch(() => undefined);
  if (!st) return undefined;
  if (st.isSymbolicLink()) return 'it is a symbolic link (workspace files are never followed through links)';
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return `it belongs to another user (uid ${st.uid})`;
  if ((st.mode & 0o002) !== 0) return 'anyone may write to it';
  return undefined;
}

/** A `.sensitivity/` folder passed over while looking for the workspace, and why. */
export interface IgnoredFolder {
  readonly dir: string;
  readonly reason: string;
}

/** The nearest git root above `start` (a `.git` folder, or a worktree's `.git` file), if any. */
async function gitRoot(start: string): Promise<string | undefined> {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (await fs.stat(join(dir, '.git')).catch(() => undefined)) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The workspace of `start`: the nearest ancestor holding a safe `.sensitivity/` no higher than the git
 * root, else the git root, else `start`. Unsafe `.sensitivity/` folders met on the way are listed in
 * `ignored` (hosts warn); without a git root the walk goes up to the file system's root.
 */
export async function locateWorkspace(start: string): Promise<{ root: string; ignored: IgnoredFolder[] }> {
  const git = await gitRoot(start);
  const ignored: IgnoredFolder[] = [];
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const marker = join(dir, WORKSPACE_DIR);
    if (await isDir(marker)) {
      const reason = await unsafeReason(marker);
      if (reason === undefined) return { root: dir, ignored };
      ignored.push({ dir: marker, reason });
    }
    if (dir === git || dirname(dir) === dir) break;
  }
  return { root: git ?? resolve(start), ignored };
}

/** The root `locateWorkspace` finds (its warnings dropped). */
export async function findWorkspaceRoot(start: string): Promise<string> {
  return (await locateWorkspace(start)).root;
}

/** E_WORKSPACE_UNSAFE when the `.sensitivity/` folder of `root` is not safe to read or write. */
export async function requireSafeWorkspace(root: string): Promise<void> {
  const dir = join(root, WORKSPACE_DIR);
  const reason = await unsafeReason(dir);
  if (reason !== undefined) {
    throw new SensitivityError('E_WORKSPACE_UNSAFE', `is not used: ${reason}`, dir, { details: { hint: 'fix-permissions' } });
  }
}

/**
 * A file of the workspace's own (policy, people, labels), or undefined when absent: E_WORKSPACE_UNSAFE when
 * it is a symbolic link (not followed: O_NOFOLLOW, so nothing can swap one in after a check), not a regular
 * file, or another user's.
 */
export async function readWorkspaceFile(path: string): Promise<string | undefined> {
  const unsafe = (why: string, hint?: 'fix-permissions') =>
    new SensitivityError('E_WORKSPACE_UNSAFE', `is not used: ${why}${hint ? '' : '; replace it with the file itself'}`, path, {
      details: hint ? { hint } : {},
    });
  let handle: FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw unsafe('it is a symbolic link (workspace files are never followed through links)');
    throw e;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw unsafe('it is not a regular file');
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) throw unsafe(`it belongs to another user (uid ${st.uid})`, 'fix-permissions');
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/** Runs `parse` (sync or async), naming `path` in any SensitivityError it raises. */
export function parsingFile<T>(path: string, parse: () => T): T {
  const rethrow = (e: unknown): never => {
    throw e instanceof SensitivityError ? e.withFile(path) : e;
  };
  try {
    const result = parse();
    return (result instanceof Promise ? result.catch(rethrow) : result) as T;
  } catch (e) {
    return rethrow(e);
  }
}

/** The workspace rooted at `root` (its `.sensitivity/` folder is created on the first write). */
export function openWorkspace(root: string): Workspace {
  const file = (name: string) => join(root, WORKSPACE_DIR, name);
  const read = async <T>(name: string, parse: (text: string | undefined, path: string) => T | Promise<T>): Promise<T> => {
    await requireSafeWorkspace(root);
    const path = file(name);
    const text = await readWorkspaceFile(path);
    return parsingFile(path, () => parse(text, path));
  };
  /** Read-modify-write of one of the workspace files under its lock: no concurrent change is lost. */
  const update = async <T>(
    name: string,
    parse: (text: string | undefined, path: string) => T | Promise<T>,
    serialize: (value: T) => string,
    change: (value: T) => Promise<T | undefined> | T | undefined,
  ) => {
    await fs.mkdir(join(root, WORKSPACE_DIR), { recursive: true });
    await requireSafeWorkspace(root);
    return withLock(file(name), async () => {
      const current = await read(name, parse);
      const next = await change(current);
      if (next === undefined) return current;
      await writeFileAtomic(file(name), serialize(next), 0o644);
      return next;
    });
  };
  const parsePeopleFile = (text: string | undefined, path: string) => parsePeople(text, path);
  const parseManifestFile = (text: string | undefined, path: string) => parseManifest(text, path);
  return {
    root,
    files: nodeFiles(root),
    policy: () => read('policy.json', (text, path) => (text === undefined ? DEFAULT_POLICY : parsePolicy(text, path))),
    people: () => read('people.json', parsePeopleFile),
    updatePeople: (change) => update('people.json', parsePeopleFile, serializePeople, change),
    manifest: () => read('labels.json', parseManifestFile),
    updateManifest: (change) => update('labels.json', parseManifestFile, serializeManifest, change),
    relPath: (absPath) => relativePath(root, absPath),
    absPath: (rel) => absolutePath(root, rel),
  };
}
