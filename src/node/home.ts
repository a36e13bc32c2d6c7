/**
 * $SENSITIVITY_HOME: the CLI's identity (private keys, mode 0600) and the audit log both hosts append to.
 */
import { promises as fs } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Identity } from '../core/identity.js';
import { parseIdentity } from '../core/index.js';
import { readTextIfExists, writeFileAtomic } from './node-io.js';
import { parsingFile } from './workspace.js';

/** $SENSITIVITY_HOME, else $XDG_CONFIG_HOME/sensitivity, else ~/.config/sensitivity. */
export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SENSITIVITY_HOME) return resolve(env.SENSITIVITY_HOME);
  return join(env.XDG_CONFIG_HOME ? resolve(env.XDG_CONFIG_HOME) : join(homedir(), '.config'), 'sensitivity');
}

export const identityPath = (home: string) => join(home, 'identity.json');
export const auditPath = (home: string) => join(home, 'audit.jsonl');

/** The identity stored in `home`, or undefined when there is none. */
export async function readHomeIdentity(home: string): Promise<Identity | undefined> {
  const path = identityPath(home);
  const text = await readTextIfExists(path);
  return text === undefined ? undefined : parsingFile(path, () => parseIdentity(JSON.parse(text)));
}

/** Stores `identity` in `home` (folder 0700, file 0600, atomically). */
export async function writeHomeIdentity(home: string, identity: Identity): Promise<void> {
  await fs.mkdir(home, { recursive: true, mode: 0o700 });
  await writeFileAtomic(identityPath(home), JSON.stringify(identity, null, 2) + '\n', 0o600);
}
