/**
 * The application layer's rules, in memory: protect, unprotect, open, save, label, grant, revoke, inspect
 * and list over the in-memory ports (real crypto, no disk). The Node adapters have their own tests.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as app from '../../../src/core/app/index.js';
import { SensitivityError } from '../../../src/core/errors.js';
import { createIdentity, publicIdentity, type Identity } from '../../../src/core/identity.js';
import { getLabel, setLabel } from '../../../src/core/labels/index.js';
import { DEFAULT_POLICY } from '../../../src/core/policy/index.js';
import { addPerson, EMPTY_PEOPLE } from '../../../src/core/people.js';
import { memorySink } from '../../../src/core/envelope/index.js';
import { memoryContext, MemoryFiles, MemoryStore, rejectsCode } from './memory-ports.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

let alice: Identity;
let bob: Identity;
let mallory: Identity;

/** Alice's and Bob's contexts over one workspace where both know each other. */
function workspace() {
  const files = new MemoryFiles();
  const store = new MemoryStore();
  store.peopleValue = addPerson(addPerson(EMPTY_PEOPLE, publicIdentity(alice)), publicIdentity(bob));
  return { files, store, as: (who: Identity | undefined) => memoryContext(who, { files, store }) };
}

before(async () => {
  [alice, bob, mallory] = await Promise.all([
    createIdentity('Alice', 'alice@example.com'),
    createIdentity('Bob', 'bob@example.com'),
    createIdentity('Mallory', 'mallory@example.com'),
  ]);
});

describe('app: protect', () => {
  it('seals a labeled file, moves its label into the envelope, removes the plain file and records the event', async () => {
    const ws = workspace();
    const a = ws.as(alice);
    ws.files.put('docs/plan.md', '# plan', 0o640);
    await app.setFileLabel(a, 'docs/plan.md', 'General');
    const { output, info } = await app.protect(a, 'docs/plan.md', {
      label: 'Confidential/All Employees',
      grants: [{ who: 'bob@example.com', role: 'Viewer' }],
    });
    assert.equal(output, 'docs/plan.md.protected');
    assert.equal(info.policy.label.id, 'confidential-all-employees');
    assert.deepEqual(info.policy.grants.map((g) => g.email).sort(), ['alice@example.com', 'bob@example.com']);
    assert.equal(ws.files.files.has('docs/plan.md'), false, 'plain file removed');
    assert.equal(ws.files.files.get(output)?.mode, 0o600);
    assert.equal(getLabel(ws.store.manifestValue, 'docs/plan.md'), undefined, 'label moved into the envelope');
    assert.deepEqual(a.audit.actions(), ['label.set', 'protect']);
  });

  it('never overwrites an envelope that appears while it is written (E_EXISTS), and keeps the plain file', async () => {
    const ws = workspace();
    ws.files.put('a.txt', 'secret');
    ws.files.beforeCommit = (p) => ws.files.put(p, 'racer');
    await rejectsCode(app.protect(ws.as(alice), 'a.txt', { label: 'general' }), 'E_EXISTS');
    assert.equal(ws.files.text('a.txt.protected'), 'racer');
    assert.equal(ws.files.text('a.txt'), 'secret');
  });

  it('does not protect when the event cannot be recorded (fails closed): no envelope, plain file kept', async () => {
    const ws = workspace();
    ws.files.put('a.txt', 'secret');
    const a = ws.as(alice);
    a.audit.failing = new SensitivityError('E_AUDIT_FAILED', 'the audit log cannot be written');
    await rejectsCode(app.protect(a, 'a.txt', { label: 'general' }), 'E_AUDIT_FAILED');
    assert.equal(ws.files.files.has('a.txt.protected'), false);
    assert.equal(ws.files.text('a.txt'), 'secret');
  });

  it('refuses without an identity, a label or a justification for a downgrade', async () => {
    const ws = workspace();
    ws.files.put('a.txt', 'x');
    const e = await rejectsCode(app.protect(ws.as(undefined), 'a.txt'), 'E_NO_IDENTITY');
    assert.equal(e.details.hint, 'create-identity');
    // Labeled before its label required protection (say, from git): the manifest says so, the file is plain.
    ws.store.manifestValue = setLabel(ws.store.manifestValue, 'a.txt', 'highly-confidential-all-employees', alice, {
      policy: DEFAULT_POLICY,
      now: new Date(),
    }).manifest;
    const down = await rejectsCode(app.protect(ws.as(alice), 'a.txt', { label: 'general' }), 'E_JUSTIFICATION_REQUIRED');
    assert.equal(down.details.hint, 'give-justification');
    await rejectsCode(app.protect(ws.as(alice), 'a.txt.protected'), 'E_USAGE');
  });

  it('stops with E_CANCELLED when cancelled, leaving nothing', async () => {
    const ws = workspace();
    ws.files.put('big.bin', new Uint8Array(300_000));
    const abort = new AbortController();
    const p = app.protect(ws.as(alice), 'big.bin', { label: 'general', signal: abort.signal, onProgress: (n) => n > 100_000 && abort.abort() });
    await rejectsCode(p, 'E_CANCELLED');
    assert.equal(ws.files.files.has('big.bin.protected'), false);
    assert.ok(ws.files.files.has('big.bin'));
  });

  it('stops with E_CANCELLED when cancelled after the end of the file was read, before anything is recorded or put in place', async () => {
    const ws = workspace();
    ws.files.put('big.bin', new Uint8Array(300_000));
    const a = ws.as(alice);
    const abort = new AbortController();
    // The second report of the whole size is the read that finds the end: no read follows it.
    let whole = 0;
    const p = app.protect(a, 'big.bin', { label: 'general', signal: abort.signal, onProgress: (n) => n === 300_000 && ++whole === 2 && abort.abort() });
    await rejectsCode(p, 'E_CANCELLED');
    assert.equal(ws.files.files.has('big.bin.protected'), false);
    assert.ok(ws.files.files.has('big.bin'));
    assert.deepEqual(a.audit.actions(), []);
  });
});

