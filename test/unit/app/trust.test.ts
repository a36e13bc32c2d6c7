/**
 * Whom the tool believes (issue 9, attacks 2 and 3), written as the attacker would do it with the project's
 * own core: a people.json entry whose key is swapped, a `people add` of a file that keeps Bob's id with
 * Mallory's key, an impostor's self-signed identity under Bob's email, a policy that adds a recovery key.
 * Real crypto, in-memory ports (the Node adapters have their own tests).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as app from '../../../src/core/app/index.js';
import { fingerprint } from '../../../src/core/fingerprint.js';
import { createIdentity, publicIdentity, type Identity, type PublicIdentity } from '../../../src/core/identity.js';
import { addPerson, EMPTY_PEOPLE, parseIdentity, parsePeople, serializePeople, verifyIdentity } from '../../../src/core/people.js';
import { DEFAULT_POLICY } from '../../../src/core/policy/index.js';
import { readEnvelopeHeader } from '../../../src/core/envelope/index.js';
import { memoryContext, MemoryFiles, MemoryStore, rejectsCode } from './memory-ports.js';

let alice: Identity;
let bob: Identity;
let mallory: Identity;
/** Mallory's second identity, self-signed with Bob's name and email (anyone can sign such a document). */
let fakeBob: Identity;
let org: Identity;

before(async () => {
  [alice, bob, mallory, fakeBob, org] = await Promise.all([
    createIdentity('Alice', 'alice@example.com'),
    createIdentity('Bob', 'bob@example.com'),
    createIdentity('Mallory', 'mallory@example.com'),
    createIdentity('Bob', 'bob@example.com'),
    createIdentity('Recovery', 'recovery@example.com'),
  ]);
});

/** people.json as the attacker edits it: text in, text out. */
const edited = async (people: readonly PublicIdentity[], edit: (json: { people: Record<string, unknown>[] }) => void) => {
  const json = JSON.parse(serializePeople({ version: 1, people })) as { people: Record<string, unknown>[] };
  edit(json);
  return parsePeople(JSON.stringify(json), '.sensitivity/people.json');
};

function aliceWorkspace() {
  const files = new MemoryFiles();
  const store = new MemoryStore();
  store.peopleValue = addPerson(addPerson(EMPTY_PEOPLE, publicIdentity(alice)), publicIdentity(bob));
  const a = memoryContext(alice, { files, store });
  return { files, store, a };
}

const grantees = async (files: MemoryFiles, path: string) =>
  (await readEnvelopeHeader(await files.open(path))).policy.grants.map((g) => ({ email: g.email, id: g.id, recovery: g.recovery === true }));

describe('identities sign their own keys', () => {
  it('a new identity is self-signed; its public half verifies and keeps the proof', async () => {
    const pub = publicIdentity(bob);
    assert.match(pub.proof ?? '', /^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+$/);
    assert.equal(await verifyIdentity(pub), pub);
  });

  it('refuses an unsigned identity (E_IDENTITY_UNSIGNED) and any field changed after signing (E_IDENTITY_SIGNATURE)', async () => {
    const { proof: _proof, ...unsigned } = publicIdentity(bob);
    const e = await rejectsCode(verifyIdentity(unsigned), 'E_IDENTITY_UNSIGNED');
    assert.equal(e.details.hint, 're-add-person');
    const pub = publicIdentity(bob);
    for (const forged of [
      { ...pub, enc: mallory.enc },
      { ...pub, email: 'bob@evil.example' },
      { ...pub, name: 'Bobby' },
      { ...pub, created: '2020-01-01T00:00:00.000Z' },
      { ...pub, proof: mallory.proof! },
      { ...publicIdentity(mallory), proof: pub.proof! },
    ]) {
      await rejectsCode(verifyIdentity(forged), 'E_IDENTITY_SIGNATURE');
    }
  });

  it('your own identity without a proof (made before signing) is re-signed when read, to the same proof', async () => {
    const { proof: _proof, ...old } = bob;
    const read = await parseIdentity(JSON.parse(JSON.stringify(old)));
    assert.equal(read.proof, bob.proof, 'Ed25519 signatures are deterministic');
    await verifyIdentity(publicIdentity(read));
  });
});

