/** The hash-chained audit log: appending, verifying, and detecting every kind of edit. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AUDIT_GENESIS, createAuditEntry, parseAuditLog, verifyAuditLog, type AuditEvent } from '../../src/core/audit/index.js';
import { isSensitivityError } from '../../src/core/errors.js';

const actor = { id: 'xJqYeppLbSsKluD_rsC-ojuYS6DkZpTi4hUVJJFlQ4U', email: 'alice@example.com' };
const t0 = new Date('2025-03-01T10:00:00.000Z');

const EVENTS: AuditEvent[] = [
  { action: 'label.set', actor, file: 'plan.md', to: 'general', direction: 'new' },
  { action: 'label.set', actor, file: 'plan.md', from: 'general', to: 'public', direction: 'downgrade', justification: 'published' },
  {
    action: 'protect',
    actor,
    file: 'secret.txt.protected',
    label: 'highly-confidential-specific-people',
    grantees: [{ email: 'bob@example.com', role: 'Viewer' }],
  },
  { action: 'open.denied', actor: null, file: 'secret.txt.protected', right: 'VIEW', code: 'E_NO_IDENTITY', reason: 'you have no identity' },
  { action: 'revoke', actor, file: 'secret.txt.protected', revoked: ['bob@example.com'], rotated: true },
  { action: 'open', actor, file: 'secret.txt.protected' },
];

/** A log of `n` entries (cycling through EVENTS), as lines without line endings. */
async function makeLog(n: number): Promise<string[]> {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(await createAuditEntry(lines.at(-1), EVENTS[i % EVENTS.length]!, new Date(t0.getTime() + i * 1000)));
  return lines;
}

const text = (lines: string[]) => lines.map((l) => l + '\n').join('');
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('audit: creating entries', () => {
  it('chains each line to the SHA-256 of the one before; the first to 64 zeros', async () => {
    const lines = await makeLog(3);
    const entries = lines.map((l) => JSON.parse(l) as { seq: number; prev: string; ts: string });
    assert.deepEqual(
      entries.map((e) => e.seq),
      [1, 2, 3],
    );
    assert.equal(entries[0]!.prev, AUDIT_GENESIS);
    assert.equal(AUDIT_GENESIS, '0'.repeat(64));
    assert.equal(entries[1]!.prev, sha256(lines[0]!), 'node:crypto agrees with the WebCrypto hash');
    assert.equal(entries[2]!.prev, sha256(lines[1]!));
    assert.equal(entries[1]!.ts, '2025-03-01T10:00:01.000Z');
  });

  it('writes one line: seq, ts, prev, actor, action, file first, then the details', async () => {
    const line = await createAuditEntry(undefined, { ...EVENTS[1]!, justification: 'multi\nline' }, t0);
    assert.ok(!line.includes('\n'));
    assert.deepEqual(Object.keys(JSON.parse(line)), ['seq', 'ts', 'prev', 'actor', 'action', 'file', 'from', 'to', 'direction', 'justification']);
  });

  it('copies only id and email of the actor (an identity object with private keys stays out)', async () => {
    const identity = { ...actor, name: 'Alice', sigPrivate: { d: 'SECRET' } };
    const line = await createAuditEntry(undefined, { action: 'open', actor: identity, file: 'x' }, t0);
    assert.deepEqual(JSON.parse(line).actor, actor);
    assert.ok(!line.includes('SECRET'));
  });

  it('refuses details that could hold keys or content, reserved names, non-JSON values, unknown actions (TypeError)', async () => {
    const bad: Record<string, unknown>[] = [
      { key: 'abc' },
      { plaintext: 'the launch date' },
      { grantees: [{ email: 'b@x.y', d: 'private' }] },
      { passphrase: 'x' },
      { seq: 7 },
      { prev: AUDIT_GENESIS },
      { size: Number.NaN },
      { when: new Date() },
      { big: 1n },
    ];
    for (const details of bad) {
      await assert.rejects(
        createAuditEntry(undefined, { action: 'open', actor, file: 'x', ...details } as AuditEvent, t0),
        TypeError,
        JSON.stringify(Object.keys(details)),
      );
    }
    await assert.rejects(createAuditEntry(undefined, { action: 'frobnicate', actor } as unknown as AuditEvent, t0), TypeError);
  });

  it('E_AUDIT_BROKEN when the last line is not an entry (the log needs attention first)', async () => {
    for (const last of ['{"seq":1', '{"seq":"1","ts":"x"}', '[]']) {
      await assert.rejects(createAuditEntry(last, EVENTS[0]!, t0), (e: unknown) => isSensitivityError(e, 'E_AUDIT_BROKEN') && /audit --verify/.test(e.message));
    }
  });

  it('a blank previous line starts a new chain; a CRLF line ending does not change the hash', async () => {
    const first = await createAuditEntry(undefined, EVENTS[0]!, t0);
    assert.equal(JSON.parse(await createAuditEntry('  \n', EVENTS[0]!, t0)).seq, 1);
    const a = await createAuditEntry(first, EVENTS[1]!, t0);
    const b = await createAuditEntry(first + '\r\n', EVENTS[1]!, t0);
    assert.equal(a, b);
  });
});