describe('app: open, save, unprotect', () => {
  async function protectedPlan() {
    const ws = workspace();
    ws.files.put('plan.md', 'the plan', 0o600);
    await app.protect(ws.as(alice), 'plan.md', { label: 'general', grants: [{ who: 'bob@example.com', role: 'Viewer' }] });
    return ws;
  }

  it('opens for a grantee through one handle and records the open before releasing a byte', async () => {
    const ws = await protectedPlan();
    const b = ws.as(bob);
    const opens = ws.files.opens;
    const sink = memorySink();
    await app.openTo(b, 'plan.md.protected', sink);
    assert.equal(text(sink.bytes()), 'the plan');
    assert.equal(ws.files.opens - opens, 1, 'one open handle for the whole operation');
    assert.deepEqual(b.audit.actions(), ['open']);
    const { content, rights } = await app.open(b, 'plan.md.protected');
    assert.equal(text(content), 'the plan');
    assert.deepEqual([...rights].sort(), ['VIEW', 'VIEWRIGHTSDATA']);
  });

  it('releases nothing when the open cannot be recorded', async () => {
    const ws = await protectedPlan();
    const b = ws.as(bob);
    b.audit.failing = new SensitivityError('E_AUDIT_FAILED', 'no log');
    const sink = memorySink();
    await rejectsCode(app.openTo(b, 'plan.md.protected', sink), 'E_AUDIT_FAILED');
    assert.equal(sink.bytes().length, 0);
  });

  it('records refused and tampered opens, and names the file', async () => {
    const ws = await protectedPlan();
    const m = ws.as(mallory);
    const e = await rejectsCode(app.open(m, 'plan.md.protected'), 'E_NOT_GRANTEE');
    assert.equal(e.file, 'plan.md.protected');
    assert.equal(e.details.hint, 'ask-owner');
    assert.equal(e.details.ownerEmail, 'alice@example.com');
    assert.deepEqual(m.audit.actions(), ['open.denied']);
    const f = ws.files.files.get('plan.md.protected')!;
    const bytes = f.bytes.slice();
    bytes[bytes.length - 5]! ^= 1;
    ws.files.put('plan.md.protected', bytes);
    const b = ws.as(bob);
    await rejectsCode(app.open(b, 'plan.md.protected'), 'E_INTEGRITY');
    assert.deepEqual(b.audit.actions(), ['open', 'open.refused']);
  });

  it('lets an editor save, not a viewer; save keeps the mode and records an edit', async () => {
    const ws = await protectedPlan();
    await rejectsCode(app.save(ws.as(bob), 'plan.md.protected', new TextEncoder().encode('bob was here')), 'E_RIGHT_MISSING');
    const a = ws.as(alice);
    await app.save(a, 'plan.md.protected', new TextEncoder().encode('v2'));
    assert.equal(text((await app.open(ws.as(bob), 'plan.md.protected')).content), 'v2');
    assert.equal(ws.files.files.get('plan.md.protected')?.mode, 0o600);
    assert.deepEqual(a.audit.actions(), ['edit']);
  });

  it("unprotects with the envelope's mode, exclusively, and moves the label to the manifest", async () => {
    const ws = await protectedPlan();
    await rejectsCode(app.unprotect(ws.as(bob), 'plan.md.protected'), 'E_RIGHT_MISSING');
    ws.files.put('plan.md', 'someone else');
    await rejectsCode(app.unprotect(ws.as(alice), 'plan.md.protected'), 'E_EXISTS');
    assert.equal(ws.files.text('plan.md'), 'someone else', 'an existing file is never overwritten');
    await ws.files.remove('plan.md');
    const { output } = await app.unprotect(ws.as(alice), 'plan.md.protected');
    assert.equal(ws.files.text(output), 'the plan');
    assert.equal(ws.files.files.get(output)?.mode, 0o600, 'mode of the 0600 envelope, not 0644');
    assert.equal(getLabel(ws.store.manifestValue, 'plan.md')?.label, 'general');
    assert.equal(ws.files.files.has('plan.md.protected'), false);
  });
});

