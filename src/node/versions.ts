/**
 * The Node adapter of the core's `VersionMemory`: `$SENSITIVITY_HOME/versions.json` maps each line of
 * policy versions (content id and first version) to the highest version this user has seen. Updated
 * read-modify-write under the file's lock and written atomically (0600), like the other stores; kept in the
 * home folder, never in the workspace, so whoever can edit the workspace cannot lower it.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { VersionMemory } from '../core/app/index.js';
import { SensitivityError } from '../core/errors.js';
import { withLock } from './lock.js';
import { readTextIfExists, writeFileAtomic } from './node-io.js';

export const versionsPath = (home: string) => join(home, 'versions.json');

interface VersionsFile {
  readonly v: 1;
  readonly seen: Readonly<Record<string, number>>;
}

async function load(path: string): Promise<VersionsFile> {
  const text = await readTextIfExists(path);
  if (text === undefined) return { v: 1, seen: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const file = parsed as Partial<VersionsFile> | undefined;
  const seen = file?.seen;
  if (file?.v !== 1 || typeof seen !== 'object' || seen === null || !Object.values(seen).every((n) => Number.isSafeInteger(n) && n > 0)) {
    // Fail closed: a damaged memory must not silently forget every version seen.
    throw new SensitivityError('E_FORMAT', 'is not a valid record of policy versions seen; fix or remove it', path);
  }
  return { v: 1, seen };
}

/** The versions this user has seen, kept in `home`. */
export function homeVersionMemory(home: string): VersionMemory {
  const path = versionsPath(home);
  return {
    async highest(lineageId) {
      return (await load(path)).seen[lineageId];
    },
    async remember(lineageId, version, options = {}) {
      await fs.mkdir(home, { recursive: true, mode: 0o700 });
      await withLock(path, async () => {
        const file = await load(path);
        const known = file.seen[lineageId];
        if (known === version || (known !== undefined && known > version && !options.accept)) return;
        await writeFileAtomic(path, JSON.stringify({ v: 1, seen: { ...file.seen, [lineageId]: version } }, null, 2) + '\n', 0o600);
      });
    },
  };
}
