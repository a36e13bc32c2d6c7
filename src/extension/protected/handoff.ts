/**
 * Opening `notes.md.protected` from the Explorer goes through the routing editor (editor.ts) before the
 * text editor reads the plaintext through the file system (file-system.ts). The plaintext is decrypted as
 * soon as the route is known, while VS Code is still opening the text editor, and handed to the file
 * system's next read of that file: in memory only, to one read, for a few seconds at most (then zeroed),
 * and only while the envelope on disk is still the one that was decrypted (same inode, size, times; the
 * stamp is taken before the decryption opens the file, so a change during it shows too).
 *
 * Reads that arrive while the same version of a file is being decrypted join that decryption (`decryptShared`):
 * the Markdown extension re-reads a closed `.md` document through the file system, several times at once, and
 * each read was a full decryption and an `open` in the audit log. Each reader gets its own copy; the shared
 * plaintext is zeroed once the last of them has it. Nothing is kept after the decryption ends.
 */
import { promises as fs } from 'node:fs';
import type * as vscode from 'vscode';
import type { Services } from '../services.js';

/** A decrypted protected file and the policy it was opened under (a save re-checks it). */
export interface Plaintext {
  readonly content: Uint8Array;
  readonly policyDigest: string;
  /** The open changed what was known of the file: the organisation's head said it is an older copy, or no longer is. */
  readonly restat: boolean;
}

/** How long decrypted plaintext waits for its read before it is zeroed and dropped. */
const WAIT_MS = 10_000;

interface Pending {
  readonly stamp: Promise<string | undefined>;
  readonly plaintext: Promise<Plaintext | undefined>;
  readonly timer: ReturnType<typeof setTimeout>;
  /** The decryption's error, or undefined once it succeeded. */
  readonly failure: Promise<unknown>;
}

const pending = new Map<string, Pending>();

/** What identifies one version of a file on disk (undefined when it is gone). */
async function stampOf(path: string): Promise<string | undefined> {
  const st = await fs.stat(path, { bigint: true }).catch(() => undefined);
  return st && `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

const zero = (p: Promise<Plaintext | undefined>) => void p.then((t) => t?.content.fill(0));

/** Decrypts the envelope as you, recording the open (app.open). */
async function decrypt(services: Services, envelope: vscode.Uri): Promise<Plaintext> {
  const { app } = await services.core();
  const s = await services.session(envelope);
  // What stat, the panel and the status bar know (cached, from memory), before the open hears the organisation's head.
  const known = services.labels.protectedInfo(envelope).then(
    (i) => i.rollback,
    () => undefined,
  );
  const { content, info, standing } = await app.open(s, s.workspace.relPath(envelope.fsPath));
  // The head in the Double Key answer is kept in memory (issue 21): when it changed the verdict, what was known is stale.
  const byOrganisation = (o: { readonly seen: number; readonly by: string } | null | undefined) => (o?.by === 'organisation' ? o.seen : undefined);
  const restat = byOrganisation(await known) !== byOrganisation(standing.older);
  if (restat) services.labels.invalidate([envelope]);
  return { content, policyDigest: info.policyDigest, restat };
}

/**
 * Starts decrypting `envelope` for the next `take` of it (once per file at a time). Resolves with the failure
 * when it cannot be decrypted (a damaged file, say), so the opener can say why at once instead of opening a
 * text editor whose read fails; a failure is not kept for the next attempt.
 */
export function prefetch(services: Services, envelope: vscode.Uri): Promise<unknown> {
  const path = envelope.fsPath;
  const running = pending.get(path);
  if (running) return running.failure;
  // Stamped before the read starts: a change during the read shows as a different stamp at `take`.
  const stamp = stampOf(path);
  const attempt = stamp.then(() => decrypt(services, envelope));
  const plaintext = attempt.catch(() => undefined);
  const failure = attempt.then(
    () => undefined,
    (e: unknown) => {
      if (pending.get(path)?.failure === failure) {
        clearTimeout(timer);
        pending.delete(path);
      }
      return e;
    },
  );
  const timer = setTimeout(() => {
    if (pending.get(path)?.timer !== timer) return;
    pending.delete(path);
    zero(plaintext);
  }, WAIT_MS);
  pending.set(path, { stamp, plaintext, timer, failure });
  return failure;
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

/**
 * One run of a job per key and version at a time: a call while the same version of the same key is running
 * joins that run. Every caller gets `copy` of the result; `release` is given the shared result once the last
 * caller has its copy. A finished run is forgotten at once (later calls start their own). An undefined
 * version (the file is gone) is never shared.
 */
export class InFlight<T> {
  private readonly running = new Map<string, { readonly version: string; readonly result: Promise<T>; callers: number }>();

  constructor(
    private readonly copy: (result: T) => T,
    private readonly release: (result: T) => void,
  ) {}

  async run(key: string, version: string | undefined, start: () => Promise<T>): Promise<T> {
    let run = this.running.get(key);
    if (version === undefined || run?.version !== version) {
      const started = (run = { version: version ?? '', result: start(), callers: 0 });
      const forget = () => void (this.running.get(key) === started && this.running.delete(key));
      // Registered before any caller awaits it, so it runs first: a call after the result starts anew.
      started.result.then(forget, forget);
      if (version !== undefined) this.running.set(key, started);
    }
    const joined = run;
    joined.callers++;
    try {
      return this.copy(await joined.result);
    } finally {
      if (--joined.callers === 0) joined.result.then(this.release, () => undefined);
    }
  }
}

const decrypting = new InFlight<Plaintext>(
  (p) => ({ ...p, content: p.content.slice() }),
  (p) => p.content.fill(0),
);

/**
 * Decrypts the envelope as you (recording the open), or joins a decryption of the same version of it that is
 * already running: one decryption and one audit entry for a burst of reads. Resolves to a copy of its own.
 */
export async function decryptShared(services: Services, envelope: vscode.Uri): Promise<Plaintext> {
  const path = envelope.fsPath;
  return decrypting.run(path, await stampOf(path), () => decrypt(services, envelope));
}
