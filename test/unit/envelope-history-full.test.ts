/**
 * The 1 MiB metadata limit (issue 20, item 8): a file whose history of access changes fills it refuses the
 * next change — a revoke too — with E_HISTORY_FULL and what to do (protect its content anew), not "too many
 * grantees"; the file is left as it was, and still opens.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { byteSourceOf, memorySink, openEnvelope, protect, rewrapEnvelope, type EnvelopeChange } from '../../src/core/envelope/index.js';
import { isSensitivityError } from '../../src/core/errors.js';
import { createIdentity, publicIdentity, type Identity } from '../../src/core/identity.js';
import { BUILTIN_ROLES } from '../../src/core/rights.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const clock = { now: () => T0 };
const DAY = 86_400_000;

describe('a full history of access changes', () => {
  let alice: Identity;
  let people: Identity[];

  before(async () => {
    alice = await createIdentity('Alice', 'alice@example.com');
    // Many grantees with long names make each policy version large (about 270 kB), so the history fills in
    // three changes (verifying a history costs time in proportion to its size: fewer, larger versions are quicker).
    people = await Promise.all(Array.from({ length: 400 }, (_, i) => createIdentity(`Person ${i} ${'x'.repeat(240)}`, `p${i}@example.com`)));
  });

  const rewrap = async (env: Uint8Array, change: EnvelopeChange): Promise<Uint8Array> => {
    const sink = memorySink();
    await rewrapEnvelope(byteSourceOf(env), sink, alice, change, { clock });
    return sink.bytes();
  };

  it('refuses the next change, a revoke included, with E_HISTORY_FULL and the way out; the last file still opens', { timeout: 300_000 }, async () => {
    const data = new TextEncoder().encode('the plan\n');
    const sink = memorySink();
    const grants = people.map((p) => ({ person: publicIdentity(p), rights: BUILTIN_ROLES.Viewer! }));
    await protect(byteSourceOf(data), sink, {
      owner: alice,
      label: { id: 'general', name: 'General' },
      innerName: 'plan.txt',
      size: data.length,
      clock,
      grants,
    });
    let env = sink.bytes();
    let refusal: unknown;
    for (let i = 1; i < 20 && refusal === undefined; i++) {
      try {
        env = await rewrap(env, { expires: new Date(T0.getTime() + i * DAY) });
      } catch (e) {
        refusal = e;
      }
    }
    assert.ok(isSensitivityError(refusal), `the history never filled: ${String(refusal)}`);
    assert.equal(refusal.code, 'E_HISTORY_FULL', refusal.message);
    assert.equal(refusal.details.hint, 'protect-anew');
    assert.match(refusal.message, /history of access changes has reached the 1 MiB the format allows/);
    await assert.rejects(rewrap(env, { revoke: [people[0]!.email] }), (e) => isSensitivityError(e) && e.code === 'E_HISTORY_FULL');
    const opened = await openEnvelope(byteSourceOf(env), memorySink(), alice, { clock });
    assert.ok(opened.lineage.length >= 2, 'the file as it was still opens, its whole history verified');
  });
});
