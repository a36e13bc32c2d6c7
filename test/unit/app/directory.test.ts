/**
 * The certified directory's client rules (`certifiedPerson`, `findGrantee`, the organisation among the
 * workspace's keys) with real certificates (ES256 by a WebCrypto key standing for the organisation's HSM key)
 * over an in-memory directory: acceptance, a changed organisation key, an expired certificate or a changed
 * key for a person already pinned, the policy's fixed key, Restricted Mode, local mode. The real key service
 * behind the same code is in test/unit/cli/directory.test.ts.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import * as app from '../../../src/core/app/index.js';
import { fingerprint } from '../../../src/core/fingerprint.js';
import { createIdentity, publicIdentity, type Identity } from '../../../src/core/identity.js';
import { certificationKeyId, issueCertificate } from '../../../src/core/org/index.js';
import { DEFAULT_POLICY, type Policy } from '../../../src/core/policy/index.js';
import { addPerson, EMPTY_PEOPLE } from '../../../src/core/people.js';
import { memoryContext, MemoryAcceptance, MemoryFiles, MemoryOrganisations, MemoryStore, MemoryWitness, rejectsCode } from './memory-ports.js';

const URL_ = 'https://keys.example.com';
const NOW = new Date('2026-06-01T12:00:00.000Z');

interface OrgKey {
  readonly key: app.OrganisationKey;
  readonly fingerprint: string;
  certify(identity: Identity, lifetimeSeconds?: number, now?: Date): Promise<string>;
  /** The organisation's witness, signing with this key (every protect in its workspace registers there). */
  witness(): MemoryWitness;
}

async function orgKey(): Promise<OrgKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const { x, y } = await exportJWK(publicKey);
  const key = { kty: 'EC' as const, crv: 'P-256' as const, x: x!, y: y! };
  const kid = await certificationKeyId(key);
  const signer = {
    kid,
    sign: async (d: Uint8Array) => new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey as CryptoKey, new Uint8Array(d))),
  };
  return {
    key,
    fingerprint: fingerprint(kid),
    certify: (identity, lifetimeSeconds = 3600, now = NOW) => issueCertificate(publicIdentity(identity), { issuer: URL_, signer, now, lifetimeSeconds }),
    witness: () => new MemoryWitness(URL_, signer),
  };
}

/** An organisation's directory in memory: the keys it offers and the certificates it holds. */
class MemoryDirectory implements app.OrganisationDirectory {
  readonly certificates = new Map<string, string>();
  asked = 0;
  constructor(public keys: app.OrganisationKey[]) {}
  certificationKeys = async () => this.keys;
  async certificate(_url: string, email: string) {
    this.asked++;
    const c = this.certificates.get(email);
    if (!c) throw new Error(`not listed: ${email}`);
    return c;
  }
}

let alice: Identity, bob: Identity, bobAgain: Identity;
let org: OrgKey, other: OrgKey;
before(async () => {
  [alice, bob, bobAgain, org, other] = await Promise.all([
    createIdentity('Alice', 'alice@example.com'),
    createIdentity('Bob', 'bob@example.com'),
    createIdentity('Bob', 'bob@example.com'),
    orgKey(),
    orgKey(),
  ]);
});

const ORG_POLICY: Policy = { ...DEFAULT_POLICY, organisation: { url: URL_ } };

function setup(policy: Policy = ORG_POLICY, mode: 'ask' | 'ignore' = 'ask') {
  const directory = new MemoryDirectory([org.key]);
  const organisations = new MemoryOrganisations();
  const files = new MemoryFiles();
  const ctx = {
    ...memoryContext(alice, { files, store: new MemoryStore(policy), acceptance: new MemoryAcceptance(mode) }),
    directory,
    organisations,
    witness: org.witness(),
  };
  return { ctx, directory, organisations, files, policy };
}

/** `setup`, with the workspace's keys (the organisation) accepted and Bob certified. */
async function accepted(policy: Policy = ORG_POLICY) {
  const s = setup(policy);
  await app.acceptWorkspaceKeys(s.ctx, policy);
  s.directory.certificates.set('bob@example.com', await org.certify(bob));
  return s;
}

const protectFor = (s: ReturnType<typeof setup>, who: string, opts: app.PinOptions = {}) => {
  s.files.put('plan.md', 'plan');
  return app.protect(s.ctx, 'plan.md', { label: 'general', grants: [{ who, role: 'Viewer' }], keep: true, ...opts });
};

