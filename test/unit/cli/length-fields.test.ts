/**
 * A crafted 3 KB file whose header declares a huge body (issue 20, item 5): every command that reads a
 * protected file refuses it with a stable code (E_FORMAT) — before this, a write block of 2–4 GiB went to one
 * read and Node aborted (SIGABRT), and 4 GiB or more ended in exit 1 without a code. Run through the stock
 * CLI; test/unit/envelope-lengths.test.ts reads the same headers as streams.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, introduce, makePerson, tempDir, type Person, type Run } from './helpers.js';

const MiB = 1 << 20;

/** `good` with its plaintext length set to `chunks` chunks of its chunk size (header offset 14, big-endian). */
function declaring(good: Buffer, chunks: number): Buffer {
  const b = Buffer.from(good);
  b.writeBigUInt64BE(BigInt(b.readUInt32BE(10)) * BigInt(chunks), 14);
  return b;
}

/** What a write block of `chunks` chunks weighs: 32 bytes per chunk digest plus 1024 for the signature. */
const writeBlock = (chunks: number): number => chunks * 32 + 1024;

const CASES: readonly [string, number][] = [
  ['a 2–4 GiB write block', 80_000_000],
  ['a write block of 4 GiB or more', 140_000_000],
  ['the largest write block the format allows (1 GiB), 3 KB on disk', 2 ** 25],
  ['2^32 chunks', 2 ** 32],
];

describe('declared lengths beyond the file (crafted header)', () => {
  const tmp = tempDir();
  const ws = join(tmp.path, 'ws');
  let alice: Person;
  let good: Buffer;

  before(() => {
    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    alice = makePerson(tmp.path, ws, 'Alice', 'alice@example.com');
    introduce(alice, makePerson(tmp.path, ws, 'Bob', 'bob@example.com'));
    writeFileSync(join(ws, 'plan.txt'), 'the plan\n');
    const r = alice.run(['protect', 'plan.txt', '--label', 'General']);
    assert.equal(r.code, 0, r.stderr);
    good = readFileSync(join(ws, 'plan.txt.protected'));
    assert.equal(good.readUInt32BE(10), MiB, 'the default chunk size');
  });
  after(() => tmp.dispose());

  /** No signal, no uncoded exit: a status the CLI gives coded errors, and the code on stderr. */
  function refused(r: Run & { signal?: string | null }, what: string, code = 4): void {
    assert.equal(r.signal ?? null, null, `${what}: killed by ${r.signal}`);
    assert.equal(r.code, code, `${what}: exit ${r.code}: ${r.stderr}`);
    // E_INTEGRITY when the command authenticates the header (with its file key) before reading lengths.
    assert.match(r.stderr, /\[E_(FORMAT|INTEGRITY)\]/, `${what}: ${r.stderr}`);
  }

  const run = (args: readonly string[]): Run & { signal: string | null } => {
    const r = spawnSync(process.execPath, [CLI, ...args], {
      cwd: ws,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', SENSITIVITY_HOME: alice.home },
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
  };

  for (const [name, chunks] of CASES) {
    it(`${name} (${(writeBlock(chunks) / 2 ** 30).toFixed(2)} GiB): every reader refuses it with a code`, () => {
      writeFileSync(join(ws, 'crafted.txt.protected'), declaring(good, chunks));
      for (const args of [['inspect'], ['cat'], ['label', 'get'], ['unprotect', '--keep'], ['grant'], ['revoke']]) {
        const extra = args[0] === 'grant' ? ['bob@example.com=Viewer'] : args[0] === 'revoke' ? ['bob@example.com'] : [];
        refused(run([...args, 'crafted.txt.protected', ...extra]), args.join(' '));
      }
      // Listings and the pre-commit check go on past the file, naming it.
      const list = run(['label', 'list']);
      refused(list, 'label list', 1);
      assert.match(list.stdout, /^plan\.txt\.protected\tGeneral/m, 'the good file is still listed');
      for (const args of [['scan'], ['check']]) {
        const r = run([...args, 'crafted.txt.protected', 'plan.txt.protected']);
        assert.equal(r.signal, null, `${args[0]}: killed by ${r.signal}`);
        assert.ok(r.code === 0 || r.code === 1, `${args[0]}: exit ${r.code}: ${r.stderr}`);
      }
      // git's diff driver always exits 0, with one line saying why it shows no content.
      const diff = run(['git', 'textconv', 'crafted.txt.protected']);
      assert.equal(diff.signal, null);
      assert.equal(diff.code, 0, diff.stderr);
      assert.match(diff.stdout, /E_FORMAT/);
    });
  }
});
