/**
 * Issue 20, the rules behind the CLI tests in the core: how histories relate, what memory keeps (and when),
 * format-1 migration, the merge's choice of policy, witness receipts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as app from '../../../src/core/app/index.js';
import {
  byteSourceOf,
  memorySink,
  policyDigest,
  protect,
  randomAccessOf,
  readEnvelopeHeader,
  replaceEnvelopeContent,
  rewrapEnvelope,
} from '../../../src/core/envelope/index.js';
import { ownerClaim, signPolicy } from '../../../src/core/envelope/policy.js';
import { createIdentity, publicIdentity, type Identity } from '../../../src/core/identity.js';
import { normalizeRights } from '../../../src/core/rights.js';
import { addPerson, EMPTY_PEOPLE } from '../../../src/core/people.js';
import { homeVersionMemory } from '../../../src/node/versions.js';
import { drbg, reseal } from '../../vectors/fixtures.js';
import { asFormat1, fileKeyOf, format1Policy, headerOf } from '../history-fixtures.js';
import { rejectsCode, memoryContext, MemoryFiles, MemoryPins, MemoryStore, MemoryVersions } from './memory-ports.js';

const te = new TextEncoder();
const LABEL = { id: 'c', name: 'Confidential' };
let alice: Identity, bob: Identity, carol: Identity;

async function file(content: string, grants: { who: Identity; rights: ('VIEW' | 'EDIT' | 'VIEWRIGHTSDATA')[] }[]): Promise<Uint8Array> {
  const sink = memorySink();
  const bytes = te.encode(content);
  await protect(byteSourceOf(bytes), sink, {
    owner: alice,
    label: LABEL,
    grants: grants.map((g) => ({ person: publicIdentity(g.who), rights: g.rights })),
    innerName: 'f.txt',
    size: bytes.length,
    chunkSize: 64,
    random: drbg(`history ${Math.random()}`),
  });
  return sink.bytes();
}

before(async () => {
  [alice, bob, carol] = await Promise.all([
    createIdentity('Alice', 'alice@example.com'),
    createIdentity('Bob', 'bob@example.com'),
    createIdentity('Carol', 'carol@example.com'),
  ]);
});

describe('access history', () => {
  it('relate: one position decides same, extends, older and fork', () => {
    const head = { history: ['a', 'b', 'c'], signer: { id: 'x', email: 'x@example.com' } };
    assert.equal(app.relate(undefined, ['a']), 'new');
    assert.equal(app.relate(head, ['a', 'b', 'c']), 'same');
    assert.equal(app.relate(head, ['a', 'b', 'c', 'd']), 'extends');
    assert.equal(app.relate(head, ['a', 'b']), 'older');
    assert.equal(app.relate(head, ['a', 'x']), 'fork');
    assert.equal(app.relate(head, ['a', 'b', 'x', 'y']), 'fork');
  });

  it("git's witnessed head: each committed version that extends the head takes over; forks committed into history are skipped", () => {
    const v = (blob: string, history: string[], lineId = 'L') => ({ blob, cid: 'c', lineId, history, signer: { id: blob, email: `${blob}@example.com` } });
    const committed = [v('1', ['a']), v('2', ['a', 'b']), v('f', ['a', 'x']), v('o', ['q'], 'other'), v('3', ['a', 'b', 'c']), v('g', ['a', 'b', 'y', 'z'])];
    assert.equal(app.witnessedHead(committed, 'L')?.blob, '3');
    assert.equal(app.witnessedHead(committed, 'other')?.blob, 'o');
    assert.equal(app.witnessedHead(committed, 'none'), undefined);
  });

  it('the head is raised only after the body authenticates: a tampered body of a newer version leaves memory as it was', async () => {
    const files = new MemoryFiles();
    const versions = new MemoryVersions();
    const ctx = { ...memoryContext(bob, { files }), versions };
    const v1 = await file('one', [{ who: bob, rights: ['VIEW'] }]);
    files.put('f.txt.protected', v1);
    await app.open(ctx, 'f.txt.protected');
    const v2 = memorySink();
    await rewrapEnvelope(randomAccessOf(v1), v2, alice, { grant: [{ person: publicIdentity(carol), rights: ['VIEW'] }] });
    const bad = v2.bytes().slice();
    bad[bad.length - 1]! ^= 1;
    files.put('f.txt.protected', bad);
    await rejectsCode(app.open(ctx, 'f.txt.protected'), 'E_INTEGRITY');
    const line = (await readEnvelopeHeader(randomAccessOf(v1))).lineageId!;
    assert.equal((await versions.head(line))?.history.length, 1, 'still version 1');
    files.put('f.txt.protected', v2.bytes());
    await app.open(ctx, 'f.txt.protected');
    assert.equal((await versions.head(line))?.history.length, 2);
  });

  it('versions.json takes any content id a file may carry ("__proto__" included) and stays one valid record', async () => {
    const home = mkdtempSync(join(tmpdir(), 'sensitivity-versions-'));
    try {
      const m = homeVersionMemory(home);
      const line = `__proto__.${'a'.repeat(43)}`;
      await m.remember(line, { history: ['b'.repeat(43)], signer: { id: 'i', email: 'x\u202e"}@example.com' } });
      assert.equal((await homeVersionMemory(home).head(line))?.history.length, 1);
      assert.ok(await m.seenInFormat2('__proto__'));
      assert.ok(!(await m.seenInFormat2('constructor')));
      const saved = JSON.parse(readFileSync(join(home, 'versions.json'), 'utf8')) as { v: number; heads: Record<string, unknown> };
      assert.equal(saved.v, 2);
      assert.deepEqual(Object.keys(saved.heads), [line]);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('format 1 (P5)', () => {
  it('a genuine format-1 copy of a file seen in format 2 is E_DOWNGRADE to read and to migrate; unseen, its pinned owner migrates it', async () => {
    const v2 = await file('current', [{ who: bob, rights: ['VIEW', 'EDIT'] }]);
    const older = await asFormat1(v2, bob, te.encode('old'), await format1Policy(v2, alice));
    const files = new MemoryFiles();
    const versions = new MemoryVersions();
    files.put('f.txt.protected', v2);
    await app.open({ ...memoryContext(alice, { files }), versions }, 'f.txt.protected');
    files.put('f.txt.protected', older);
    await rejectsCode(app.open({ ...memoryContext(alice, { files }), versions }, 'f.txt.protected'), 'E_DOWNGRADE');
    await rejectsCode(app.migrate({ ...memoryContext(alice, { files }), versions }, 'f.txt.protected'), 'E_DOWNGRADE');
    await rejectsCode(app.inspect({ ...memoryContext(alice, { files }), versions }, 'f.txt.protected'), 'E_DOWNGRADE');
    // Never seen in format 2: it reads (read-only); Bob cannot migrate it (no OWNER), Carol-less pins refuse an unknown signer.
    const fresh = { ...memoryContext(bob, { files }), versions: new MemoryVersions() };
    assert.equal(new TextDecoder().decode((await app.open(fresh, 'f.txt.protected')).content), 'old');
    await rejectsCode(app.save(fresh, 'f.txt.protected', te.encode('x')), 'E_READ_ONLY_FORMAT');
    await rejectsCode(app.migrate(fresh, 'f.txt.protected'), 'E_RIGHT_MISSING');
    const pins = new MemoryPins();
    const migrated = await app.migrate({ ...memoryContext(alice, { files }), pins, versions: new MemoryVersions() }, 'f.txt.protected');
    assert.equal(migrated.layout.version, 2);
    assert.equal(migrated.policy.ver, 1);
  });
});

describe('merge (item 4)', () => {
  const merged = async (base: Uint8Array, ours: Uint8Array, theirs: Uint8Array, who: Identity) => {
    const files = new MemoryFiles();
    files.put('b', base);
    files.put('o', ours);
    files.put('t', theirs);
    const store = new MemoryStore();
    store.peopleValue = [alice, bob, carol].reduce((p, w) => addPerson(p, publicIdentity(w)), EMPTY_PEOPLE);
    const outcome = await app.merge(
      { ...memoryContext(who, { files, store }), versions: new MemoryVersions() },
      { paths: { base: 'b', ours: 'o', theirs: 't' }, file: 'f.txt.protected', merge: async (s) => ({ merged: s.theirs, conflicts: 0 }) },
    );
    return { outcome, result: await readEnvelopeHeader(randomAccessOf(files.files.get('o')!.bytes)) };
  };

  it("takes the policy whose history extends the other's: a revoke on either branch stands", async () => {
    const v1 = await file('base', [
      { who: bob, rights: ['VIEW', 'EDIT'] },
      { who: carol, rights: ['VIEW', 'EDIT'] },
    ]);
    const cut = memorySink();
    await rewrapEnvelope(randomAccessOf(v1), cut, alice, { revoke: [carol.email] });
    const edited = memorySink();
    await replaceEnvelopeContent(randomAccessOf(v1), byteSourceOf(te.encode('by bob')), edited, bob, { size: 6 });
    for (const [ours, theirs] of [
      [edited.bytes(), cut.bytes()],
      [cut.bytes(), edited.bytes()],
    ] as const) {
      const { result } = await merged(v1, ours, theirs, alice);
      assert.equal(result.policy.ver, 2);
      assert.ok(!result.policy.grants.some((g) => g.id === carol.id), 'Carol stays revoked');
    }
  });

  it("refuses a side that is another file's history with the same content id (E_FORK), and a format-1 side (E_READ_ONLY_FORMAT)", async () => {
    const v1 = await file('base', [{ who: bob, rights: ['VIEW', 'EDIT'] }]);
    // Bob's own line: his "version 1" with Alice's content id and grants (himself an owner), over the file key he holds.
    const { claims } = await headerOf(v1);
    const bobsV1 = await signPolicy(
      {
        ...claims,
        owner: ownerClaim(bob),
        grants: claims.grants.map((g) => (g.id === bob.id ? { ...g, rights: normalizeRights([...g.rights, 'OWNER']) } : g)),
      },
      bob,
    );
    const bobsLine = await reseal(v1, await fileKeyOf(v1, bob), (m) => ({ ...m, policy: bobsV1, lineage: [] }), bob);
    assert.notEqual((await readEnvelopeHeader(randomAccessOf(bobsLine))).lineageId, (await readEnvelopeHeader(randomAccessOf(v1))).lineageId);
    await rejectsCode(merged(v1, v1, bobsLine, alice), 'E_FORK');
    const old = await asFormat1(v1, bob, te.encode('old'), await format1Policy(v1, alice));
    await rejectsCode(merged(v1, v1, old, alice), 'E_READ_ONLY_FORMAT');
  });
});

describe('witness receipts (§16)', () => {
  it('travel in the envelope, are kept by saves and rewraps, added by the hook, and must name a version of the chain', async () => {
    const v1 = await file('x', [{ who: bob, rights: ['VIEW', 'EDIT'] }]);
    const hooked = memorySink();
    const info = await rewrapEnvelope(
      randomAccessOf(v1),
      hooked,
      alice,
      { grant: [{ person: publicIdentity(carol), rights: ['VIEW'] }] },
      {
        witness: async (v) => ({ pd: v.digest, kind: 'test', value: `receipt for ${v.ver}` }),
      },
    );
    assert.deepEqual(info.witness, [{ pd: info.history[1], kind: 'test', value: 'receipt for 2' }]);
    const saved = memorySink();
    const afterSave = await replaceEnvelopeContent(randomAccessOf(hooked.bytes()), byteSourceOf(te.encode('y')), saved, bob, { size: 1 });
    assert.deepEqual(afterSave.witness, info.witness);
    const next = memorySink();
    const v3 = await rewrapEnvelope(randomAccessOf(saved.bytes()), next, alice, { revoke: [carol.email] });
    assert.deepEqual(v3.witness, info.witness, 'kept for the version it names');
    const stray = await reseal(v1, await fileKeyOf(v1, alice), (m) => ({ ...m, witness: [{ pd: policyDigest('x.y.z'), kind: 'test', value: 'r' }] }), alice);
    await rejectsCode(readEnvelopeHeader(randomAccessOf(stray)), 'E_FORMAT');
  });
});
