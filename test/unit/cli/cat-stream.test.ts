/**
 * `sensitivity cat` streams in one pass, and still releases nothing from a truncated or extended file: the
 * file's size is checked against the authenticated header before the first byte is written.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, makePerson, tempDir, type Person } from './helpers.js';

const MiB = 1 << 20;
const SEALED_CHUNK = MiB + 16;

describe('cat streams a multi-chunk file in one pass', () => {
  const tmp = tempDir();
  const ws = tmp.path;
  let alice: Person;
  const text = 'a line of the secret plan, repeated until the file spans several chunks\n'.repeat(Math.ceil((3 * MiB + 100) / 72));
  let good: Buffer;

  before(() => {
    alice = makePerson(ws, ws, 'Alice', 'alice@example.com');
    writeFileSync(join(ws, 'plan.txt'), text);
    const r = alice.run(['protect', 'plan.txt']);
    assert.equal(r.code, 0, r.stderr);
    good = readFileSync(join(ws, 'plan.txt.protected'));
  });
  after(() => tmp.dispose());

  /** `sensitivity cat FILE` as Alice, its whole output kept (more than spawnSync keeps by default). */
  const cat = (file: string) => {
    const r = spawnSync(process.execPath, [CLI, 'cat', file], {
      cwd: ws,
      encoding: 'utf8',
      maxBuffer: 64 * MiB,
      env: { PATH: process.env.PATH ?? '', SENSITIVITY_HOME: alice.home },
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  it('prints the whole plaintext of an intact file', () => {
    const r = cat('plan.txt.protected');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, text);
  });

  it('a truncated or extended file releases zero bytes (exit 4)', () => {
    const cases: [string, Buffer][] = [
      ['one byte short', good.subarray(0, good.length - 1)],
      ['the last chunk cut off', good.subarray(0, good.length - (good.length % SEALED_CHUNK))],
      ['two whole chunks cut off', good.subarray(0, good.length - 2 * SEALED_CHUNK)],
      ['one byte appended', Buffer.concat([good, Buffer.of(0)])],
      ['a chunk appended', Buffer.concat([good, good.subarray(good.length - SEALED_CHUNK)])],
    ];
    for (const [name, bytes] of cases) {
      writeFileSync(join(ws, 'cut.txt.protected'), bytes);
      const r = cat('cut.txt.protected');
      assert.equal(r.code, 4, `${name}: ${r.stderr}`);
      assert.equal(r.stdout, '', `${name}: released ${r.stdout.length} bytes`);
      assert.match(r.stderr, /cut\.txt\.protected/);
    }
  });

  it('a tampered chunk stops the output before it: what was printed is the authentic start (exit 4)', () => {
    const bad = Buffer.from(good);
    const bodyStart = good.length - (text.length + Math.ceil(text.length / MiB) * 16);
    bad[bodyStart + 2 * SEALED_CHUNK + 1000]! ^= 1; // inside chunk 2
    writeFileSync(join(ws, 'bad.txt.protected'), bad);
    const r = cat('bad.txt.protected');
    assert.equal(r.code, 4, r.stderr);
    assert.ok(r.stdout.length <= 2 * MiB, `printed ${r.stdout.length} bytes`);
    assert.equal(r.stdout, text.slice(0, r.stdout.length));
  });
});
