/** The audit log file on the real disk: large entries, torn lines, failing closed, a stale lock. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyAuditLog, type AuditEvent } from '../../../src/core/audit/index.js';
import { isSensitivityError } from '../../../src/core/errors.js';
import { appendAudit, appendAuditBatch } from '../../../src/node/audit-log.js';
import { scratch, writeLockRecord } from './helpers.js';

const actor = { id: 'xJqYQ4U', email: 'alice@example.com' };
const t0 = new Date('2026-03-01T10:00:00.000Z');
const event = (file: string, extra: Record<string, string> = {}): AuditEvent => ({ action: 'label.set', actor, file, to: 'general', ...extra });

async function verified(path: string) {
  const r = await verifyAuditLog(readFileSync(path, 'utf8'));
  assert.ok(r.ok, `chain intact: ${r.ok ? '' : `line ${r.line} ${r.reason}`}`);
  return r.entries;
}

describe('audit log file', () => {
  const tmp = scratch();
  after(() => tmp.dispose());
  let n = 0;
  const log = () => join(tmp.path, `h${n++}`, 'audit.jsonl');

  it('creates the log 0600 and chains every append', async () => {
    const p = log();
    for (let i = 0; i < 3; i++) await appendAudit(p, event(`f${i}`), t0);
    assert.equal(statSync(p).mode & 0o777, 0o600);
    assert.deepEqual(
      (await verified(p)).map((e) => e.seq),
      [1, 2, 3],
    );
  });

  it('keeps logging after an entry far larger than one read block (70 KB, 1 MB)', async () => {
    const p = log();
    await appendAudit(p, event('a'), t0);
    await appendAudit(p, event('big', { justification: 'x'.repeat(70_000) }), t0);
    await appendAudit(p, event('b'), t0);
    await appendAudit(p, event('huge', { justification: 'y'.repeat(1_000_000) }), t0);
    await appendAudit(p, event('c'), t0);
    assert.deepEqual(
      (await verified(p)).map((e) => e.file),
      ['a', 'big', 'b', 'huge', 'c'],
    );
  });

  it('repairs a torn last line: cuts it, records what was cut, then appends', async () => {
    const p = log();
    await appendAudit(p, event('a'), t0);
    const torn = '{"seq":2,"ts":"2026-03-01T10:00:00.000Z","prev":"ab';
    appendFileSync(p, torn);
    await appendAudit(p, event('b'), t0);
    const entries = await verified(p);
    assert.deepEqual(
      entries.map((e) => e.action),
      ['label.set', 'audit.repair', 'label.set'],
    );
    assert.deepEqual(entries[1]!.actor, actor);
    assert.deepEqual(entries[1]!.cut, { bytes: torn.length, sha256: createHash('sha256').update(torn).digest('hex'), text: torn });
  });

  it('repairs a log whose only line is torn, and one torn longer than the entries that replace it', async () => {
    const p = log();
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, '{"seq":1,"ts":"20');
    await appendAudit(p, event('a'), t0);
    assert.deepEqual(
      (await verified(p)).map((e) => [e.seq, e.action]),
      [
        [1, 'audit.repair'],
        [2, 'label.set'],
      ],
    );
    appendFileSync(p, '{"seq":3,"pad":"' + 'z'.repeat(5000));
    await appendAudit(p, event('b'), t0);
    assert.deepEqual(
      (await verified(p)).map((e) => e.action),
      ['audit.repair', 'label.set', 'audit.repair', 'label.set'],
    );
  });

  it('chains to a whole last entry that lost only its line feed, without a repair', async () => {
    const p = log();
    await appendAudit(p, event('a'), t0);
    writeFileSync(p, readFileSync(p, 'utf8').trimEnd());
    await appendAudit(p, event('b'), t0);
    assert.deepEqual(
      (await verified(p)).map((e) => e.file),
      ['a', 'b'],
    );
  });

  it('fails closed with E_AUDIT_BROKEN, writing nothing, when the last line was edited', async () => {
    const p = log();
    await appendAudit(p, event('a'), t0);
    appendFileSync(p, 'edited by hand\n');
    const before = readFileSync(p);
    await assert.rejects(appendAudit(p, event('b'), t0), (e: unknown) => isSensitivityError(e, 'E_AUDIT_BROKEN') && e.file === p);
    assert.deepEqual(readFileSync(p), before);
  });

  it('fails closed with E_IO when the log cannot be written', async () => {
    const p = log();
    mkdirSync(p, { recursive: true });
    await assert.rejects(appendAudit(p, event('a'), t0), (e: unknown) => isSensitivityError(e, 'E_IO') && e.file === p);
  });

  it('keeps one chain with 20 writers at once and a lock left by a dead process', async () => {
    const p = log();
    await appendAudit(p, event('first'), t0);
    writeLockRecord(`${p}.lock`);
    await Promise.all(Array.from({ length: 20 }, (_, i) => appendAudit(p, event(`w${i}`), t0)));
    const entries = await verified(p);
    assert.equal(entries.length, 21);
    assert.deepEqual(new Set(entries.map((e) => e.file)).size, 21);
  });

  it('group commit: a batch is taken only once the writer holds the lock, so what arrives while it waits goes in the same write', async () => {
    const p = log();
    await appendAudit(p, event('first'), t0);
    const nonce = writeLockRecord(`${p}.lock`, process.pid); // a live holder: the writer waits
    const arriving = [event('queued-1')];
    let takenAt: number | undefined;
    const written = appendAuditBatch(p, () => {
      takenAt = arriving.length;
      return { events: [...arriving], now: t0 };
    });
    await sleep(200);
    assert.equal(takenAt, undefined, 'nothing taken while another process holds the lock');
    arriving.push(event('queued-2'), event('queued-3'));
    assert.match(readFileSync(`${p}.lock`, 'utf8'), new RegExp(nonce));
    rmSync(`${p}.lock`);
    assert.deepEqual(await written, readFileSync(p, 'utf8').trim().split('\n').slice(1), 'returns the lines it wrote');
    assert.equal(takenAt, 3);
    assert.deepEqual(
      (await verified(p)).map((e) => e.file),
      ['first', 'queued-1', 'queued-2', 'queued-3'],
    );
  });
});
