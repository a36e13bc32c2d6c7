/** The Node file adapters on the real disk: temp files, exclusive creation, atomic replacement, one descriptor per read. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RandomAccessSource } from '../../../src/core/ports.js';
import { after, describe, it } from 'node:test';
import { isSensitivityError } from '../../../src/core/errors.js';
import { createExclusive, openReadHandle, withAtomicFile, withReadHandle, writeFileAtomic } from '../../../src/node/node-io.js';
import { HOST_TAG, sweepStaleTemps } from '../../../src/node/temp.js';
import { deadPid, scratch } from './helpers.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const temps = (dir: string) => readdirSync(dir).filter((n) => n.includes('.sensitivity-tmp.'));

/** Everything a random-access source holds, read at offsets as the envelope reads it. */
async function collect(src: RandomAccessSource): Promise<string> {
  const buf = new Uint8Array(src.size);
  for (let at = 0; at < src.size;) {
    const n = await src.read(buf.subarray(at, Math.min(src.size, at + (1 << 20))), at);
    if (n === 0) break;
    at += n;
  }
  return Buffer.from(buf).toString('utf8');
}

describe('node-io: temp files', () => {
  const tmp = scratch();
  after(() => tmp.dispose());
  let n = 0;
  const dir = () => {
    const d = join(tmp.path, `t${n++}`);
    mkdirSync(d);
    return d;
  };

  it('writes through a 0600 temp beside the target, named after its creator, even when the result is 0644', async () => {
    const d = dir();
    const target = join(d, 'out.txt');
    await createExclusive(
      target,
      async (sink) => {
        await sink.write(bytes('plain'));
        const [t, ...more] = temps(d);
        assert.deepEqual(more, []);
        assert.match(t!, new RegExp(`^\\.out\\.txt\\.sensitivity-tmp\\.${process.pid}\\.${HOST_TAG}\\.[0-9a-f]+$`));
        assert.equal(statSync(join(d, t!)).mode & 0o777, 0o600, 'the temp is private while it is written');
      },
      { mode: 0o644 },
    );
    assert.equal(statSync(target).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(d), ['out.txt']);
  });

  it('removes the temp when production fails, when the pre-commit step fails, and on abort', async () => {
    const d = dir();
    const target = join(d, 'out.txt');
    await assert.rejects(
      createExclusive(target, async (sink) => sink.write(bytes('partial')).then(() => Promise.reject(new Error('boom')))),
      /boom/,
    );
    await assert.rejects(
      createExclusive(target, (sink) => sink.write(bytes('whole')), { beforeCommit: () => Promise.reject(new Error('audit down')) }),
      /audit down/,
    );
    await assert.rejects(
      withAtomicFile(target, () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.deepEqual(readdirSync(d), [], 'no temp and no output');
  });

  it('sweeps temps whose creator is dead, and only those', async () => {
    const d = dir();
    const dead = deadPid();
    const stale = `.a.txt.sensitivity-tmp.${dead}.${HOST_TAG}.0a1b2c3d4e5f`;
    const live = `.b.txt.sensitivity-tmp.${process.pid}.${HOST_TAG}.0a1b2c3d4e5f`;
    const otherHost = `.c.txt.sensitivity-tmp.${dead}.${HOST_TAG === 'ffffffff' ? '00000000' : 'ffffffff'}.0a1b2c3d4e5f`;
    const unrelated = ['.d.txt.tmp', 'e.sensitivity-tmp.notes'];
    for (const name of [stale, live, otherHost, ...unrelated]) writeFileSync(join(d, name), 'x');
    mkdirSync(join(d, `.f.sensitivity-tmp.${dead}.${HOST_TAG}.0a1b2c3d4e5f`));
    assert.deepEqual(await sweepStaleTemps(d), [stale]);
    assert.ok(!readdirSync(d).includes(stale));
    assert.equal(readdirSync(d).length, 5, 'everything else stays');
  });

  it('the first write into a folder sweeps it', async () => {
    const d = dir();
    const stale = `.big.bin.sensitivity-tmp.${deadPid()}.${HOST_TAG}.0a1b2c3d4e5f`;
    writeFileSync(join(d, stale), 'partial plaintext');
    await writeFileAtomic(join(d, 'x.json'), '{}');
    assert.deepEqual(readdirSync(d), ['x.json']);
  });
});

describe('node-io: exclusive creation and replacement', () => {
  const tmp = scratch();
  after(() => tmp.dispose());

  it('never overwrites a file created at the output path while the output is produced', async () => {
    const target = join(tmp.path, 'race.txt');
    await assert.rejects(
      createExclusive(target, async (sink) => {
        await sink.write(bytes('ours'));
        writeFileSync(target, 'theirs', { flag: 'wx' });
      }),
      (e: unknown) => isSensitivityError(e, 'E_EXISTS') && e.file === target,
    );
    assert.equal(readFileSync(target, 'utf8'), 'theirs');
    assert.deepEqual(temps(tmp.path), []);
  });

  it('replaces in place with exactly the mode asked for, whatever the umask', async () => {
    const target = join(tmp.path, 'doc.protected');
    writeFileSync(target, 'old');
    await withAtomicFile(target, (sink) => sink.write(bytes('new')), { mode: 0o664 });
    assert.equal(readFileSync(target, 'utf8'), 'new');
    assert.equal(statSync(target).mode & 0o777, 0o664);
    await writeFileAtomic(target, 'newer');
    assert.equal(statSync(target).mode & 0o777, 0o600, 'private by default');
  });
});

describe('node-io: one descriptor per read', () => {
  const tmp = scratch();
  after(() => tmp.dispose());

  it('reads the file it opened on every pass, even after another file is renamed over its name', async () => {
    const a = join(tmp.path, 'a');
    const b = join(tmp.path, 'b');
    writeFileSync(a, 'original '.repeat(300_000));
    writeFileSync(b, 'swapped! '.repeat(300_000));
    chmodSync(a, 0o640);
    await withReadHandle(a, async (f) => {
      assert.equal(f.size, 2_700_000);
      assert.equal(f.mode, 0o640);
      const first = await collect(f);
      renameSync(b, a);
      const second = await collect(f);
      assert.equal(first, 'original '.repeat(300_000));
      assert.equal(second, first, 'the second pass reads the same file');
    });
  });

  it('refuses a missing path, a folder and a FIFO with stable codes (a FIFO does not hang)', async () => {
    await assert.rejects(openReadHandle(join(tmp.path, 'nope')), (e: unknown) => isSensitivityError(e, 'E_NOT_FOUND'));
    await assert.rejects(openReadHandle(tmp.path), (e: unknown) => isSensitivityError(e, 'E_USAGE'));
    const fifo = join(tmp.path, 'fifo');
    if (spawnSync('mkfifo', [fifo]).status === 0) {
      await assert.rejects(openReadHandle(fifo), (e: unknown) => isSensitivityError(e, 'E_USAGE'));
    }
  });
});
