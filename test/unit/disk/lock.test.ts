/** The lock primitive on the real disk: mutual exclusion, bounded waits, and stale locks broken once. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants as fsc, existsSync, openSync, readdirSync, readFileSync, unlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isSensitivityError } from '../../../src/core/errors.js';
import { acquireLock, withLock } from '../../../src/node/lock.js';
import { deadPid, scratch, writeLockRecord } from './helpers.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

/** Runs `n` holders at once on `file`'s lock; each checks it is alone inside and bumps a counter file. */
async function crowd(file: string, n: number): Promise<{ max: number; count: number }> {
  const counter = `${file}.count`;
  writeFileSync(counter, '0');
  let inside = 0;
  let max = 0;
  await Promise.all(
    Array.from({ length: n }, () =>
      withLock(file, async () => {
        max = Math.max(max, ++inside);
        const v = Number(readFileSync(counter, 'utf8'));
        for (let i = 0; i < 3; i++) await tick();
        writeFileSync(counter, String(v + 1));
        inside--;
      }),
    ),
  );
  return { max, count: Number(readFileSync(counter, 'utf8')) };
}

describe('lock', () => {
  const tmp = scratch();
  after(() => tmp.dispose());
  let n = 0;
  const file = () => join(tmp.path, `f${n++}`);

  it('lets one holder in at a time, and removes its lock file when done', async () => {
    const f = file();
    assert.deepEqual(await crowd(f, 20), { max: 1, count: 20 });
    assert.ok(!existsSync(`${f}.lock`));
  });

  it('waits a bounded time for a live holder, then fails with E_LOCKED naming the holder', async () => {
    const f = file();
    const held = await acquireLock(f);
    await assert.rejects(
      withLock(f, async () => assert.fail('entered a held lock'), { waitMs: 100 }),
      (e: unknown) => isSensitivityError(e, 'E_LOCKED') && e.message.includes(`process ${process.pid}`) && e.message.includes(`${f}.lock`),
    );
    await held.release();
    assert.equal(await withLock(f, async () => 'entered'), 'entered');
  });

  it('breaks a lock whose holder died, once, however many waiters find it', async () => {
    const f = file();
    writeLockRecord(`${f}.lock`);
    assert.deepEqual(await crowd(f, 20), { max: 1, count: 20 });
    assert.deepEqual(
      readdirSync(tmp.path).filter((x) => x.startsWith(f.split('/').pop()!) && x.includes('.lock')),
      [],
      'no lock or marker left',
    );
  });

  it(
    'a breaker that read the stale lock before someone else broke and retook it does not remove the new lock',
    { skip: process.platform !== 'linux' && 'uses a FIFO' },
    async () => {
      // The stale lock is a FIFO, so the breaker's read of it blocks until we write: between its open
      // and its read we break the lock ourselves and take it, then feed it the stale record it expects.
      const f = file();
      const lockPath = `${f}.lock`;
      assert.equal(spawnSync('mkfifo', [lockPath]).status, 0);
      const late = withLock(f, async () => assert.fail('entered a lock held by someone else'), { waitMs: 300 });
      const outcome = late.then(
        () => 'entered',
        (e: unknown) => (isSensitivityError(e, 'E_LOCKED') ? 'E_LOCKED' : e),
      );
      let fd = -1;
      const deadline = Date.now() + 30_000;
      while (fd < 0) {
        try {
          fd = openSync(lockPath, fsc.O_WRONLY | fsc.O_NONBLOCK); // ENXIO until the breaker has it open
        } catch {
          if (Date.now() > deadline) assert.fail('the breaker never read the lock');
          await new Promise((r) => setTimeout(r, 2));
        }
      }
      unlinkSync(lockPath);
      const ours = writeLockRecord(lockPath, process.pid);
      writeSync(fd, JSON.stringify({ pid: deadPid(), host: hostname(), nonce: 'ab'.repeat(16), since: new Date().toISOString() }) + '\n');
      closeSync(fd);
      assert.equal(await outcome, 'E_LOCKED');
      assert.equal((JSON.parse(readFileSync(lockPath, 'utf8')) as { nonce: string }).nonce, ours, 'our lock is still in place');
    },
  );

  it('breaks it even when a breaker died holding its marker', async () => {
    const f = file();
    const nonce = writeLockRecord(`${f}.lock`);
    writeLockRecord(`${f}.lock.break.${nonce}`);
    assert.deepEqual(await crowd(f, 5), { max: 1, count: 5 });
  });

  it("never breaks another host's lock (its pids mean nothing here)", async () => {
    const f = file();
    writeLockRecord(`${f}.lock`, 1, 'some-other-host.example');
    await assert.rejects(
      withLock(f, async () => undefined, { waitMs: 50 }),
      (e: unknown) => isSensitivityError(e, 'E_LOCKED') && /some-other-host/.test(e.message),
    );
  });

  it('takes over a lock file that names no holder (an older version) only once it is old', async () => {
    const f = file();
    writeFileSync(`${f}.lock`, '');
    await assert.rejects(
      withLock(f, async () => undefined, { waitMs: 50 }),
      (e: unknown) => isSensitivityError(e, 'E_LOCKED'),
    );
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${f}.lock`, old, old);
    assert.deepEqual(await crowd(f, 5), { max: 1, count: 5 });
  });
});
