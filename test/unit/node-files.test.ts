/** The Node adapters of the app ports against the real disk: one descriptor per file, exclusive creation, locked updates. */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isSensitivityError } from '../../src/core/errors.js';
import type { RandomAccessSource } from '../../src/core/ports.js';
import { setLabel } from '../../src/core/labels/index.js';
import { DEFAULT_POLICY } from '../../src/core/policy/index.js';
import { nodeFiles } from '../../src/node/files.js';
import { posixRelative } from '../../src/node/paths.js';
import { openWorkspace } from '../../src/node/workspace.js';
import { tempDir } from './cli/helpers.js';

const tmp = tempDir('sensitivity-files-');
after(() => tmp.dispose());

/** All of a random-access source, read at offset 0. */
async function drain(src: RandomAccessSource): Promise<string> {
  const buf = new Uint8Array(src.size);
  const n = await src.read(buf, 0);
  return Buffer.from(buf.subarray(0, n)).toString('utf8');
}

describe('node files adapter', () => {
  it('reads every pass through the descriptor opened first, even after the path is swapped', async () => {
    const root = await fs.mkdtemp(join(tmp.path, 'swap-'));
    const files = nodeFiles(root);
    await fs.writeFile(join(root, 'a.txt'), 'original');
    const h = await files.open('a.txt');
    try {
      await fs.writeFile(join(root, 'b.txt'), 'swapped in');
      await fs.rename(join(root, 'b.txt'), join(root, 'a.txt'));
      assert.equal(await drain(h), 'original');
      assert.equal(await drain(h), 'original', 'a second pass reads the same file again');
      assert.equal(h.size, 8);
    } finally {
      await h.close();
    }
  });

  it('creates exclusively: a file that appears while writing is never overwritten, and no temp file is left', async () => {
    const root = await fs.mkdtemp(join(tmp.path, 'excl-'));
    const files = nodeFiles(root);
    const racer = join(root, 'out.txt');
    let caught: unknown;
    await files
      .create('out.txt', 0o600, async (sink) => {
        await sink.write(new TextEncoder().encode('ours'));
        await fs.writeFile(racer, 'theirs');
      })
      .catch((e: unknown) => (caught = e));
    assert.ok(isSensitivityError(caught, 'E_EXISTS'), String(caught));
    assert.equal(await fs.readFile(racer, 'utf8'), 'theirs');
    assert.deepEqual(await fs.readdir(root), ['out.txt']);
  });

  it('creates with the mode asked for, and removes the temp file when produce throws', async () => {
    const root = await fs.mkdtemp(join(tmp.path, 'mode-'));
    const files = nodeFiles(root);
    await files.create('plain.txt', 0o640, (sink) => sink.write(new TextEncoder().encode('x')));
    assert.equal((await fs.stat(join(root, 'plain.txt'))).mode & 0o777, 0o640);
    await assert.rejects(
      files.create('bad.txt', 0o600, async () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.deepEqual(await fs.readdir(root), ['plain.txt']);
  });

  it('refuses paths that leave the workspace', async () => {
    const files = nodeFiles(tmp.path);
    await assert.rejects(files.open('../etc/passwd'), (e: unknown) => isSensitivityError(e, 'E_USAGE'));
    assert.equal(posixRelative('/w', '/w/a/b.txt'), 'a/b.txt');
    assert.equal(posixRelative('/w', '/w'), undefined);
    assert.equal(posixRelative('/w', '/other/x'), undefined);
    assert.equal(posixRelative('/w', '/w/..x/y'), '..x/y', 'a folder named "..x" is inside');
  });
});

describe('node workspace store', () => {
  it('keeps all twenty of twenty concurrent label updates (locked read-modify-write)', async () => {
    const root = await fs.mkdtemp(join(tmp.path, 'ws-'));
    const ws = openWorkspace(root);
    const actor = { id: 'id', email: 'a@example.com', name: 'A' };
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ws.updateManifest((m) => setLabel(m, `f${i}.txt`, 'general', actor, { policy: DEFAULT_POLICY, now: new Date() }).manifest),
      ),
    );
    assert.equal(Object.keys((await ws.manifest()).files).length, 20);
    assert.deepEqual((await fs.readdir(join(root, '.sensitivity'))).sort(), ['labels.json']);
  });
});
