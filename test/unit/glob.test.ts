/** gitignore-style globs: the rules case by case, and git itself (`git check-ignore`) as the oracle. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileGlobs, globToRegExp, matchesGlob } from '../../src/core/glob.js';

function check(pattern: string, yes: string[], no: string[]) {
  for (const p of yes) assert.ok(matchesGlob(pattern, p), `${pattern} should match ${p}`);
  for (const p of no) assert.ok(!matchesGlob(pattern, p), `${pattern} should not match ${p}`);
}

describe('glob', () => {
  it('a pattern without a slash matches a name at any depth', () => {
    check('*.pem', ['key.pem', 'a/b/key.pem', '.pem'], ['key.pem.txt', 'pem', 'keypem']);
    check('secrets', ['secrets', 'a/secrets', 'secrets/x', 'a/secrets/b/c'], ['secretsx', 'a/mysecrets']);
  });

  it('a slash at the start or middle anchors at the root', () => {
    check('/build', ['build', 'build/x'], ['a/build', 'a/build/x']);
    check('docs/*.md', ['docs/a.md', 'docs/a.md/inner'], ['a/docs/a.md', 'docs/sub/a.md', 'docs/a.mdx']);
  });

  it('a trailing slash matches directories only (what is inside them)', () => {
    check('build/', ['build/x', 'a/build/x/y'], ['build', 'a/build', 'buildx/y']);
    check('a/b/', ['a/b/c'], ['a/b', 'x/a/b/c']);
  });

  it('* and ? never cross a slash; a dotfile is matched like any name', () => {
    check('a*c', ['ac', 'abc', 'abbbc', 'x/abc'], ['a/c', 'ab/c']);
    check('a?c', ['abc', 'a.c'], ['ac', 'a/c', 'abbc']);
    check('*', ['.env', 'x', 'a/b'], []);
    check('.env*', ['.env', '.env.local', 'app/.env.production'], ['env', 'x.env']);
  });

  it('** spans directories only as a whole segment', () => {
    check('**/x', ['x', 'a/x', 'a/b/x', 'x/y'], ['ax', 'a/xy']);
    check('a/**', ['a/x', 'a/b/c'], ['a', 'b/a/x']);
    check('a/**/b', ['a/b', 'a/x/b', 'a/x/y/b', 'a/b/c'], ['a/xb', 'b', 'x/a/b']);
    check('**', ['x', 'a/b/c'], []);
    // Not a whole segment: a plain star.
    check('a**b', ['ab', 'axxb'], ['a/b', 'ax/yb']);
    check('/**/*.key', ['k.key', 'a/b/k.key'], ['k.keys']);
  });

  it('classes, ranges, negation and POSIX classes; a class never matches /', () => {
    check('[abc].txt', ['a.txt', 'c.txt'], ['d.txt', 'ab.txt']);
    check('[a-c]x', ['ax', 'bx', 'cx'], ['dx', 'Ax']);
    check('[!a-c]x', ['dx', 'Ax', '.x'], ['ax', '/x']);
    check('[^a]x', ['bx'], ['ax']);
    check('[]]', [']'], ['a']);
    check('[a-]', ['a', '-'], ['b']);
    check('x[[:digit:]]', ['x1', 'x9'], ['xa']);
    check('a[/]b', [], ['a/b']);
    check('a[!x]b', [], ['a/b']);
    // Unclosed: a literal bracket.
    check('a[b', ['a[b'], ['ab']);
  });

  it('{a,b} alternatives, nested, and literal braces without a comma', () => {
    check('*.{pem,key}', ['a.pem', 'd/a.key'], ['a.crt', 'a.{pem,key}']);
    check('{src,lib}/**/*.ts', ['src/a.ts', 'lib/x/y.ts'], ['test/a.ts', 'x/src/a.ts']);
    check('a{b,c{d,e}}', ['ab', 'acd', 'ace'], ['ac', 'acf']);
    check('{x}', ['{x}'], ['x']);
    check('a{b', ['a{b'], ['ab']);
    assert.throws(() => globToRegExp('{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}'.repeat(60)), RangeError);
  });

  it('escapes and regex metacharacters are literal', () => {
    check('a\\*b', ['a*b'], ['axb']);
    check('\\!important', ['!important'], ['important']);
    check('a.b+(c)|$^', ['a.b+(c)|$^'], ['axb+(c)|$^', 'a.bb(c)|$^']);
    check('a\\/b', ['a/b'], ['x/a/b']);
  });

  it('normalizes ./ and doubled slashes in paths; refuses an empty pattern', () => {
    check('/a/b', ['./a/b', 'a//b'], []);
    assert.throws(() => globToRegExp(''), RangeError);
  });

  it('lists: !negation and the last match wins', () => {
    const m = compileGlobs(['contracts/', '!contracts/templates/', '**/*.csv']);
    assert.equal(m('contracts/a.pdf'), true);
    assert.equal(m('contracts/templates/t.docx'), false);
    assert.equal(m('contracts/templates/data.csv'), true);
    assert.equal(m('readme.md'), false);
    assert.equal(compileGlobs([])('anything'), false);
  });

  it('agrees with git check-ignore on random patterns and paths', { timeout: 120_000 }, (t) => {
    if (spawnSync('git', ['--version']).status !== 0) return t.skip('git is not installed');
    const segment = fc.constantFrom('a', 'b', 'ab', 'x.y', '.a', 'b.txt');
    const pathArb = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
    const token = fc.constantFrom('a', 'b', '*', '?', '**', '.', '.txt', '[ab]', '[!a]', 'x', '/');
    const patternArb = fc
      .array(token, { minLength: 1, maxLength: 6 })
      .map((ts) => ts.join(''))
      .filter((p) => !/^[!#]/.test(p) && p !== '/' && !/\/\//.test(p) && p.trim() === p);
    const samples = fc.sample(fc.tuple(fc.array(patternArb, { minLength: 120, maxLength: 120 }), fc.uniqueArray(pathArb, { minLength: 40, maxLength: 40 })), {
      numRuns: 1,
      seed: 7,
    })[0]!;
    const [patterns, rawPaths] = samples;
    // A path cannot be a file and a directory at once: drop those that are directories of others.
    const paths = rawPaths.filter((p) => !rawPaths.some((q) => q.startsWith(p + '/')));
    const repo = mkdtempSync(join(tmpdir(), 'glob-git-'));
    try {
      assert.equal(spawnSync('git', ['init', '-q', repo]).status, 0);
      for (const p of paths) {
        mkdirSync(join(repo, dirname(p)), { recursive: true });
        writeFileSync(join(repo, p), '');
      }
      let compared = 0;
      for (const pattern of [...patterns, '**/b', 'a/**', 'a/**/b', '*.txt', 'a/', '/a', '[!a]*', 'a/*/b']) {
        writeFileSync(join(repo, '.gitignore'), pattern + '\n');
        const r = spawnSync('git', ['-C', repo, 'check-ignore', '--no-index', '--stdin', '-v', '-n'], { input: paths.join('\n') + '\n', encoding: 'utf8' });
        const gitSays = new Map(
          r.stdout
            .trim()
            .split('\n')
            .map((l) => [l.split('\t')[1]!, !l.startsWith('::')] as const),
        );
        for (const p of paths) {
          assert.equal(matchesGlob(pattern, p), gitSays.get(p), `pattern ${JSON.stringify(pattern)} on ${p}: git says ${gitSays.get(p)}`);
          compared++;
        }
      }
      assert.ok(compared > 2000, `compared ${compared}`);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
