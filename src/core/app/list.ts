/** `list`: every labeled plain file (manifest) and every protected file under a folder, none dropped. */
import { isSensitivityError, type ErrorCode } from '../errors.js';
import { isProtectedPath, joinPath, SKIPPED_DIRS } from '../paths.js';
import { checkCancelled } from './context.js';
import { inspect } from './inspect.js';
import { isDocumentPath } from './document-label.js';
import { labeledDocument, labeledPlain, readableInside, type LabeledFile } from './label.js';
import type { AppContext, Cancellable } from './ports.js';

/** A protected file that could not be read: listed with why, never silently dropped. */
export interface UnreadableFile {
  readonly path: string;
  readonly code: ErrorCode;
  readonly message: string;
}

export interface Listing {
  /** Sorted by path. */
  readonly files: readonly LabeledFile[];
  /** Protected files whose header does not parse or verify, and manifest entries for files that are gone. */
  readonly problems: readonly UnreadableFile[];
}

const byPath = <T extends { path: string }>(a: T, b: T) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * Lists `dir` ("" for the whole workspace). Labels the policy no longer knows are kept and flagged; a
 * document's label inside it wins over a manifest entry for it (which is then not listed).
 */
export async function list(ctx: AppContext, dir = '', opts: Cancellable & { onFile?: (path: string) => void } = {}): Promise<Listing> {
  const files: LabeledFile[] = [];
  const problems: UnreadableFile[] = [];
  const [manifest, policy] = await Promise.all([ctx.store.manifest(), ctx.store.policy()]);
  const prefix = dir === '' ? '' : `${dir}/`;
  for (const [path, entry] of Object.entries(manifest.files)) {
    if (!path.startsWith(prefix)) continue;
    if (await ctx.files.exists(path)) files.push(labeledPlain(policy, path, entry));
    else problems.push({ path, code: 'E_NOT_FOUND', message: 'is labeled in the manifest but no longer exists' });
  }
  const walk = async (d: string): Promise<void> => {
    for (const e of await ctx.files.list(d)) {
      checkCancelled(opts);
      const p = joinPath(d, e.name);
      if (e.kind === 'dir') {
        if (!SKIPPED_DIRS.has(e.name)) await walk(p);
      } else if (e.kind === 'file' && isDocumentPath(e.name)) {
        checkCancelled(opts);
        const inside = await readableInside(ctx, policy, p);
        if (inside) {
          const at = files.findIndex((f) => f.path === p);
          if (at >= 0) files.splice(at, 1);
          opts.onFile?.(p);
          files.push(labeledDocument(policy, p, inside));
        }
      } else if (e.kind === 'file' && isProtectedPath(e.name)) {
        opts.onFile?.(p);
        try {
          const info = await inspect(ctx, p);
          files.push({ path: p, label: info.label, protected: info });
        } catch (err) {
          if (!isSensitivityError(err)) throw err;
          problems.push({ path: p, code: err.code, message: err.message });
        }
      }
    }
  };
  await walk(dir);
  return { files: files.sort(byPath), problems: problems.sort(byPath) };
}
