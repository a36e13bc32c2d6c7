/**
 * A workspace on disk: the folder holding `.sensitivity/` with its policy, people directory and labels
 * manifest. Reads validate through the core; writes are atomic. Shared by the CLI and the extension host.
 */
import { promises as fs } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { SensitivityError } from '../core/errors.js';
import {
  DEFAULT_POLICY,
  parseManifest,
  parsePeople,
  parsePolicy,
  serializeManifest,
  serializePeople,
  type LabelsManifest,
  type PeopleDirectory,
  type Policy,
} from '../core/index.js';
import { withLock } from './lock.js';
import { readTextIfExists, writeFileAtomic } from './node-io.js';

export const WORKSPACE_DIR = '.sensitivity';

export interface Workspace {
  readonly root: string;
  /** The workspace policy, or the embedded default when there is no `.sensitivity/policy.json`. */
  policy(): Promise<Policy>;
  people(): Promise<PeopleDirectory>;
  savePeople(people: PeopleDirectory): Promise<void>;
  /** Read-modify-write of people.json under its lock (`edit` returning its argument writes nothing). */
  updatePeople(edit: (current: PeopleDirectory) => PeopleDirectory): Promise<void>;
  manifest(): Promise<LabelsManifest>;
  saveManifest(manifest: LabelsManifest): Promise<void>;
  /**
   * Read-modify-write of labels.json under its lock, so parallel writers lose nothing: `edit` gets the
   * current manifest and returns the new one with anything else (`setLabel`'s result fits); returning
   * the same manifest writes nothing, throwing writes nothing (so `edit` may log the change first).
   */
  updateManifest<R extends { readonly manifest: LabelsManifest }>(edit: (current: LabelsManifest) => R | Promise<R>): Promise<R>;
  /** Workspace-relative POSIX path of an absolute path (E_USAGE when outside the workspace). */
  relPath(absPath: string): string;
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
  /** Runs `f` holding the lock of `.sensitivity/NAME` (every writer of it takes the lock). */
  const locked = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
    await fs.mkdir(join(root, WORKSPACE_DIR), { recursive: true });
    return withLock(file(name), f);
  };
  const write = (name: string, text: string) => writeFileAtomic(file(name), text, 0o644);
  /** Read-modify-write under the lock; `valueOf(edit's result)` is written unless it is the value read. */
  const update = <T, R>(name: string, load: () => Promise<T>, serialize: (value: T) => string, edit: (current: T) => R | Promise<R>, valueOf: (result: R) => T) =>
    locked(name, async () => {
      const current = await load();
      const result = await edit(current);
      if (valueOf(result) !== current) await write(name, serialize(valueOf(result)));
      return result;
    });
  const manifest = () => read('labels.json', (text) => parseManifest(text));
  const people = () => read('people.json', (text) => parsePeople(text));
  return {
    root,
    policy: () => read('policy.json', (text, path) => (text === undefined ? DEFAULT_POLICY : parsePolicy(text, path))),
    people,
    savePeople: (dir) => locked('people.json', () => write('people.json', serializePeople(dir))),
    updatePeople: async (edit) => {
      await update('people.json', people, serializePeople, edit, (dir) => dir);
    },
    manifest,
    saveManifest: (m) => locked('labels.json', () => write('labels.json', serializeManifest(m))),
    updateManifest: (edit) => update('labels.json', manifest, serializeManifest, edit, (r) => r.manifest),
    relPath(absPath) {
      const rel = relative(root, absPath);
      if (rel === '' || rel.startsWith('..') || resolve(rel) === rel) {
        throw new SensitivityError('E_USAGE', `is outside the workspace ${root}; pass --workspace DIR`, absPath);
      }
      return rel.split(sep).join('/');
    },
  };
}
