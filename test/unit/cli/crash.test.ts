/** A `sensitivity protect` killed with SIGKILL part-way leaves the original intact and no `.protected` file. */
import assert from 'node:assert/strict';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makePerson, spawnCli, tempDir } from './helpers.js';

const SIZE = 256 * 1024 * 1024;

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('crash safety', () => {
  const tmp = tempDir();
  after(() => tmp.dispose());

  it('SIGKILL during protect leaves the original byte-identical and no .protected', async () => {
    const ws = tmp.path;
    const alice = makePerson(ws, ws, 'Alice', 'alice@example.com');
    const file = join(ws, 'big.bin');
    const fd = openSync(file, 'w');
    const buf = Buffer.alloc(16 * 1024 * 1024);
    for (let i = 0; i < SIZE / buf.length; i++) writeSync(fd, randomFillSync(buf));
    closeSync(fd);
    const before = sha256File(file);

    const child = spawnCli(['protect', 'big.bin'], { home: alice.home, cwd: ws });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // Kill once the temporary output has real content: the process is part-way through the body.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const tmpFile = readdirSync(ws).find((n) => n.endsWith('.tmp'));
      if (tmpFile && statSync(join(ws, tmpFile)).size > 8 * 1024 * 1024) break;
      if (Date.now() > deadline) assert.fail('protect never started writing');
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', 'protect was killed before it finished');

    assert.equal(sha256File(file), before, 'the original is byte-identical');
    assert.deepEqual(readdirSync(ws).filter((n) => n.endsWith('.protected')), [], 'no .protected file');
  });
});