describe('the organisation is one of the workspace keys', () => {
  it('until accepted, a directory grant is E_POLICY_UNACCEPTED naming the organisation and the fingerprint its directory offers; nothing is asked or pinned', async () => {
    const s = setup();
    s.directory.certificates.set('bob@example.com', await org.certify(bob));
    const e = await rejectsCode(protectFor(s, 'bob@example.com'), 'E_POLICY_UNACCEPTED');
    assert.equal(e.details.hint, 'accept-policy');
    assert.deepEqual(e.details.keys, [`organisation  ${URL_}  ${org.fingerprint}`]);
    assert.equal(s.directory.asked, 0, 'no certificate looked up');
    assert.equal(s.organisations.pinned.size, 0);
    assert.equal(s.files.files.has('plan.md.protected'), false);
    await rejectsCode(app.certifiedPerson(s.ctx, s.policy, 'bob@example.com'), 'E_POLICY_UNACCEPTED');
  });

  it('accepted (audited, its key pinned), a grant by email resolves through the directory', async () => {
    const s = setup();
    const review = await app.reviewWorkspaceKeys(s.ctx, s.policy);
    assert.equal(review.accepted, false);
    const done = await app.acceptWorkspaceKeys(s.ctx, s.policy, { digest: review.digest });
    assert.deepEqual(done.keys, [`organisation  ${URL_}  ${org.fingerprint}`]);
    assert.ok(s.ctx.audit.actions().includes('policy.accept'));
    assert.equal(s.organisations.pinned.get(URL_)?.fingerprint, org.fingerprint);
    assert.equal((await app.reviewWorkspaceKeys(s.ctx, s.policy)).accepted, true);
    s.directory.certificates.set('bob@example.com', await org.certify(bob));
    const certified: string[] = [];
    await protectFor(s, 'bob@example.com', { onCertified: (f) => certified.push(f.organisationKey.fingerprint) });
    assert.deepEqual(certified, [org.fingerprint]);
    assert.equal((await s.ctx.pins.byEmail('bob@example.com'))?.id, bob.id, 'Bob pinned');
  });

  it('acceptation is of what was shown: a digest that no longer matches is refused', async () => {
    const s = setup();
    const { digest } = await app.reviewWorkspaceKeys(s.ctx, s.policy);
    s.directory.keys = [other.key];
    await rejectsCode(app.acceptWorkspaceKeys(s.ctx, s.policy, { digest }), 'E_POLICY_UNACCEPTED');
    assert.equal(s.organisations.pinned.size, 0);
  });

  it('a changed organisation key after acceptance is E_ORG_KEY_CHANGED (both fingerprints) until accepted again', async () => {
    const s = await accepted();
    s.directory.keys = [other.key];
    s.directory.certificates.set('bob@example.com', await other.certify(bob));
    Object.assign(s.ctx, { witness: other.witness() });
    const e = await rejectsCode(protectFor(s, 'bob@example.com'), 'E_ORG_KEY_CHANGED');
    assert.ok(e.message.includes(org.fingerprint) && e.message.includes(other.fingerprint));
    assert.equal(e.details.hint, 'accept-policy');
    const review = await app.reviewWorkspaceKeys(s.ctx, s.policy);
    assert.equal(review.accepted, false);
    assert.equal(review.organisation?.pinned, org.fingerprint);
    assert.deepEqual(review.keys, [`organisation  ${URL_}  ${other.fingerprint}`]);
    await app.acceptWorkspaceKeys(s.ctx, s.policy);
    await protectFor(s, 'bob@example.com');
  });

  it('a recovery key and the organisation are one set: accepting covers both, and either alone is not accepted', async () => {
    const policy: Policy = { ...ORG_POLICY, recovery: [publicIdentity(bob)] };
    const s = setup(policy);
    s.files.put('plan.md', 'plan');
    const e = await rejectsCode(app.protect(s.ctx, 'plan.md', { label: 'general', keep: true }), 'E_POLICY_UNACCEPTED');
    assert.equal((e.details.keys as string[]).length, 2);
    await app.acceptWorkspaceKeys(s.ctx, policy);
    await app.protect(s.ctx, 'plan.md', { label: 'general', keep: true });
  });

  it("the policy's fixed key wins: a different pin, or a directory not offering it, is E_ORG_KEY_CHANGED with both fingerprints", async () => {
    const fixed: Policy = { ...DEFAULT_POLICY, organisation: { url: URL_, certificationKey: org.fingerprint } };
    const s = setup(fixed);
    s.directory.certificates.set('bob@example.com', await org.certify(bob));
    await s.organisations.pin(URL_, other.key, other.fingerprint);
    const e = await rejectsCode(app.certifiedPerson(s.ctx, fixed, 'bob@example.com'), 'E_ORG_KEY_CHANGED');
    assert.ok(e.message.includes(org.fingerprint) && e.message.includes(other.fingerprint));
    // Accepting the policy's keys pins the key it names, when the directory offers it.
    await app.acceptWorkspaceKeys(s.ctx, fixed);
    assert.equal(s.organisations.pinned.get(URL_)?.fingerprint, org.fingerprint);
    assert.equal((await app.certifiedPerson(s.ctx, fixed, 'bob@example.com')).identity.id, bob.id);
    s.directory.keys = [other.key];
    await rejectsCode(app.reviewWorkspaceKeys(s.ctx, fixed), 'E_ORG_KEY_CHANGED');
  });

  it('in Restricted Mode (workspace keys ignored) the workspace’s organisation is not used: grants by email are local', async () => {
    const s = setup(undefined, 'ignore');
    s.directory.certificates.set('bob@example.com', await org.certify(bob));
    await rejectsCode(app.certifiedPerson(s.ctx, s.policy, 'bob@example.com'), 'E_USAGE');
    await rejectsCode(app.findGrantee(s.ctx, s.policy, await s.ctx.store.people(), 'bob@example.com'), 'E_PERSON_UNKNOWN');
    await rejectsCode(app.acceptWorkspaceKeys(s.ctx, s.policy), 'E_USAGE');
    assert.equal(s.directory.asked, 0);
  });

  it('without an organisation in the policy, an unknown email stays E_PERSON_UNKNOWN and the directory is never asked', async () => {
    const s = setup(DEFAULT_POLICY);
    await rejectsCode(app.findGrantee(s.ctx, DEFAULT_POLICY, await s.ctx.store.people(), 'bob@example.com'), 'E_PERSON_UNKNOWN');
    assert.equal(s.directory.asked, 0);
  });
});