describe('audit: verifying', () => {
  it('an intact log verifies, with its entries and head (the hash of the last line)', async () => {
    const lines = await makeLog(6);
    const r = await verifyAuditLog(text(lines));
    assert.ok(r.ok);
    assert.equal(r.entries.length, 6);
    assert.equal(r.entries[2]!.action, 'protect');
    assert.deepEqual(r.entries[2]!.grantees, [{ email: 'bob@example.com', role: 'Viewer' }]);
    assert.equal(r.head, sha256(lines[5]!));
    assert.ok((await verifyAuditLog(lines.join('\n'))).ok, 'no final newline');
    assert.ok((await verifyAuditLog(lines.join('\r\n') + '\r\n')).ok, 'CRLF line endings');
  });

  it('an empty log verifies with no head', async () => {
    assert.deepEqual(await verifyAuditLog(''), { ok: true, entries: [] });
  });

  it('detects an edited entry, naming it', async () => {
    const lines = await makeLog(5);
    lines[2] = lines[2]!.replace('"ts":"2025-03-01T10:00:02.000Z"', '"ts":"2000-01-01T00:00:00.000Z"');
    const r = await verifyAuditLog(text(lines));
    assert.deepEqual(r.ok ? null : [r.line, r.reason], [3, "does not match the hash recorded by line 4: line 3 was edited, or line 4's prev was"]);
  });

  it('detects a removed entry (a sequence gap)', async () => {
    const lines = await makeLog(5);
    lines.splice(1, 1);
    const r = await verifyAuditLog(text(lines));
    assert.ok(!r.ok);
    assert.equal(r.line, 2);
    assert.match(r.reason, /sequence number 3 where 2 was expected: an entry was removed, inserted or moved/);
  });

  it('detects reordered entries', async () => {
    const lines = await makeLog(5);
    [lines[1], lines[2]] = [lines[2]!, lines[1]!];
    const r = await verifyAuditLog(text(lines));
    assert.ok(!r.ok);
    assert.equal(r.line, 2);
  });

  it('detects an inserted entry, even one with a plausible seq and prev', async () => {
    const lines = await makeLog(4);
    const forged = await createAuditEntry(lines[1], { action: 'open', actor, file: 'x' }, t0);
    lines.splice(2, 0, forged);
    const r = await verifyAuditLog(text(lines));
    assert.ok(!r.ok);
    assert.equal(r.line, 4, 'the next genuine entry has seq 3 at line 4');
  });

  it('detects removal from the start', async () => {
    const lines = await makeLog(4);
    const r = await verifyAuditLog(text(lines.slice(1)));
    assert.ok(!r.ok);
    assert.equal(r.line, 1);
    assert.match(r.reason, /entries were removed from the start/);
  });

  it('a first entry with a non-zero prev does not start a chain', async () => {
    const [first] = await makeLog(1);
    const r = await verifyAuditLog(first!.replace(AUDIT_GENESIS, '1'.repeat(64)));
    assert.ok(!r.ok);
    assert.match(r.reason, /does not start the chain/);
  });

  it('detects an edited prev', async () => {
    const lines = await makeLog(3);
    lines[2] = lines[2]!.replace(/"prev":"[0-9a-f]{64}"/, `"prev":"${'a'.repeat(64)}"`);
    const r = await verifyAuditLog(text(lines));
    assert.ok(!r.ok);
    assert.equal(r.line, 2);
  });

  it('refuses lines that are not entries: bad JSON, an empty line, a missing field', async () => {
    const lines = await makeLog(3);
    const cases: [string[], number, RegExp][] = [
      [[lines[0]!, '{"seq":2,', lines[2]!], 2, /is not JSON/],
      [[lines[0]!, '', lines[1]!], 2, /is empty/],
      [[lines[0]!, lines[1]!.replace('"action":', '"act":')], 2, /has no valid "action"/],
      [[lines[0]!.replace(/"actor":\{[^}]*\}/, '"actor":"alice"')], 1, /has no valid "actor"/],
      [['[1,2]'], 1, /is not a JSON object/],
    ];
    for (const [ls, line, reason] of cases) {
      const r = await verifyAuditLog(text(ls));
      assert.ok(!r.ok, ls.join('|'));
      assert.equal(r.line, line);
      assert.match(r.reason, reason);
    }
  });

  it('truncation of the tail is detected only against an anchored head', async () => {
    const lines = await makeLog(5);
    const full = await verifyAuditLog(text(lines));
    assert.ok(full.ok && full.head);
    const truncated = text(lines.slice(0, 3));
    assert.ok((await verifyAuditLog(truncated)).ok, 'a chain alone cannot see a cut tail');
    const r = await verifyAuditLog(truncated, { anchor: full.head });
    assert.ok(!r.ok);
    assert.match(r.reason, /anchored head .* is not in the log: entries were removed from the end/);
    assert.ok((await verifyAuditLog(text(lines), { anchor: full.head.toUpperCase() })).ok);
    const grown = [...lines, await createAuditEntry(lines[4], EVENTS[0]!, t0)];
    assert.ok((await verifyAuditLog(text(grown), { anchor: full.head })).ok, 'an old anchor still verifies a longer log');
  });

  it('property: any change to a single line of the middle is detected', { timeout: 120_000 }, async () => {
    const lines = await makeLog(8);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 6 }), fc.nat(), fc.integer({ min: 1, max: 126 }), async (i, pos, ch) => {
        const line = lines[i]!;
        const at = pos % line.length;
        const edited = line.slice(0, at) + String.fromCharCode(ch) + line.slice(at + 1);
        fc.pre(edited !== line);
        const r = await verifyAuditLog(text(lines.map((l, j) => (j === i ? edited : l))));
        assert.ok(!r.ok, `edit at line ${i + 1} col ${at} undetected`);
        assert.ok(r.line <= i + 1);
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});

describe('audit: parseAuditLog (display, unverified)', () => {
  it('parses entries; E_AUDIT_BROKEN names a line that is not one', async () => {
    const lines = await makeLog(3);
    assert.deepEqual(
      parseAuditLog(text(lines)).map((e) => e.seq),
      [1, 2, 3],
    );
    assert.deepEqual(parseAuditLog(''), []);
    assert.throws(
      () => parseAuditLog(text([lines[0]!, 'garbage'])),
      (e: unknown) => isSensitivityError(e, 'E_AUDIT_BROKEN') && /line 2/.test(e.message),
    );
  });
});