describe('pinning: attack 2 (the people directory is not authenticated)', () => {
  it('the first grant pins the person; the fingerprints it reports are the ones people compare', async () => {
    const { files, a } = aliceWorkspace();
    files.put('plan.md', 'plan');
    const seen: [string, string][] = [];
    await app.protect(a, 'plan.md', { label: 'general', grants: [{ who: 'bob@example.com', role: 'Viewer' }], onPin: (p, o) => seen.push([p.email, o]) });
    assert.deepEqual(seen, [['bob@example.com', 'new']]);
    assert.equal((await a.pins.byEmail('bob@example.com'))?.id, bob.id);
    assert.match(fingerprint(bob.id), /^\d{5}( \d{5}){5}$/);
  });

  it("an edit of people.json swapping Bob's key for Mallory's (keeping Bob's id) is refused: E_IDENTITY_SIGNATURE, nothing sealed for her", async () => {
    const { files, store, a } = aliceWorkspace();
    store.peopleValue = await edited(store.peopleValue.people, (json) => {
      const b = json.people.find((p) => p.email === 'bob@example.com')!;
      b.enc = { ...mallory.enc };
    });
    assert.deepEqual(
      store.peopleValue.refused?.map((r) => [r.entry.email, r.error.code]),
      [['bob@example.com', 'E_IDENTITY_SIGNATURE']],
    );
    files.put('plan.md', 'plan');
    await rejectsCode(app.protect(a, 'plan.md', { label: 'general', grants: [{ who: 'bob@example.com', role: 'Viewer' }] }), 'E_IDENTITY_SIGNATURE');
    assert.equal(files.files.has('plan.md.protected'), false);
    await app.protect(a, 'plan.md', { label: 'general' });
    await rejectsCode(app.grant(a, 'plan.md.protected', [{ who: 'bob@example.com', role: 'Viewer' }]), 'E_IDENTITY_SIGNATURE');
    assert.deepEqual(
      (await grantees(files, 'plan.md.protected')).map((g) => g.email),
      ['alice@example.com'],
    );
  });

  it("an edit replacing Bob's entry by Mallory's self-signed 'Bob' is E_KEY_CHANGED once Bob is pinned, until Alice confirms", async () => {
    const { files, store, a } = aliceWorkspace();
    files.put('plan.md', 'plan');
    await app.protect(a, 'plan.md', { label: 'general', grants: [{ who: 'bob@example.com', role: 'Viewer' }] });
    store.peopleValue = await edited(store.peopleValue.people, (json) => {
      const i = json.people.findIndex((p) => p.email === 'bob@example.com');
      json.people[i] = JSON.parse(JSON.stringify(publicIdentity(fakeBob)));
    });
    assert.equal(store.peopleValue.refused, undefined, 'a self-signed document proves only that its key made it');
    files.put('notes.md', 'notes');
    const e = await rejectsCode(app.protect(a, 'notes.md', { label: 'general', grants: [{ who: 'bob@example.com', role: 'Viewer' }] }), 'E_KEY_CHANGED');
    assert.equal(e.details.hint, 'accept-new-key');
    assert.equal(e.details.pinnedFingerprint, fingerprint(bob.id));
    assert.equal(e.details.newFingerprint, fingerprint(fakeBob.id));
    assert.equal(files.files.has('notes.md.protected'), false);
    await rejectsCode(app.grant(a, 'plan.md.protected', [{ who: 'bob@example.com', role: 'Reviewer' }]), 'E_KEY_CHANGED');
    assert.deepEqual((await grantees(files, 'plan.md.protected')).find((g) => g.email === 'bob@example.com')?.id, bob.id, 'the file still names the real Bob');
    assert.equal((await a.pins.byEmail('bob@example.com'))?.id, bob.id, 'a refusal changes no pin');
    // Alice compared fingerprints and Bob really made a new identity: the change is confirmed, and recorded.
    await app.grant(a, 'plan.md.protected', [{ who: 'bob@example.com', role: 'Reviewer' }], { acceptNewKey: true });
    assert.equal((await a.pins.byEmail('bob@example.com'))?.id, fakeBob.id);
    assert.ok(a.audit.actions().includes('pin.change'));
  });

  it("`people add` of a file keeping Bob's id with Mallory's key is refused without --replace (E_IDENTITY_SIGNATURE, or E_IDENTITY_UNSIGNED without a proof)", async () => {
    const { store, a } = aliceWorkspace();
    const before = serializePeople(store.peopleValue);
    const swapped = { ...publicIdentity(bob), enc: mallory.enc };
    await rejectsCode(app.addToPeople(a, swapped), 'E_IDENTITY_SIGNATURE');
    const { proof: _p, ...unsigned } = swapped;
    await rejectsCode(app.addToPeople(a, unsigned), 'E_IDENTITY_UNSIGNED');
    assert.equal(serializePeople(store.peopleValue), before, 'people.json unchanged');
    assert.deepEqual(a.audit.actions(), []);
  });

  it("`people add` of Mallory's 'Bob': E_EXISTS without --replace; with it, E_KEY_CHANGED while Bob is pinned", async () => {
    const { store, a } = aliceWorkspace();
    await app.addToPeople(a, publicIdentity(bob));
    await rejectsCode(app.addToPeople(a, publicIdentity(fakeBob)), 'E_EXISTS');
    await rejectsCode(app.addToPeople(a, publicIdentity(fakeBob), { replace: true }), 'E_KEY_CHANGED');
    assert.equal(store.peopleValue.people.find((p) => p.email === 'bob@example.com')?.id, bob.id);
    await app.addToPeople(a, publicIdentity(fakeBob), { replace: true, acceptNewKey: true });
    assert.equal(store.peopleValue.people.find((p) => p.email === 'bob@example.com')?.id, fakeBob.id);
  });

  it('an unsigned entry (from before signing) is refused with how to re-add it; re-adding keeps every other entry', async () => {
    const { store, a } = aliceWorkspace();
    store.peopleValue = await edited(store.peopleValue.people, (json) => {
      delete json.people.find((p) => p.email === 'bob@example.com')!.proof;
    });
    const e = await rejectsCode(app.grant(a, 'x.protected', [{ who: 'bob@example.com', role: 'Viewer' }]), 'E_IDENTITY_UNSIGNED');
    assert.equal(e.details.hint, 're-add-person');
    assert.equal(e.details.who, 'bob@example.com');
    // The unsigned entry survives writes of other people untouched.
    await app.addToPeople(a, publicIdentity(mallory));
    const reread = await parsePeople(serializePeople(store.peopleValue));
    assert.deepEqual(
      reread.refused?.map((r) => r.entry.email),
      ['bob@example.com'],
    );
    // Bob's signed identity (same id) replaces it without --replace.
    await app.addToPeople(a, publicIdentity(bob));
    assert.equal(store.peopleValue.refused, undefined);
    assert.deepEqual(store.peopleValue.people.map((p) => p.email).sort(), ['alice@example.com', 'bob@example.com', 'mallory@example.com']);
  });
});