describe('app: grant, revoke, labels of protected files', () => {
  it('grants and revokes (OWNER only); revoke rotates the key so the revoked person opens nothing', async () => {
    const ws = workspace();
    ws.files.put('x.txt', 'x');
    const a = ws.as(alice);
    await app.protect(a, 'x.txt', { label: 'general' });
    await rejectsCode(app.open(ws.as(bob), 'x.txt.protected'), 'E_NOT_GRANTEE');
    await app.grant(a, 'x.txt.protected', [{ who: 'bob@example.com', role: 'Reviewer' }]);
    assert.equal(text((await app.open(ws.as(bob), 'x.txt.protected')).content), 'x');
    await rejectsCode(app.grant(ws.as(bob), 'x.txt.protected', [{ who: 'bob@example.com', role: 'Co-Owner' }]), 'E_RIGHT_MISSING');
    await app.revoke(a, 'x.txt.protected', ['bob@example.com']);
    await rejectsCode(app.open(ws.as(bob), 'x.txt.protected'), 'E_NOT_GRANTEE');
    assert.deepEqual(a.audit.actions(), ['protect', 'grant', 'revoke']);
  });

  it('serialises rewrites of one file: concurrent grants both land', async () => {
    const ws = workspace();
    ws.files.put('x.txt', 'x');
    const a = ws.as(alice);
    await app.protect(a, 'x.txt', { label: 'general' });
    const store2 = ws.store;
    store2.peopleValue = addPerson(store2.peopleValue, publicIdentity(mallory));
    await Promise.all([
      app.grant(a, 'x.txt.protected', [{ who: 'bob@example.com', role: 'Viewer' }]),
      app.grant(a, 'x.txt.protected', [{ who: 'mallory@example.com', role: 'Viewer' }]),
    ]);
    const info = await app.inspect(a, 'x.txt.protected');
    assert.deepEqual(info.grants.map((g) => g.email).sort(), ['alice@example.com', 'bob@example.com', 'mallory@example.com']);
  });

  it('relabels a protected file as its owner; a downgrade needs a justification', async () => {
    const ws = workspace();
    ws.files.put('x.txt', 'x');
    const a = ws.as(alice);
    await app.protect(a, 'x.txt', { label: 'highly-confidential-all-employees' });
    await rejectsCode(app.setFileLabel(a, 'x.txt.protected', 'general'), 'E_JUSTIFICATION_REQUIRED');
    const change = await app.setFileLabel(a, 'x.txt.protected', 'general', { justification: 'published' });
    assert.deepEqual(change, { from: 'highly-confidential-all-employees', to: 'general', direction: 'downgrade' });
    assert.equal((await app.labelOf(a, 'x.txt.protected'))?.label.id, 'general');
    await rejectsCode(app.removeFileLabel(a, 'x.txt.protected'), 'E_USAGE');
  });
});

