/**
 * `sensitivity protect` and `unprotect` of a 256 MiB file killed with SIGKILL part-way: the original is
 * intact, no output appears, the partial temp file is private (0600), and the next run on the folder
 * removes it — no plaintext is left anywhere.
 */
import assert from 'node:assert/strict';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makePerson, spawnCli, tempDir, type Person } from './helpers.js';

const SIZE = 256 * 1024 * 1024;

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Runs the CLI and SIGKILLs it once its temp file for `output` holds more than 8 MiB; returns that temp's name. */
async function killMidWrite(person: Person, args: readonly string[], ws: string, output: string): Promise<string> {
  const child = spawnCli(args, { home: person.home, cwd: ws });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const prefix = `.${output}.sensitivity-tmp.${child.pid}.`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const tmpFile = readdirSync(ws).find((n) => n.startsWith(prefix));
    if (tmpFile && statSync(join(ws, tmpFile)).size > 8 * 1024 * 1024) {
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL', `${args[0]} was killed before it finished`);
      return tmpFile;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      assert.fail(`${args[0]} never started writing`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The workspace's files, without the person's home folder and the workspace folder. */
const files = (ws: string) =>
  readdirSync(ws)
    .filter((n) => !n.startsWith('home-') && n !== '.sensitivity')
    .sort();

describe('crash safety', () => {
  const tmp = tempDir();
  after(() => tmp.dispose());
  const ws = tmp.path;
  let alice: Person;
  let before: string;

  it('SIGKILL during protect leaves the original byte-identical, no .protected, and a temp the next run removes', async () => {
    alice = makePerson(ws, ws, 'Alice', 'alice@example.com');
    const file = join(ws, 'big.bin');
    const fd = openSync(file, 'w', 0o600);
    const buf = Buffer.alloc(16 * 1024 * 1024);
    for (let i = 0; i < SIZE / buf.length; i++) writeSync(fd, randomFillSync(buf));
    closeSync(fd);
    before = sha256File(file);

    const temp = await killMidWrite(alice, ['protect', 'big.bin'], ws, 'big.bin.protected');
    assert.equal(sha256File(file), before, 'the original is byte-identical');
    assert.deepEqual(files(ws), [temp, 'big.bin'].sort(), 'no .protected file');
    assert.equal(statSync(join(ws, temp)).mode & 0o777, 0o600);

    const again = alice.run(['protect', 'big.bin']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(files(ws), ['big.bin.protected'], 'the next run removed the temp');
  });

  it('SIGKILL during unprotect leaves no plaintext but a 0600 temp, which the next run on the folder removes', async () => {
    const temp = await killMidWrite(alice, ['unprotect', 'big.bin.protected'], ws, 'big.bin');
    assert.deepEqual(files(ws), [temp, 'big.bin.protected'].sort(), 'no plaintext output');
    assert.equal(statSync(join(ws, temp)).mode & 0o777, 0o600, 'the partial plaintext is readable by its owner only');

    const next = alice.run(['inspect', 'big.bin.protected']);
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(files(ws), ['big.bin.protected'], 'no plaintext anywhere');

    const done = alice.run(['unprotect', 'big.bin.protected']);
    assert.equal(done.code, 0, done.stderr);
    assert.equal(sha256File(join(ws, 'big.bin')), before);
    assert.equal(statSync(join(ws, 'big.bin')).mode & 0o777, 0o600, 'the plaintext has the envelope mode');
  });
});
