/**
 * Opening `notes.md.protected` from the Explorer goes through the routing editor (editor.ts) before the
 * text editor reads the plaintext through the file system (file-system.ts). The plaintext is decrypted as
 * soon as the route is known, while VS Code is still opening the text editor, and handed to the file
 * system's next read of that file: in memory only, to one read, for a few seconds at most (then zeroed),
 * and only while the envelope on disk is still the one that was decrypted (same inode, size, times; the
 * stamp is taken before the decryption opens the file, so a change during it shows too).
 */
import { promises as fs } from 'node:fs';
import type * as vscode from 'vscode';
import type { Services } from '../services.js';

/** A decrypted protected file and the policy it was opened under (a save re-checks it). */
export interface Plaintext {
  readonly content: Uint8Array;
  readonly policyDigest: string;
}

/** How long decrypted plaintext waits for its read before it is zeroed and dropped. */
const WAIT_MS = 10_000;

interface Pending {
  readonly stamp: Promise<string | undefined>;
  readonly plaintext: Promise<Plaintext | undefined>;
  readonly timer: ReturnType<typeof setTimeout>;
}

const pending = new Map<string, Pending>();

/** What identifies one version of a file on disk (undefined when it is gone). */
async function stampOf(path: string): Promise<string | undefined> {
  const st = await fs.stat(path, { bigint: true }).catch(() => undefined);
  return st && `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

const zero = (p: Promise<Plaintext | undefined>) => void p.then((t) => t?.content.fill(0));

/** Decrypts the envelope as you, recording the open (app.open). */
export async function decrypt(services: Services, envelope: vscode.Uri): Promise<Plaintext> {
  const { app } = await services.core();
  const s = await services.session(envelope);
  const { content, info } = await app.open(s, s.workspace.relPath(envelope.fsPath));
  return { content, policyDigest: info.policyDigest };
}

/** Starts decrypting `envelope` for the next `take` of it (once per file at a time). */
export function prefetch(services: Services, envelope: vscode.Uri): void {
  const path = envelope.fsPath;
  if (pending.has(path)) return;
  // Stamped before the read starts: a change during the read shows as a different stamp at `take`.
  const stamp = stampOf(path);
  const plaintext = stamp.then(() => decrypt(services, envelope)).catch(() => undefined);
  const timer = setTimeout(() => {
    if (pending.get(path)?.timer !== timer) return;
    pending.delete(path);
    zero(plaintext);
  }, WAIT_MS);
  pending.set(path, { stamp, plaintext, timer });
}

/** The prefetched plaintext of the envelope at `path`, if it is there and still current; the caller decrypts otherwise. */
export async function take(path: string): Promise<Plaintext | undefined> {
  const p = pending.get(path);
  if (!p) return undefined;
  pending.delete(path);
  clearTimeout(p.timer);
  const plaintext = await p.plaintext;
  const [before, now] = await Promise.all([p.stamp, stampOf(path)]);
  if (plaintext && before !== undefined && before === now) return plaintext;
  zero(p.plaintext);
  return undefined;
}