describe('app: encrypt on label', () => {
  it('refuses a label whose protection is required on a plain file, changing nothing (E_PROTECTION_REQUIRED)', async () => {
    const ws = workspace();
    const a = ws.as(alice);
    ws.files.put('plan.md', 'launch');
    const e = await rejectsCode(app.setFileLabel(a, 'plan.md', 'Confidential/All Employees'), 'E_PROTECTION_REQUIRED');
    assert.equal(e.details.hint, 'protect-with-label');
    assert.equal(e.details.label, 'Confidential/All Employees');
    assert.equal(getLabel(ws.store.manifestValue, 'plan.md'), undefined, 'no label recorded');
    assert.equal(ws.files.text('plan.md'), 'launch');
    assert.equal(ws.files.files.has('plan.md.protected'), false);
    assert.deepEqual(a.audit.actions(), []);
  });

  it('protects the file under the label in the same step, with its default grants and the people named', async () => {
    const ws = workspace();
    const a = ws.as(alice);
    ws.files.put('plan.md', 'launch');
    await app.setFileLabel(a, 'plan.md', 'General');
    const change = await app.setFileLabel(a, 'plan.md', 'Confidential/Specific People', {
      protect: { grants: [{ who: 'bob@example.com', role: 'Reviewer' }] },
    });
    assert.deepEqual(change, { from: 'general', to: 'confidential-specific-people', direction: 'upgrade', protectedAs: 'plan.md.protected' });
    assert.equal(ws.files.files.has('plan.md'), false, 'no plaintext left');
    const info = await app.inspect(a, 'plan.md.protected');
    assert.equal(info.label.id, 'confidential-specific-people');
    assert.deepEqual(info.grants.map((g) => `${g.email} ${g.role}`).sort(), ['alice@example.com Co-Owner', 'bob@example.com Reviewer']);
    assert.equal(getLabel(ws.store.manifestValue, 'plan.md'), undefined, 'the label lives in the envelope');
    assert.deepEqual(a.audit.actions(), ['label.set', 'protect']);
    // All Employees grants everyone in the directory by default.
    ws.files.put('b.md', 'b');
    await app.setFileLabel(a, 'b.md', 'Confidential/All Employees', { protect: {} });
    assert.deepEqual((await app.inspect(a, 'b.md.protected')).grants.map((g) => `${g.email} ${g.role}`).sort(), [
      'alice@example.com Co-Owner',
      'bob@example.com Co-Author',
    ]);
  });

  it('applies labels without required protection as before, and relabels protected files in their envelope', async () => {
    const ws = workspace();
    const a = ws.as(alice);
    ws.files.put('a.md', 'a');
    assert.equal((await app.setFileLabel(a, 'a.md', 'General', { protect: {} })).protectedAs, undefined, 'General does not protect');
    assert.equal(ws.files.text('a.md'), 'a');
    await app.protect(a, 'a.md', { label: 'Confidential/Specific People' });
    const up = await app.setFileLabel(a, 'a.md.protected', 'Highly Confidential/Specific People');
    assert.equal(up.protectedAs, undefined);
    assert.equal((await app.inspect(a, 'a.md.protected')).label.id, 'highly-confidential-specific-people');
  });
});

describe('app: only what you may do', () => {
  it('says before anything is asked who may share or unprotect: owners share, Export unprotects, non-grantees neither', async () => {
    const ws = workspace();
    ws.files.put('plan.md', 'plan');
    await app.protect(ws.as(alice), 'plan.md', { label: 'Confidential/Specific People', grants: [{ who: 'bob@example.com', role: 'Reviewer' }] });
    const mine = await app.inspect(ws.as(alice), 'plan.md.protected');
    assert.deepEqual([app.mayDo(mine, 'share'), app.mayDo(mine, 'unprotect')], [true, true]);
    assert.equal(app.actionRefusal(mine, 'share'), undefined);
    const bobs = await app.inspect(ws.as(bob), 'plan.md.protected');
    assert.deepEqual([app.mayDo(bobs, 'share'), app.mayDo(bobs, 'unprotect')], [false, false]);
    const share = app.actionRefusal(bobs, 'share')!;
    assert.equal(share.code, 'E_RIGHT_MISSING');
    // Whom to ask, in the core's one display of owners (an unverified key to Bob, who pinned nobody).
    assert.match(share.message, /^you cannot change who has access: only an owner can; ask .*Alice <alice@example\.com>/);
    assert.equal(share.details.hint, 'ask-owner');
    assert.match(app.actionRefusal(bobs, 'unprotect')!.message, /needs the Export right/);
    const malloryView = await app.inspect(ws.as(mallory), 'plan.md.protected');
    const denied = app.actionRefusal(malloryView, 'unprotect')!;
    assert.equal(denied.code, 'E_NOT_GRANTEE');
    assert.match(denied.message, /^you cannot open this file, so you cannot unprotect it/);
  });
});

