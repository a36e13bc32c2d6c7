/**
 * One home for the names every host shares: the protected-file extension, the workspace folder, the
 * folders no walk enters, and the POSIX path arithmetic of workspace-relative paths (the core has no
 * `node:path`; hosts convert their own paths at the boundary).
 */

/** The extension of a protected envelope: `notes.md` → `notes.md.protected`. */
export const PROTECTED_EXT = '.protected';

/** The workspace's own folder: policy.json, people.json, labels.json. */
export const WORKSPACE_DIR = '.sensitivity';

/** Folders no walk ever enters: version control internals and the workspace's own folder. */
export const ALWAYS_SKIPPED_DIRS: ReadonlySet<string> = new Set(['.git', '.hg', '.svn', WORKSPACE_DIR]);

/** Folders listings and the access panel skip; scans skip only ALWAYS_SKIPPED_DIRS (and what .gitignore says). */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([...ALWAYS_SKIPPED_DIRS, 'node_modules']);

/** True for a path named like a protected envelope (says nothing about its bytes). */
export const isProtectedPath = (path: string): boolean => path.endsWith(PROTECTED_EXT) && path.length > PROTECTED_EXT.length;

/** The envelope path of a plain file. */
export const protectedPathOf = (plain: string): string => plain + PROTECTED_EXT;

/** The plain path an envelope unprotects to. */
export const plainPathOf = (envelope: string): string => envelope.slice(0, -PROTECTED_EXT.length);

/** The last segment of a POSIX path. */
export const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** The folder part of a POSIX path ("" for a top-level file). */
export const dirName = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('/')));

/** `a` and `b` joined with one `/` ("" joins to the other side). */
export const joinPath = (a: string, b: string): string => (a === '' ? b : b === '' ? a : `${a}/${b}`);

/** The extension of a POSIX path's last segment, lower-cased, with its dot ("" when none). */
export function extName(path: string): string {
  const base = baseName(path);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}