describe("a label's default grants follow the rules of a person named by email (issue 20)", () => {
  it('with an organisation, a default grantee comes from the directory, not from a key committed to people.json', async () => {
    // The label grants Bob by default; a commit put another key under his address in people.json.
    const general = ORG_POLICY.labels.find((l) => l.id === 'general')!;
    const policy: Policy = {
      ...ORG_POLICY,
      labels: ORG_POLICY.labels.map((l) => (l === general ? { ...l, protection: { grants: [{ to: 'bob@example.com', role: 'Viewer' }] } } : l)),
    };
    const s = await accepted(policy);
    (s.ctx.store as MemoryStore).peopleValue = addPerson(EMPTY_PEOPLE, publicIdentity(bobAgain));
    s.files.put('plan.md', 'plan');
    const { info } = await app.protect(s.ctx, 'plan.md', { label: 'general', keep: true });
    assert.deepEqual(
      info.policy.grants.filter((g) => g.email === 'bob@example.com').map((g) => g.id),
      [bob.id],
      'the certified Bob, not the key in people.json',
    );
    assert.ok(s.directory.asked > 0, 'the directory was asked');
  });
});

describe('a pinned person is checked against the directory each time', () => {
  it('an expired certificate is refused (E_CERTIFICATE_INVALID) although Bob is pinned; nothing written', async () => {
    const s = await accepted();
    await protectFor(s, 'bob@example.com');
    s.files.files.delete('plan.md.protected');
    assert.ok(await s.ctx.pins.byEmail('bob@example.com'));
    s.directory.certificates.set('bob@example.com', await org.certify(bob, 3600, new Date(NOW.getTime() - 2 * 3600_000)));
    const asked = s.directory.asked;
    const e = await rejectsCode(protectFor(s, 'bob@example.com'), 'E_CERTIFICATE_INVALID');
    assert.match(e.message, /expired/);
    assert.equal(s.directory.asked, asked + 1, 'the directory was asked although Bob is pinned');
    assert.equal(s.files.files.has('plan.md.protected'), false);
  });

  it("a certificate for someone else's email is refused", async () => {
    const s = await accepted();
    s.directory.certificates.set('bob@example.com', await org.certify(alice));
    await rejectsCode(app.certifiedPerson(s.ctx, s.policy, 'bob@example.com'), 'E_CERTIFICATE_INVALID');
  });

  it("a key in the directory other than Bob's pin is E_KEY_CHANGED until confirmed, even with people.json listing the pinned one", async () => {
    const s = await accepted();
    await protectFor(s, 'bob@example.com');
    s.files.files.delete('plan.md.protected');
    s.ctx.store.peopleValue = { version: 1, people: [publicIdentity(bob)] };
    s.directory.certificates.set('bob@example.com', await org.certify(bobAgain));
    const e = await rejectsCode(protectFor(s, 'bob@example.com'), 'E_KEY_CHANGED');
    assert.equal(e.details.pinnedFingerprint, fingerprint(bob.id));
    assert.equal(e.details.newFingerprint, fingerprint(bobAgain.id));
    assert.equal(s.files.files.has('plan.md.protected'), false);
    await protectFor(s, 'bob@example.com', { acceptNewKey: true });
    assert.equal((await s.ctx.pins.byEmail('bob@example.com'))?.id, bobAgain.id);
  });
});
