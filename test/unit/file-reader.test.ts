/** The Node positional reader: regular files read at offsets, anything else as a stream, handles closed. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createWriteStream, promises as fs, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { handleSource, withFileSource } from '../../src/node/file-reader.js';
import { tempDir } from './cli/helpers.js';

/** This process's descriptors open on `path` (other descriptors come and go: tsx's compiler service, say). */
const fdsOn = (path: string) =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;

describe('file reader', () => {
  const tmp = tempDir();
  after(() => tmp.dispose());

  it('reads a regular file at any offset, knowing its size before the first read', async () => {
    const data = randomFillSync(new Uint8Array(100_000));
    const path = join(tmp.path, 'data.bin');
    writeFileSync(path, data);
    await withFileSource(path, async (src) => {
      assert.ok(!(Symbol.asyncIterator in src), 'random access');
      if (Symbol.asyncIterator in src) return;
      assert.equal(src.size, data.length);
      const buf = new Uint8Array(1000);
      assert.equal(await src.read(buf, 50_000), 1000);
      assert.deepEqual(buf, data.subarray(50_000, 51_000));
      assert.equal(await src.read(buf, data.length - 10), 10, 'short at the end');
      assert.equal(await src.read(buf, data.length), 0, 'nothing past it');
    });
  });

  it('reads a pipe as a stream (its size cannot be known up front) and leaves the handle to its owner', async () => {
    const fifo = join(tmp.path, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = new Promise<void>((resolve, reject) => {
      const w = createWriteStream(fifo);
      w.on('error', reject);
      // Closed, not only finished: the next test counts this process's open descriptors.
      w.on('close', resolve);
      w.end(Buffer.from('through a pipe'));
    });
    const handle = await fs.open(fifo, 'r');
    try {
      const src = await handleSource(handle);
      assert.ok(Symbol.asyncIterator in src, 'a stream');
      const pieces: Uint8Array[] = [];
      if (Symbol.asyncIterator in src) for await (const p of src) pieces.push(p);
      assert.equal(Buffer.concat(pieces).toString(), 'through a pipe');
      await writer;
      assert.equal((await handle.stat()).isFIFO(), true, 'the handle is still open');
    } finally {
      await handle.close();
    }
  });

  it('withFileSource closes the file whatever happens', async () => {
    const path = join(tmp.path, 'small.txt');
    writeFileSync(path, 'x');
    await assert.rejects(
      withFileSource(path, () => Promise.reject(new Error(`boom with ${fdsOn(path)} open`))),
      /boom with 1 open/,
    );
    assert.equal(fdsOn(path), 0);
    await withFileSource(path, async () => assert.equal(fdsOn(path), 1));
    assert.equal(fdsOn(path), 0);
  });
});
