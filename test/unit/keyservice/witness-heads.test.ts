/**
 * The replica's cache of witness heads (src/keyservice/witness-heads.ts), over a counting stand-in for the shared
 * state: a line read once is answered again without a state read; a change the state reports is answered after the
 * next refresh (at most about a second); a read overtaken by a refresh is answered but not kept. The same over the
 * file state of two replicas sharing a folder (real files). With the real PostgreSQL and two replicas:
 * shared-state.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceState, StoredHead } from '../../../src/keyservice/state/port.js';
import { fileState } from '../../../src/keyservice/state/state-file.js';
import { HeadCache } from '../../../src/keyservice/witness-heads.js';

function countingState() {
  const heads = new Map<string, StoredHead>();
  const changed: { line: string; at: number }[] = [];
  const counts = { head: 0, changes: 0 };
  const state = {
    head: async (line: string) => (counts.head++, heads.get(line)),
    headChanges: async (since: number | undefined) => {
      counts.changes++;
      return { now: Date.now(), lines: since === undefined ? [] : changed.filter((c) => c.at >= since).map((c) => c.line) };
    },
  } as unknown as ServiceState;
  const register = (line: string, ver: number) => {
    heads.set(line, { pd: `pd${ver}`, ver, receipt: `r${ver}` });
    changed.push({ line, at: Date.now() });
  };
  return { state, counts, register };
}

describe('the witness head cache of a replica', () => {
  it('reads a line once, then answers it from memory; a change is answered after the next refresh', async () => {
    const { state, counts, register } = countingState();
    const cache = new HeadCache(state);
    register('f', 1);
    assert.equal((await cache.head('f'))?.ver, 1);
    assert.equal((await cache.head('f'))?.ver, 1);
    assert.equal(await cache.head('never'), undefined);
    assert.equal(await cache.head('never'), undefined);
    assert.deepEqual(counts, { head: 2, changes: 1 }, 'one read per line, one refresh');
    register('f', 2);
    assert.equal((await cache.head('f'))?.ver, 1, 'within the second: the head read before');
    await sleep(1100);
    assert.equal((await cache.head('f'))?.ver, 2, 'after the refresh: the new head');
    assert.equal(await cache.head('never'), undefined);
    assert.deepEqual(counts, { head: 3, changes: 2 }, 'only the changed line is read again');
  });

  it('keeps at most its bound of lines, dropping the least recently used', async () => {
    const { state, counts, register } = countingState();
    const cache = new HeadCache(state, 2);
    for (const l of ['a', 'b', 'c']) register(l, 1);
    for (const l of ['a', 'b', 'a', 'c', 'a']) await cache.head(l);
    assert.equal(counts.head, 3, 'a, b, c read once each; a kept as the most recent');
    await cache.head('b');
    assert.equal(counts.head, 4, 'b was dropped for c');
  });

  it('over the file state: a decrypt of a known line reads no file; a head another replica registers is answered after the next refresh', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ks-heads-'));
    try {
      const log = join(dir, 'access.log');
      const other = fileState(dir, log, undefined);
      const mine = fileState(dir, log, undefined);
      // Counts what the cache asks of the real file state: a head read (a stat, a parse when it changed) per miss.
      const counts = { head: 0, changes: 0 };
      const counted = {
        ...mine,
        head: (line: string) => (counts.head++, mine.head(line)),
        headChanges: (since: number | undefined) => (counts.changes++, mine.headChanges(since)),
      };
      const cache = new HeadCache(counted);
      const d = (c: string) => c.repeat(43);
      assert.equal((await other.registerHead({ line: 'f', pd: d('a'), prev: null, ver: 1 }, 'r1')).registered, true);
      for (let i = 0; i < 5; i++) assert.equal((await cache.head('f'))?.ver, 1);
      assert.equal(await cache.head('g'), undefined);
      assert.deepEqual(counts, { head: 2, changes: 1 }, 'one read per line, one refresh, however many decrypts');
      await other.registerHead({ line: 'f', pd: d('b'), prev: d('a'), ver: 2 }, 'r2');
      await other.registerHead({ line: 'g', pd: d('c'), prev: null, ver: 1 }, 'r3');
      assert.equal((await cache.head('f'))?.ver, 1, 'within the second: the head read before');
      await sleep(1100);
      assert.deepEqual(await cache.head('f'), { pd: d('b'), ver: 2, receipt: 'r2' }, "after the refresh: the other replica's head");
      assert.equal((await cache.head('g'))?.receipt, 'r3', 'and a line it had no head for');
      assert.deepEqual(counts, { head: 4, changes: 2 }, 'only the changed lines are read again');
      await sleep(1100);
      assert.equal((await cache.head('f'))?.ver, 2);
      assert.deepEqual(counts, { head: 4, changes: 3 }, 'nothing changed: nothing read again');
      // An administrator removes a head (`key-service witness --remove`): gone from the file, dropped by the next look.
      assert.equal((await other.removeHead('g'))?.ver, 1);
      assert.equal((await cache.head('g'))?.ver, 1, 'within the second: the head read before');
      await sleep(1100);
      assert.equal(await cache.head('g'), undefined, 'after the refresh: the removal');
      assert.equal((await cache.head('f'))?.ver, 2, 'and the other line is still answered from memory');
      assert.deepEqual(counts, { head: 5, changes: 4 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
