/**
 * gitignore-style globs over workspace-relative POSIX paths (the rules of `man gitignore`, PATTERN FORMAT),
 * plus `{a,b}` alternatives as editors write them. Used for the policy's mandatory globs and detection excludes.
 *
 * - `*` matches anything but `/`, `?` one character but `/`, `[a-z]` / `[!a-z]` / `[^a-z]` a class (never `/`).
 * - `**` as a whole segment spans directories: `**\/x` at any depth, `a/**` everything inside `a`,
 *   `a/**\/b` zero or more directories between; elsewhere `**` is a plain `*`.
 * - A pattern with a `/` at its start or middle is anchored at the workspace root; otherwise it matches at
 *   any depth. A trailing `/` matches directories only.
 * - A pattern that matches a directory matches everything inside it (as git ignores a directory's contents).
 * - `\` escapes the next character. In a list, `!` negates and the last matching pattern wins.
 */

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alpha: 'A-Za-z',
  digit: '0-9',
  alnum: 'A-Za-z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  xdigit: '0-9A-Fa-f',
  punct: '!-\\/:-@\\[-`{-~',
};

/** More alternatives than this in one pattern is a mistake, not a glob. */
const MAX_ALTERNATIVES = 1024;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** Translates a `[...]` class starting at `start`; undefined when it is not closed (then `[` is literal). */
function translateClass(p: string, start: number): { re: string; end: number } | undefined {
  let i = start + 1;
  const negate = p[i] === '!' || p[i] === '^';
  if (negate) i++;
  let body = '';
  let first = true;
  while (i < p.length) {
    const c = p[i]!;
    if (c === ']' && !first) {
      // A class never matches `/` (FNM_PATHNAME).
      return { re: negate ? `[^/${body}]` : `(?!/)[${body}]`, end: i + 1 };
    }
    first = false;
    if (c === '[' && p[i + 1] === ':') {
      const close = p.indexOf(':]', i + 2);
      const name = close > 0 ? p.slice(i + 2, close) : '';
      const cls = POSIX_CLASSES[name];
      if (cls !== undefined) {
        body += cls;
        i = close + 2;
        continue;
      }
    }
    if (c === '\\' && i + 1 < p.length) {
      body += escapeRegExp(p[i + 1]!);
      i += 2;
      continue;
    }
    if (c === '-' && body !== '' && p[i + 1] !== undefined && p[i + 1] !== ']') {
      body += '-';
      i++;
      continue;
    }
    body += escapeRegExp(c);
    i++;
  }
  return undefined;
}

/** Splits `{a,b,c}` starting at `start` into its top-level alternatives; undefined when it is not one. */
function splitBraces(p: string, start: number): { alternatives: string[]; end: number } | undefined {
  let depth = 0;
  let from = start + 1;
  const alternatives: string[] = [];
  for (let i = start; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      i++;
    } else if (c === '{') {
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) {
        alternatives.push(p.slice(from, i));
        return alternatives.length > 1 ? { alternatives, end: i + 1 } : undefined;
      }
    } else if (c === ',' && depth === 1) {
      alternatives.push(p.slice(from, i));
      from = i + 1;
    }
  }
  return undefined;
}

/** Translates a pattern body (no anchoring, no trailing slash) to a RegExp source. */
function translate(p: string, budget: { alternatives: number }): string {
  let re = '';
  for (let i = 0; i < p.length;) {
    const c = p[i]!;
    if (c === '\\') {
      re += escapeRegExp(p[i + 1] ?? '\\');
      i += 2;
    } else if (c === '*') {
      let j = i;
      while (p[j] === '*') j++;
      const segmentStart = i === 0 || p[i - 1] === '/';
      const segmentEnd = j === p.length || p[j] === '/';
      if (j - i >= 2 && segmentStart && segmentEnd) {
        if (j === p.length) {
          // `a/**`: everything inside; a whole pattern `**`: everything.
          re += i === 0 ? '.*' : '.+';
          i = j;
        } else {
          // `**/` at the start or after a `/`: zero or more directories.
          re += '(?:.*/)?';
          i = j + 1;
        }
      } else {
        re += '[^/]*';
        i = j;
      }
    } else if (c === '?') {
      re += '[^/]';
      i++;
    } else if (c === '[') {
      const cls = translateClass(p, i);
      re += cls ? cls.re : '\\[';
      i = cls ? cls.end : i + 1;
    } else if (c === '{') {
      const braces = splitBraces(p, i);
      if (braces) {
        budget.alternatives += braces.alternatives.length;
        if (budget.alternatives > MAX_ALTERNATIVES) throw new RangeError(`glob "${p}" has too many {…} alternatives`);
        re += `(?:${braces.alternatives.map((a) => translate(a, budget)).join('|')})`;
        i = braces.end;
      } else {
        re += '\\{';
        i++;
      }
    } else {
      re += escapeRegExp(c);
      i++;
    }
  }
  return re;
}

/**
 * Compiles one gitignore-style pattern (no `!`) to a RegExp testing workspace-relative POSIX paths.
 * The RegExp also matches any path inside a matched directory.
 */
export function globToRegExp(pattern: string): RegExp {
  if (pattern === '') throw new RangeError('a glob cannot be empty');
  let p = pattern;
  const dirOnly = p.length > 1 && p.endsWith('/') && !p.endsWith('\\/');
  if (dirOnly) p = p.slice(0, -1);
  // Any `/` left (escaped or not, as git counts it) anchors the pattern.
  const anchored = p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  const body = translate(p, { alternatives: 0 });
  const prefix = anchored ? '^' : '^(?:.*/)?';
  // A directory-only pattern needs something below the match; any other pattern may match an ancestor.
  const suffix = dirOnly ? '/.*$' : '(?:/.*)?$';
  return new RegExp(prefix + body + suffix, 's');
}

/** Strips a leading `./` and repeated slashes, so `./a//b` and `a/b` are the same path. */
function normalizePath(path: string): string {
  return path.replace(/\/{2,}/g, '/').replace(/^(\.\/)+/, '');
}

/** True when `path` (workspace-relative, POSIX) matches the gitignore-style `pattern`. */
export function matchesGlob(pattern: string, path: string): boolean {
  return globToRegExp(pattern).test(normalizePath(path));
}

/**
 * Compiles a list of patterns, gitignore-style: `!pattern` negates, the last matching pattern wins
 * (`\!` is a literal `!`). An empty list matches nothing.
 */
export function compileGlobs(patterns: readonly string[]): (path: string) => boolean {
  const compiled = patterns.map((raw) => {
    const negate = raw.startsWith('!');
    return { negate, re: globToRegExp(negate ? raw.slice(1) : raw) };
  });
  return (path) => {
    const p = normalizePath(path);
    for (let i = compiled.length - 1; i >= 0; i--) {
      if (compiled[i]!.re.test(p)) return !compiled[i]!.negate;
    }
    return false;
  };
}
