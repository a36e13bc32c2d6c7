/**
 * The certified directory's client rules (`certifiedPerson`, `findGrantee`) with real certificates (ES256 by
 * a WebCrypto key standing for the organisation's HSM key) over an in-memory directory: expiry, the policy's
 * fixed key against a different pin, Restricted Mode, and the order people.json → pins → directory. The real
 * key service behind the same code is in test/unit/cli/directory.test.ts.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import * as app from '../../../src/core/app/index.js';
import { fingerprint } from '../../../src/core/fingerprint.js';
import { createIdentity, publicIdentity, type Identity } from '../../../src/core/identity.js';
import { certificationKeyId, issueCertificate } from '../../../src/core/org/index.js';
import { DEFAULT_POLICY, type Policy } from '../../../src/core/policy/index.js';
import { memoryContext, MemoryAcceptance, MemoryStore, rejectsCode } from './memory-ports.js';

const URL_ = 'https://keys.example.com';
const NOW = new Date('2026-06-01T12:00:00.000Z');

interface OrgKey {
  readonly key: app.OrganisationKey;
  readonly fingerprint: string;
  certify(identity: Identity, lifetimeSeconds?: number, now?: Date): Promise<string>;
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

class MemoryOrganisations implements app.OrganisationPins {
  readonly pinned = new Map<string, { key: app.OrganisationKey; fingerprint: string }>();
  get = async (url: string) => this.pinned.get(url);
  async pin(url: string, key: app.OrganisationKey, fp: string) {
    this.pinned.set(url, { key, fingerprint: fp });
  }
}

let alice: Identity, bob: Identity;
let org: OrgKey, other: OrgKey;
before(async () => {
  [alice, bob, org, other] = await Promise.all([createIdentity('Alice', 'alice@example.com'), createIdentity('Bob', 'bob@example.com'), orgKey(), orgKey()]);
});

function setup(policy: Policy = { ...DEFAULT_POLICY, organisation: { url: URL_ } }, mode: 'ask' | 'ignore' = 'ask') {
  const directory = new MemoryDirectory([org.key]);
  const organisations = new MemoryOrganisations();
  const ctx = { ...memoryContext(alice, { store: new MemoryStore(policy), acceptance: new MemoryAcceptance(mode) }), directory, organisations };
  return { ctx, directory, organisations };
}

describe('the certified directory, client rules', () => {
  it('verifies, pins the organisation key on first use, and finds people in people.json, then pins, then the directory', async () => {
    const { ctx, directory, organisations } = setup();
    directory.certificates.set('bob@example.com', await org.certify(bob));
    const found = await app.certifiedPerson(ctx, { url: URL_ }, 'bob@example.com');
    assert.equal(found.identity.id, bob.id);
    assert.deepEqual(found.organisationKey, { fingerprint: org.fingerprint, pinned: 'new' });
    assert.equal(organisations.pinned.get(URL_)?.fingerprint, org.fingerprint);
    // findGrantee: pinned people need no directory.
    await ctx.pins.pin(found.identity);
    const asked = directory.asked;
    const policy = await ctx.store.policy();
    assert.equal((await app.findGrantee(ctx, policy, await ctx.store.people(), 'bob@example.com')).id, bob.id);
    assert.equal(directory.asked, asked, 'a pinned person is not looked up');
  });

  it('an expired certificate is E_CERTIFICATE_INVALID, and nothing is pinned', async () => {
    const { ctx, directory, organisations } = setup();
    directory.certificates.set('bob@example.com', await org.certify(bob, 3600, new Date(NOW.getTime() - 2 * 3600_000)));
    const e = await rejectsCode(app.certifiedPerson(ctx, { url: URL_ }, 'bob@example.com'), 'E_CERTIFICATE_INVALID');
    assert.match(e.message, /expired/);
    assert.equal(organisations.pinned.size, 0);
  });

  it("a certificate for someone else's email is refused", async () => {
    const { ctx, directory } = setup();
    directory.certificates.set('bob@example.com', await org.certify(alice));
    await rejectsCode(app.certifiedPerson(ctx, { url: URL_ }, 'bob@example.com'), 'E_CERTIFICATE_INVALID');
  });

  it("the policy's fixed key wins: a different pin, or a different offered key, is E_ORG_KEY_CHANGED with both fingerprints", async () => {
    const fixed = { url: URL_, certificationKey: org.fingerprint };
    const { ctx, directory, organisations } = setup({ ...DEFAULT_POLICY, organisation: fixed });
    directory.certificates.set('bob@example.com', await org.certify(bob));
    await organisations.pin(URL_, other.key, other.fingerprint);
    const e = await rejectsCode(app.certifiedPerson(ctx, fixed, 'bob@example.com'), 'E_ORG_KEY_CHANGED');
    assert.ok(e.message.includes(org.fingerprint) && e.message.includes(other.fingerprint));
    organisations.pinned.clear();
    directory.keys = [other.key];
    directory.certificates.set('bob@example.com', await other.certify(bob));
    await rejectsCode(app.certifiedPerson(ctx, fixed, 'bob@example.com'), 'E_ORG_KEY_CHANGED');
    assert.equal(organisations.pinned.size, 0);
  });

  it('in Restricted Mode (workspace keys ignored) the workspace’s organisation is not used', async () => {
    const { ctx, directory } = setup(undefined, 'ignore');
    directory.certificates.set('bob@example.com', await org.certify(bob));
    await rejectsCode(app.certifiedPerson(ctx, { url: URL_ }, 'bob@example.com'), 'E_USAGE');
    assert.equal(directory.asked, 0);
  });

  it('without an organisation in the policy, an unknown email stays E_PERSON_UNKNOWN', async () => {
    const { ctx } = setup(DEFAULT_POLICY);
    await rejectsCode(app.findGrantee(ctx, DEFAULT_POLICY, await ctx.store.people(), 'bob@example.com'), 'E_PERSON_UNKNOWN');
  });
});
