/**
 * A workspace on disk: the folder holding `.sensitivity/` with its policy, people directory and labels
 * manifest. Reads validate through the core; writes are atomic. Shared by the CLI and the extension host.
 */
import { promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SensitivityError } from '../core/errors.js';
import { DEFAULT_POLICY, parseManifest, parsePeople, parsePolicy, serializeManifest, serializePeople } from '../core/index.js';
import type { FileAccess, WorkspaceStore } from '../core/app/index.js';
import { WORKSPACE_DIR } from '../core/paths.js';
import { absolutePath, nodeFiles, relativePath } from './files.js';
import { withLock } from './lock.js';
import { readTextIfExists, writeFileAtomic } from './node-io.js';

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

/** Nearest ancestor of `start` holding `.sensitivity/`, else the nearest git root, else `start`. */
export async function findWorkspaceRoot(start: string): Promise<string> {
  for (const marker of [WORKSPACE_DIR, '.git']) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      if (await isDir(join(dir, marker))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  return resolve(start);
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
  const read = async <T>(name: string, parse: (text: string | undefined, path: string) => T): Promise<T> => {
    const path = file(name);
    const text = await readTextIfExists(path);
    return parsingFile(path, () => parse(text, path));
  };
  /** Read-modify-write of one of the workspace files under its lock: no concurrent change is lost. */
  const update = async <T>(
    name: string,
    parse: (text: string | undefined, path: string) => T,
    serialize: (value: T) => string,
    change: (value: T) => Promise<T | undefined> | T | undefined,
  ) => {
    await fs.mkdir(join(root, WORKSPACE_DIR), { recursive: true });
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
