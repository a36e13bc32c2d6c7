/**
 * `.gitignore` files as git reads them (`man gitignore`): patterns relative to the file's directory,
 * deeper files before shallower ones, the last matching pattern wins, and nothing inside an ignored
 * directory can be re-included. Pattern syntax is `glob.ts`'s; the walking stays with the hosts.
 */
import { globToRegExp } from '../glob.js';

/** One `.gitignore`: `dir` is its directory relative to the root (`''` for the root), POSIX separators. */
export interface IgnoreFile {
  readonly dir: string;
  readonly text: string;
}

/** Tells whether a root-relative POSIX path (a directory when `isDir`) is ignored. */
export type IgnoreMatcher = (relPath: string, isDir: boolean) => boolean;

interface Rule {
  readonly dir: string;
  readonly negate: boolean;
  readonly re: RegExp;
}

/** The patterns of one `.gitignore` text: comments, blanks and unescaped trailing spaces dropped. */
export function parseGitignore(text: string): { negate: boolean; pattern: string }[] {
  const out: { negate: boolean; pattern: string }[] = [];
  for (let line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    // Trailing spaces go unless escaped with a backslash.
    line = line.replace(/(?<!\\)\s+$/, '');
    if (line === '') continue;
    const negate = line.startsWith('!');
    const pattern = negate ? line.slice(1) : line;
    if (pattern === '' || pattern === '/') continue;
    out.push({ negate, pattern });
  }
  return out;
}

/**
 * Builds a matcher from `.gitignore` files (any order) and extra root-level patterns (the policy's
 * `detection.exclude`, gitignore syntax too), which apply after the files and so win over them.
 */
export function createIgnoreMatcher(files: readonly IgnoreFile[], extra: readonly string[] = []): IgnoreMatcher {
  const depth = (d: string): number => (d === '' ? 0 : d.split('/').length);
  const sorted = [...files].map((f) => ({ ...f, dir: f.dir.replace(/^\.?\/+|\/+$/g, '') })).sort((a, b) => depth(a.dir) - depth(b.dir));
  const rules: Rule[] = [];
  const add = (dir: string, negate: boolean, pattern: string): void => {
    try {
      rules.push({ dir, negate, re: globToRegExp(pattern) });
    } catch {
      // git skips a pattern it cannot read; so do we.
    }
  };
  for (const f of sorted) for (const p of parseGitignore(f.text)) add(f.dir, p.negate, p.pattern);
  for (const p of extra) add('', p.startsWith('!'), p.startsWith('!') ? p.slice(1) : p);

  // Shallow rules come first, so "last match wins" also lets a deeper .gitignore override a shallower one.
  const self = (path: string, isDir: boolean): boolean => {
    for (let i = rules.length - 1; i >= 0; i--) {
      const r = rules[i]!;
      let rel = path;
      if (r.dir !== '') {
        if (!path.startsWith(r.dir + '/')) continue;
        rel = path.slice(r.dir.length + 1);
      }
      if (r.re.test(isDir ? rel + '/' : rel)) return !r.negate;
    }
    return false;
  };
  return (relPath, isDir) => {
    const path = relPath.replace(/\/{2,}/g, '/').replace(/^(?:\.\/)+|\/+$/g, '');
    if (path === '' || path === '.git' || path.startsWith('.git/')) return path !== '';
    // A file inside an ignored directory stays ignored whatever a later `!` says.
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) if (self(parts.slice(0, i).join('/'), true)) return true;
    return self(path, isDir);
  };
}
