/** `.gitignore` rules for the scanner's walk: cases, and git itself (`git ls-files`) as the oracle. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createIgnoreMatcher, parseGitignore } from '../../src/core/detect/index.js';

describe('gitignore', () => {
  it('parses comments, blanks, negation, escapes and trailing spaces', () => {
    assert.deepEqual(parseGitignore('# c\n\n*.log  \n!keep.log\n\\#hash\n\\!bang\nsp\\ \r\n'), [
      { negate: false, pattern: '*.log' },
      { negate: true, pattern: 'keep.log' },
      { negate: false, pattern: '\\#hash' },
      { negate: false, pattern: '\\!bang' },
      { negate: false, pattern: 'sp\\ ' },
    ]);
  });

  it('patterns are relative to their file; deeper files win; directories and their contents', () => {
    const m = createIgnoreMatcher([
      { dir: '', text: 'node_modules/\n*.log\n/dist\n' },
      { dir: 'pkg', text: '!debug.log\nlocal/\n/out\n' },
    ]);
    assert.equal(m('node_modules', true), true);
    assert.equal(m('a/node_modules/x/y.js', false), true);
    assert.equal(m('node_modules', false), false, 'a file named node_modules is not a directory');
    assert.equal(m('err.log', false), true);
    assert.equal(m('pkg/debug.log', false), false, 'the deeper file re-includes it');
    assert.equal(m('other/debug.log', false), true);
    assert.equal(m('dist/a.js', false), true);
    assert.equal(m('src/dist/a.js', false), false, 'anchored at the root');
    assert.equal(m('pkg/out/x', false), true);
    assert.equal(m('out/x', false), false);
    assert.equal(m('pkg/local/a.txt', false), true);
    assert.equal(m('.git/config', false), true);
    assert.equal(m('src/main.ts', false), false);
  });

  it('nothing inside an ignored directory comes back, whatever a later ! says', () => {
    const m = createIgnoreMatcher([{ dir: '', text: 'build/\n!build/keep.txt\n' }]);
    assert.equal(m('build/keep.txt', false), true);
  });

  it('extra patterns (the policy exclude list) apply at the root after the files', () => {
    const m = createIgnoreMatcher([{ dir: '', text: '!fixtures/**\n' }], ['fixtures/**', '*.min.js']);
    assert.equal(m('fixtures/a/b.txt', false), true);
    assert.equal(m('web/app.min.js', false), true);
    assert.equal(m('web/app.js', false), false);
  });

  it('agrees with git ls-files on random nested .gitignore files', { timeout: 180_000 }, (t) => {
    if (spawnSync('git', ['--version']).status !== 0) return t.skip('git is not installed');
    const segment = fc.constantFrom('a', 'b', 'ab', 'x.log', '.c', 'd.txt');
    const pathArb = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
    const token = fc.constantFrom('a', 'b', '*', '?', '**', '.log', '.txt', '[ab]', 'x', '/', 'd');
    const patternArb = fc
      .tuple(
        fc.boolean(),
        fc.array(token, { minLength: 1, maxLength: 4 }).map((ts) => ts.join('')),
      )
      .map(([neg, p]) => (neg ? '!' : '') + p)
      .filter((p) => !/^#/.test(p) && !/^!?\/?$/.test(p) && !/\/\//.test(p) && p.trim() === p);
    let compared = 0;
    let ignored = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const [rootRules, aRules, abRules, rawPaths] = fc.sample(
        fc.tuple(
          fc.array(patternArb, { minLength: 1, maxLength: 4 }),
          fc.array(patternArb, { maxLength: 3 }),
          fc.array(patternArb, { maxLength: 3 }),
          fc.uniqueArray(pathArb, { minLength: 30, maxLength: 30 }),
        ),
        { numRuns: 1, seed },
      )[0]!;
      const paths = rawPaths.filter((p) => !rawPaths.some((q) => q.startsWith(p + '/')) && !/(^|\/)\.gitignore$/.test(p));
      const files = [
        { dir: '', text: rootRules.join('\n') + '\n' },
        { dir: 'a', text: aRules.join('\n') + '\n' },
        { dir: 'a/b', text: abRules.join('\n') + '\n' },
      ];
      const repo = mkdtempSync(join(tmpdir(), 'ignore-git-'));
      try {
        assert.equal(spawnSync('git', ['init', '-q', repo]).status, 0);
        for (const p of paths) {
          mkdirSync(join(repo, dirname(p)), { recursive: true });
          writeFileSync(join(repo, p), '');
        }
        for (const f of files) {
          const dir = join(repo, f.dir);
          // A .gitignore cannot live where a file of the same path is.
          if (paths.includes(f.dir) || paths.some((p) => f.dir.startsWith(p + '/'))) continue;
          mkdirSync(dir, { recursive: true });
          writeFileSync(join(dir, '.gitignore'), f.text);
        }
        const r = spawnSync('git', ['-C', repo, 'ls-files', '--others', '--exclude-standard'], { encoding: 'utf8' });
        const kept = new Set(r.stdout.split('\n').filter((l) => l !== ''));
        const usable = files.filter((f) => !paths.includes(f.dir) && !paths.some((p) => f.dir.startsWith(p + '/')));
        const m = createIgnoreMatcher(usable);
        for (const p of paths) {
          assert.equal(m(p, false), !kept.has(p), `${p} with ${JSON.stringify(usable)}: git keeps it? ${kept.has(p)}`);
          compared++;
          if (!kept.has(p)) ignored++;
        }
      } finally {
        rmSync(repo, { recursive: true, force: true });
      }
    }
    assert.ok(compared > 400 && ignored > 50 && compared - ignored > 50, `compared ${compared}, ignored ${ignored}`);
  });
});
