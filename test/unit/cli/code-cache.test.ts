/**
 * The `sensitivity` executable's code cache (src/cli/bin.ts, issue 24): a cache that V8 cannot use — garbage, cut
 * short, emptied, or damaged inside while its header still looks right — is ignored and rewritten, and the command
 * prints exactly what it prints without one; it never crashes the process. A usable cache is read, not rewritten.
 * Runs a copy of the built dist/cli.js and dist/cli-main.js in a folder of its own (the caches live beside them).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI, makePerson, tempDir } from './helpers.js';

describe('the CLI code cache', () => {
  const tmp = tempDir('sensitivity-code-cache-');
  after(() => tmp.dispose());
  const bin = join(tmp.path, 'bin');
  mkdirSync(bin);
  for (const f of ['cli.js', 'cli-main.js']) copyFileSync(join(CLI, '..', f), join(bin, f));
  const ws = join(tmp.path, 'ws');
  mkdirSync(join(ws, '.sensitivity'), { recursive: true });
  const alice = makePerson(tmp.path, ws, 'Alice', 'alice@example.com');
  writeFileSync(join(ws, 'note.md'), 'hello\n');
  assert.equal(alice.run(['protect', 'note.md']).code, 0);

  const run = (args: readonly string[]) =>
    spawnSync(process.execPath, [join(bin, 'cli.js'), ...args], { cwd: ws, env: { PATH: process.env.PATH ?? '', SENSITIVITY_HOME: alice.home } });
  /** The one cache file of `command` (the first word of the command line, `other` for --version). */
  const cacheOf = (command: string) => {
    const found = readdirSync(bin).filter((f) => f.endsWith(`.${command}.cache`));
    assert.equal(found.length, 1, `one cache for ${command}: ${found.join(', ')}`);
    return join(bin, found[0]!);
  };

  const damages: [string, (good: Buffer) => Buffer][] = [
    ['garbage', (good) => Buffer.from(good.map((_, i) => (i * 131 + 7) & 0xff))],
    ['cut short', (good) => good.subarray(0, good.length >> 1)],
    ['empty', () => Buffer.alloc(0)],
    // The header (magic, V8 version, flags, length) intact, the code inside changed: crashed V8 before issue 24.
    ['damaged inside', (good) => Buffer.from(good.map((b, i) => (i >= 64 && i % 997 === 0 ? b ^ 0x55 : b)))],
  ];

  for (const [args, command, expected] of [
    [['--version'], 'other', /^sensitivity \d+\.\d+\.\d+\n$/],
    [['git', 'textconv', 'note.md.protected'], 'git', /^hello\n$/],
  ] as const) {
    it(`${args.join(' ')}: an unusable cache is ignored and rewritten, never a crash`, () => {
      const first = run(args);
      assert.equal(first.status, 0, first.stderr.toString());
      assert.match(first.stdout.toString(), expected);
      const path = cacheOf(command);
      const good = readFileSync(path);
      assert.ok(good.length > 1024, 'the first run wrote a cache');
      const reused = run(args);
      assert.equal(reused.status, 0);
      assert.deepEqual(reused.stdout, first.stdout);
      assert.deepEqual(readFileSync(path), good, 'a usable cache is not rewritten');
      for (const [what, damage] of damages) {
        const bad = damage(good);
        writeFileSync(path, bad);
        const r = run(args);
        assert.equal(r.signal, null, `${what}: killed by ${r.signal}: ${r.stderr.toString().slice(0, 300)}`);
        assert.equal(r.status, 0, `${what}: ${r.stderr.toString().slice(0, 300)}`);
        assert.deepEqual(r.stdout, first.stdout, what);
        assert.equal(r.stderr.toString(), '', what);
        const rewritten = readFileSync(path);
        assert.ok(rewritten.length > 1024 && !rewritten.equals(bad), `${what}: the cache was rewritten`);
        // What was rewritten is usable: the next run reads it and leaves it as it is.
        const mtime = statSync(path).mtimeMs;
        assert.equal(run(args).status, 0);
        assert.deepEqual(readFileSync(path), rewritten, `${what}: the rewritten cache is used`);
        assert.equal(statSync(path).mtimeMs, mtime);
      }
    });
  }
});
