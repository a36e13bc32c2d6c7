/**
 * The attacks of issue 8 against the real CLI, real processes and real files: a racing creator of the
 * output, a file swapped under `cat`, parallel writers of labels.json and of the audit log (with a
 * stale lock), a huge audit entry, a torn audit line, and a broken log that must stop plaintext.
 */
import assert from 'node:assert/strict';
import { createHash, randomFillSync } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeLockRecord } from '../disk/helpers.js';
import { collectExit, makePerson, runCliAsync, spawnCli, tempDir, type Person } from './helpers.js';

const MiB = 1024 * 1024;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const temps = (dir: string) => readdirSync(dir).filter((n) => n.includes('.sensitivity-tmp.'));

/** Polls `ready` (a state of the disk or of /proc) every few ms until it holds; fails after `ms`. */
async function until(what: string, ready: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function randomFile(path: string, size: number): Buffer {
  const data = randomFillSync(Buffer.alloc(size));
  writeFileSync(path, data, { mode: 0o600 });
  return data;
}

/** Bytes read so far by process `pid` (Linux /proc). */
const bytesRead = (pid: number) => Number(/rchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1]);

/** True once process `pid` holds `path` open. */
function holdsOpen(pid: number, path: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === path;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

describe('attacks on the disk', () => {
  const tmp = tempDir();
  const ws = join(tmp.path, 'ws');
  let alice: Person;
  const auditLog = () => join(alice.home, 'audit.jsonl');
  const verify = (p: Person = alice) => p.run(['audit', '--verify']);
  const entries = (p: Person = alice) => JSON.parse(p.run(['audit', '--json']).stdout) as Array<{ action: string; file?: string; cut?: { text: string } }>;

  before(() => {
    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    alice = makePerson(tmp.path, ws, 'Alice', 'alice@example.com');
  });
  after(() => tmp.dispose());

  it('unprotect gives the plaintext the envelope’s mode, never 0644 by default', () => {
    writeFileSync(join(ws, 'private.txt'), 'secret\n', { mode: 0o600 });
    assert.equal(alice.run(['protect', 'private.txt']).code, 0);
    assert.equal(statSync(join(ws, 'private.txt.protected')).mode & 0o777, 0o600);
    assert.equal(alice.run(['unprotect', 'private.txt.protected']).code, 0);
    assert.equal(statSync(join(ws, 'private.txt')).mode & 0o777, 0o600);
    assert.equal(alice.run(['protect', 'private.txt']).code, 0);
    chmodSync(join(ws, 'private.txt.protected'), 0o640);
    assert.equal(alice.run(['unprotect', 'private.txt.protected']).code, 0);
    assert.equal(statSync(join(ws, 'private.txt')).mode & 0o777, 0o640);
  });

  it('a file created at the output path while unprotect runs is not overwritten', async () => {
    randomFile(join(ws, 'race.bin'), 32 * MiB);
    assert.equal(alice.run(['protect', 'race.bin']).code, 0);
    const child = spawnCli(['unprotect', 'race.bin.protected'], { home: alice.home, cwd: ws }, 'pipe');
    const exit = collectExit(child);
    const prefix = `.race.bin.sensitivity-tmp.${child.pid}.`;
    await until('unprotect is writing', () => temps(ws).some((n) => n.startsWith(prefix) && statSync(join(ws, n)).size > MiB));
    // Paused mid-write, past any early check: the racer takes the name now.
    child.kill('SIGSTOP');
    assert.ok(!existsSync(join(ws, 'race.bin')), 'unprotect had not finished');
    writeFileSync(join(ws, 'race.bin'), 'the racer’s file', { flag: 'wx' });
    child.kill('SIGCONT');
    const r = await exit;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /E_EXISTS/);
    assert.equal(readFileSync(join(ws, 'race.bin'), 'utf8'), 'the racer’s file');
    assert.ok(existsSync(join(ws, 'race.bin.protected')), 'the envelope is kept');
    assert.deepEqual(temps(ws), []);
  });

  it(
    'a protected file swapped under `cat` between its passes releases nothing of the swapped-in file',
    { skip: process.platform !== 'linux' && 'reads /proc' },
    async () => {
      const size = 32 * MiB;
      const dirs = ['a', 'b'].map((d) => join(ws, d));
      const plain = dirs.map((d) => {
        mkdirSync(d);
        const data = randomFile(join(d, 'doc.bin'), size);
        assert.equal(alice.run(['protect', 'doc.bin'], { cwd: d }).code, 0);
        return data;
      });
      const [victim, swapIn] = dirs.map((d) => join(d, 'doc.bin.protected')) as [string, string];
      assert.equal(statSync(victim).size, statSync(swapIn).size, 'envelopes of one size');
      const child = spawnCli(['cat', victim], { home: alice.home, cwd: ws }, 'pipe');
      const exit = collectExit(child);
      const pid = child.pid!;
      // Paused once the file is open, still in the verifying pass (it has read less than the file).
      await until('cat has the file open', () => holdsOpen(pid, victim));
      child.kill('SIGSTOP');
      assert.ok(bytesRead(pid) < size, 'cat was stopped in its first pass');
      renameSync(swapIn, victim);
      child.kill('SIGCONT');
      const r = await exit;
      assert.equal(r.code, 0, r.stderr);
      assert.notEqual(sha256(r.stdout), sha256(plain[1]!), 'not the swapped-in plaintext');
      assert.ok(!r.stdout.includes(plain[1]!.subarray(0, 4096)), 'nothing of it');
      assert.equal(sha256(r.stdout), sha256(plain[0]!), 'the file cat verified is the file it printed');
    },
  );

  it('20 parallel `label set` on different files keep 20 labels', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `p${i}.md`);
    for (const n of names) writeFileSync(join(ws, n), n);
    const runs = await Promise.all(names.map((n) => runCliAsync(['label', 'set', n, '--label', 'General'], { home: alice.home, cwd: ws })));
    assert.deepEqual(
      runs.map((r) => r.code),
      names.map(() => 0),
      runs.map((r) => r.stderr).join(''),
    );
    const manifest = JSON.parse(readFileSync(join(ws, '.sensitivity', 'labels.json'), 'utf8')) as { files: Record<string, unknown> };
    assert.deepEqual(
      names.filter((n) => !manifest.files[n]),
      [],
      'every label kept',
    );
  });

  it('20 parallel audit writers with a lock left by a dead process keep one unbroken chain', async () => {
    const dave = makePerson(tmp.path, ws, 'Dave', 'dave@example.com');
    const log = join(dave.home, 'audit.jsonl');
    writeLockRecord(`${log}.lock`);
    const names = Array.from({ length: 20 }, (_, i) => `d${i}.md`);
    for (const n of names) writeFileSync(join(ws, n), n);
    const runs = await Promise.all(names.map((n) => runCliAsync(['label', 'set', n, '--label', 'General'], { home: dave.home, cwd: ws })));
    assert.deepEqual(
      runs.map((r) => r.code),
      names.map(() => 0),
      runs.map((r) => r.stderr).join(''),
    );
    const v = verify(dave);
    assert.equal(v.code, 0, v.stderr);
    assert.deepEqual(
      entries(dave)
        .filter((e) => e.action === 'label.set')
        .map((e) => e.file)
        .sort(),
      names.sort(),
    );
    assert.ok(!existsSync(`${log}.lock`));
  });

  it('a 70 KB audit entry does not stop logging', () => {
    writeFileSync(join(ws, 'long.md'), 'x');
    const big = alice.run(['label', 'set', 'long.md', '--label', 'General', '--justification', 'j'.repeat(70_000)]);
    assert.equal(big.code, 0, big.stderr);
    const next = alice.run(['label', 'set', 'long.md', '--label', 'Public', '--justification', 'after the big one']);
    assert.equal(next.code, 0, next.stderr);
    assert.equal(verify().code, 0, verify().stderr);
    assert.equal(entries().at(-1)?.file, 'long.md');
  });

  it('a torn last audit line is repaired by the next writer, recording what was cut', () => {
    const torn = '{"seq":9999,"ts":"2026-01-01T00:00:00.000Z","prev":"00';
    appendFileSync(auditLog(), torn);
    writeFileSync(join(ws, 'after-crash.md'), 'x');
    const r = alice.run(['label', 'set', 'after-crash.md', '--label', 'General']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(verify().code, 0, verify().stderr);
    const [repair, next] = entries().slice(-2);
    assert.equal(repair?.action, 'audit.repair');
    assert.equal(repair?.cut?.text, torn);
    assert.equal(next?.file, 'after-crash.md');
  });

  it('a broken audit log stops unprotect, cat and label set before anything is released or changed (fail closed)', () => {
    writeFileSync(join(ws, 'closed.txt'), 'closed secret\n', { mode: 0o600 });
    assert.equal(alice.run(['protect', 'closed.txt']).code, 0);
    const good = readFileSync(auditLog());
    appendFileSync(auditLog(), 'edited by hand\n');
    const un = alice.run(['unprotect', 'closed.txt.protected']);
    assert.equal(un.code, 4, un.stderr);
    assert.match(un.stderr, /E_AUDIT_BROKEN/);
    assert.ok(!existsSync(join(ws, 'closed.txt')), 'no plaintext written');
    assert.deepEqual(temps(ws), []);
    const cat = alice.run(['cat', 'closed.txt.protected']);
    assert.equal(cat.code, 4, cat.stderr);
    assert.equal(cat.stdout, '', 'nothing printed');
    const labels = readFileSync(join(ws, '.sensitivity', 'labels.json'));
    writeFileSync(join(ws, 'unlogged.md'), 'x');
    assert.equal(alice.run(['label', 'set', 'unlogged.md', '--label', 'General']).code, 4);
    assert.deepEqual(readFileSync(join(ws, '.sensitivity', 'labels.json')), labels, 'a label change that cannot be logged is not made');
    writeFileSync(auditLog(), good);
    assert.equal(alice.run(['cat', 'closed.txt.protected']).stdout, 'closed secret\n');
  });

  it('leaves no lock files behind', () => {
    assert.deepEqual(
      readdirSync(alice.home).filter((n) => n.includes('.lock')),
      [],
    );
    assert.deepEqual(
      readdirSync(join(ws, '.sensitivity')).filter((n) => n !== 'labels.json' && n !== 'people.json'),
      [],
    );
  });
});
