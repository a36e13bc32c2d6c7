/**
 * The Node adapter of the core's `FileAccess` port over a workspace folder: workspace-relative POSIX paths
 * in, real files out. One file descriptor per opened file, read at offsets (every pass reads the same
 * inode, so a path swapped mid-operation is never read), exclusive creation by link (never check-then-rename), atomic
 * replacement, and lock files beside what they guard.
 */
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DirEntry, FileAccess } from '../core/app/index.js';
import { SensitivityError } from '../core/errors.js';
import { withLock } from './lock.js';
import { createExclusive, openReadHandle, withAtomicFile } from './node-io.js';
import { posixRelative } from './paths.js';

/** The files of the workspace rooted at `root`. */
export function nodeFiles(root: string): FileAccess {
  const abs = (rel: string): string => {
    const p = resolve(root, ...rel.split('/'));
    if (p !== root && posixRelative(root, p) === undefined) throw new SensitivityError('E_USAGE', 'is outside the workspace', rel);
    return p;
  };
  const kindOf = (e: { isFile(): boolean; isDirectory(): boolean }): DirEntry['kind'] => (e.isFile() ? 'file' : e.isDirectory() ? 'dir' : 'other');
  return {
    // Async throughout, so a bad path rejects rather than throws.
    open: async (rel) => openReadHandle(abs(rel), rel),
    exists: async (rel) => (await fs.lstat(abs(rel)).catch(() => undefined)) !== undefined,
    create: async (rel, mode, produce, opts) => createExclusive(abs(rel), produce, { mode, durable: opts?.durable ?? true }),
    replace: async (rel, mode, produce) => withAtomicFile(abs(rel), produce, { mode }),
    remove: async (rel) => fs.rm(abs(rel), { force: true }),
    withLock: async (rel, f) => withLock(abs(rel), f),
    async list(dir) {
      const entries = await fs.readdir(dir === '' ? root : abs(dir), { withFileTypes: true });
      return entries.map((e) => ({ name: e.name, kind: kindOf(e) }));
    },
  };
}

/** Workspace-relative POSIX path of an absolute path (E_USAGE when outside `root`). */
export function relativePath(root: string, absPath: string): string {
  const rel = posixRelative(root, absPath);
  if (rel === undefined) throw new SensitivityError('E_USAGE', `is outside the workspace ${root}`, absPath, { details: { hint: 'choose-workspace', root } });
  return rel;
}

/** The absolute path of a workspace-relative POSIX path. */
export const absolutePath = (root: string, rel: string): string => join(root, ...rel.split('/'));