describe('app: inspect hides the access list from people without access', () => {
  it('shows a non-grantee only the owner; a grantee with VIEWRIGHTSDATA everyone', async () => {
    const ws = workspace();
    ws.files.put('plan.md', 'plan');
    await app.protect(ws.as(alice), 'plan.md', { label: 'Confidential/Specific People', grants: [{ who: 'bob@example.com', role: 'Viewer' }] });
    const outsider = await app.inspect(ws.as(mallory), 'plan.md.protected');
    assert.equal(outsider.denied?.code, 'E_NOT_GRANTEE');
    assert.deepEqual(
      outsider.grants.map((g) => g.email),
      ['alice@example.com'],
      "no one else's email or role",
    );
    assert.equal(outsider.owner.email, 'alice@example.com');
    const viewer = await app.inspect(ws.as(bob), 'plan.md.protected');
    assert.deepEqual(viewer.grants.map((g) => g.email).sort(), ['alice@example.com', 'bob@example.com']);
  });
});

describe('app: labels of plain files and listings', () => {
  it('keeps every label when twenty label changes run at once', async () => {
    const ws = workspace();
    const a = ws.as(alice);
    const names = Array.from({ length: 20 }, (_, i) => `f${i}.txt`);
    for (const n of names) ws.files.put(n, n);
    await Promise.all(names.map((n) => app.setFileLabel(a, n, 'general')));
    assert.equal(Object.keys(ws.store.manifestValue.files).length, 20);
  });

  it('does not label when the change cannot be recorded', async () => {
    const ws = workspace();
    ws.files.put('a.txt', 'a');
    const a = ws.as(alice);
    a.audit.failing = new SensitivityError('E_AUDIT_FAILED', 'no log');
    await rejectsCode(app.setFileLabel(a, 'a.txt', 'general'), 'E_AUDIT_FAILED');
    assert.equal(getLabel(ws.store.manifestValue, 'a.txt'), undefined);
    await rejectsCode(app.setFileLabel(ws.as(alice), 'missing.txt', 'general'), 'E_NOT_FOUND');
  });

  it('lists labeled and protected files, keeps unknown labels flagged and reports unreadable files', async () => {
    const ws = workspace();
    const a = ws.as(alice);
    ws.files.put('docs/a.md', 'a');
    ws.files.put('docs/b.md', 'b');
    ws.files.put('docs/gone.md', 'g');
    ws.files.put('node_modules/x.protected', 'not scanned');
    ws.files.put('broken.txt.protected', 'not an envelope');
    await app.setFileLabel(a, 'docs/a.md', 'general');
    await app.setFileLabel(a, 'docs/gone.md', 'general');
    await ws.files.remove('docs/gone.md');
    await app.protect(a, 'docs/b.md', { label: 'public' });
    ws.store.manifestValue = {
      version: 1,
      files: {
        ...ws.store.manifestValue.files,
        'docs/old.md': { label: 'retired-label', setBy: { id: alice.id, email: alice.email, name: alice.name }, setAt: '2026-01-01T00:00:00.000Z' },
      },
    };
    ws.files.put('docs/old.md', 'o');
    const { files, problems } = await app.list(a);
    assert.deepEqual(
      files.map((f) => [f.path, f.label.id, f.protected !== null]),
      [
        ['docs/a.md', 'general', false],
        ['docs/b.md.protected', 'public', true],
        ['docs/old.md', 'retired-label', false],
      ],
    );
    assert.equal(files[2]!.label.unknown, true);
    assert.deepEqual(
      problems.map((p) => [p.path, p.code]),
      [
        ['broken.txt.protected', 'E_FORMAT'],
        ['docs/gone.md', 'E_NOT_FOUND'],
      ],
    );
    const docs = await app.list(a, 'docs');
    assert.equal(docs.files.length, 3);
  });

  it('inspects without a key: owner, grants, and why the caller may not view', async () => {
    const ws = workspace();
    ws.files.put('x.txt', 'x');
    await app.protect(ws.as(alice), 'x.txt', { label: 'general', expires: new Date('2026-07-01T00:00:00.000Z') });
    const info = await app.inspect(ws.as(bob), 'x.txt.protected');
    assert.equal(info.owner.email, 'alice@example.com');
    assert.equal(info.expires, '2026-07-01T00:00:00.000Z');
    assert.equal(info.denied?.code, 'E_NOT_GRANTEE');
    await rejectsCode(app.inspect(ws.as(bob), 'x.txt'), 'E_USAGE');
  });
});