describe('workspace keys: attack 3 (a policy adds a recovery key)', () => {
  const withRecovery = (...keys: Identity[]) => ({ ...DEFAULT_POLICY, recovery: keys.map(publicIdentity) });

  it('a policy naming a recovery key stops protect until accepted (E_POLICY_UNACCEPTED with fingerprints), then adds it', async () => {
    const { files, store, a } = aliceWorkspace();
    store.policyValue = withRecovery(org);
    files.put('plan.md', 'plan');
    const e = await rejectsCode(app.protect(a, 'plan.md', { label: 'general' }), 'E_POLICY_UNACCEPTED');
    assert.equal(e.details.hint, 'accept-policy');
    assert.match(String(e.details.keys), new RegExp(fingerprint(org.id)));
    assert.equal(files.files.has('plan.md.protected'), false);
    assert.equal(files.text('plan.md'), 'plan');
    const accepted = await app.acceptWorkspaceKeys(a, store.policyValue);
    assert.deepEqual(accepted.keys, [`recovery  Recovery <recovery@example.com>  ${fingerprint(org.id)}`]);
    assert.ok(a.audit.actions().includes('policy.accept'));
    await app.protect(a, 'plan.md', { label: 'general' });
    assert.deepEqual(
      (await grantees(files, 'plan.md.protected')).filter((g) => g.recovery).map((g) => g.id),
      [org.id],
    );
  });

  it('a malicious commit adding a second recovery key is not silently effective: the set must be accepted again', async () => {
    const { files, store, a } = aliceWorkspace();
    store.policyValue = withRecovery(org);
    await app.acceptWorkspaceKeys(a, store.policyValue);
    store.policyValue = withRecovery(org, mallory);
    files.put('plan.md', 'plan');
    const e = await rejectsCode(app.protect(a, 'plan.md', { label: 'general' }), 'E_POLICY_UNACCEPTED');
    assert.match(String(e.details.keys), new RegExp(fingerprint(mallory.id)));
    // Swapping the accepted key's encryption key under the same id and email breaks its signature.
    store.policyValue = { ...DEFAULT_POLICY, recovery: [{ ...publicIdentity(org), enc: mallory.enc }] };
    await rejectsCode(app.protect(a, 'plan.md', { label: 'general' }), 'E_IDENTITY_SIGNATURE');
    assert.equal(files.files.has('plan.md.protected'), false);
  });

  it("where workspace keys are ignored (VS Code's restricted mode), files are protected without them", async () => {
    const { files, store } = aliceWorkspace();
    const a = memoryContext(alice, { files, store });
    a.acceptance.mode = 'ignore';
    store.policyValue = withRecovery(mallory);
    files.put('plan.md', 'plan');
    await app.protect(a, 'plan.md', { label: 'general' });
    assert.deepEqual(
      (await grantees(files, 'plan.md.protected')).map((g) => g.email),
      ['alice@example.com'],
    );
    await rejectsCode(app.acceptWorkspaceKeys(a, store.policyValue), 'E_USAGE');
  });
});
