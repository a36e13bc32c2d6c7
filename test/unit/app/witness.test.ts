/**
 * The organisation witness in a workspace that names an organisation (issue 21; FORMAT §16.1), in the core with
 * real receipts (ES256 by a WebCrypto key standing for the organisation's HSM key) and the key service's own rules
 * (`verifyWitnessRegistration`, `extendsWitnessHead`) in memory: every access change registers once and carries its receipt, a plain save
 * registers nothing; a removed Co-Owner's fork of an old copy is refused by the witness (nothing written) and, made
 * elsewhere, by a reader who remembers nothing; stripped, forged, other-key and tampered receipts are refused;
 * an unreachable witness writes nothing. (With the real key service and the CLI: test/unit/cli/witness.test.ts.)
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import * as app from '../../../src/core/app/index.js';
import { memorySink, randomAccessOf, readEnvelopeHeader, rewrapEnvelope, type WitnessHook } from '../../../src/core/envelope/index.js';
import { isSensitivityError } from '../../../src/core/errors.js';
import { fingerprint } from '../../../src/core/fingerprint.js';
import { createIdentity, publicIdentity, type Identity } from '../../../src/core/identity.js';
import {
  certificationKeyId,
  issueWitnessReceipt,
  verifyWitnessReceipt,
  WITNESS_KIND,
  type CertificateSigner,
  type WitnessClaim,
} from '../../../src/core/org/index.js';
import { witnessHeadCheck, withWitnessHead } from '../../../src/core/app/versions.js';
import { addPerson, EMPTY_PEOPLE } from '../../../src/core/people.js';
import { DEFAULT_POLICY, type Policy } from '../../../src/core/policy/index.js';
import { memoryContext, MemoryAcceptance, MemoryFiles, MemoryOrganisations, MemoryStore, MemoryVersions, MemoryWitness, rejectsCode } from './memory-ports.js';

const URL_ = 'https://keys.example.com';
const ORG_POLICY: Policy = { ...DEFAULT_POLICY, organisation: { url: URL_ } };
const te = new TextEncoder();

async function orgSigner(): Promise<{ key: app.OrganisationKey; signer: CertificateSigner }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const { x, y } = await exportJWK(publicKey);
  const key = { kty: 'EC' as const, crv: 'P-256' as const, x: x!, y: y! };
  const sign = async (d: Uint8Array) =>
    new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey as CryptoKey, new Uint8Array(d)));
  return { key, signer: { kid: await certificationKeyId(key), sign } };
}

let alice: Identity, bob: Identity, carol: Identity;
let org: Awaited<ReturnType<typeof orgSigner>>, other: Awaited<ReturnType<typeof orgSigner>>;
before(async () => {
  [alice, bob, carol, org, other] = await Promise.all([
    createIdentity('Alice', 'alice@example.com'),
    createIdentity('Bob', 'bob@example.com'),
    createIdentity('Carol', 'carol@example.com'),
    orgSigner(),
    orgSigner(),
  ]);
});

/** One organisation workspace (its files, policy and people) and its witness; each person accepts its keys in their own home. */
function workspace(policy: Policy = ORG_POLICY) {
  const files = new MemoryFiles();
  let people = EMPTY_PEOPLE;
  for (const p of [alice, bob, carol]) people = addPerson(people, publicIdentity(p));
  const store = new MemoryStore(policy, people);
  const witness = new MemoryWitness(URL_, org.signer);
  /** `who` acting here with an empty memory (a fresh clone, a new laptop), having accepted the organisation's key. */
  const as = async (who: Identity, over: { witness?: app.WitnessService; store?: MemoryStore } = {}) => {
    const organisations = new MemoryOrganisations();
    const acceptance = new MemoryAcceptance();
    const directory = { certificationKeys: async () => [org.key], certificate: async () => assert.fail('no directory lookups here') };
    const base = memoryContext(who, { files, store: over.store ?? store, acceptance });
    if ((over.store ?? store).policyValue.organisation) await app.acceptWorkspaceKeys({ ...base, directory, organisations }, (over.store ?? store).policyValue);
    return { ...base, organisations, versions: new MemoryVersions(), witness: over.witness ?? witness };
  };
  return { files, store, witness, as };
}

const receiptsOf = async (bytes: Uint8Array) => {
  const h = await readEnvelopeHeader(randomAccessOf(bytes));
  return { h, pds: h.witness.filter((w) => w.kind === WITNESS_KIND).map((w) => w.pd) };
};

/** Alice protects f.txt with Carol as Co-Owner (v1) and grants Bob (v2); Carol keeps a copy of v2; Alice revokes Carol (v3). */
async function history(w: ReturnType<typeof workspace>) {
  const a = await w.as(alice);
  w.files.put('f.txt', 'the plan');
  await app.protect(a, 'f.txt', { label: 'general', grants: [{ who: carol.id, role: 'Co-Owner' }] });
  await app.grant(a, 'f.txt.protected', [{ who: bob.id, role: 'Viewer' }]);
  const v2 = w.files.bytes('f.txt.protected')!;
  await app.revoke(a, 'f.txt.protected', [carol.id]);
  return { a, v2, v3: w.files.bytes('f.txt.protected')! };
}

describe('the organisation witness in its workspace (issue 21)', () => {
  it('every access change registers one version and carries its receipt; a plain save registers nothing', async () => {
    const w = workspace();
    const { a } = await history(w);
    assert.equal(w.witness.registered, 3, 'protect, grant, revoke: one registration each');
    await app.setExpiry(a, 'f.txt.protected', new Date('2027-01-01T00:00:00Z'));
    await app.setFileLabel(a, 'f.txt.protected', 'confidential-all-employees');
    assert.equal(w.witness.registered, 5, 'expiry and label change register too');
    const before = await app.open(a, 'f.txt.protected');
    await app.save(a, 'f.txt.protected', te.encode('new content'), { expectPolicy: before.info.policyDigest });
    assert.equal(w.witness.registered, 5, 'a save makes no new policy version: no round trip');
    const { h, pds } = await receiptsOf(w.files.bytes('f.txt.protected')!);
    assert.deepEqual(pds, h.history, 'a receipt for every version');
    for (const [i, e] of h.witness.entries())
      await verifyWitnessReceipt(e.value, [org.key], { issuer: URL_, line: h.policy.cid, pd: h.history[i]!, ver: i + 1 });
    // Bob, who remembers nothing, reads it.
    const b = await w.as(bob);
    assert.equal(new TextDecoder().decode((await app.open(b, 'f.txt.protected')).content), 'new content');
  });

  it("an owner's restore of an old copy is registered as the next version of the witnessed history, with every receipt", async () => {
    const w = workspace();
    const { a, v2, v3 } = await history(w);
    w.files.put('f.txt.protected', v2);
    const restored = await app.acceptRestore(a, 'f.txt.protected', { onto: v3 });
    assert.equal(restored.history.length, 4);
    assert.equal(w.witness.registered, 4);
    const { h, pds } = await receiptsOf(w.files.bytes('f.txt.protected')!);
    assert.deepEqual(pds, h.history, 'the receipts of versions 1–3 kept, version 4 registered');
    await app.open(await w.as(bob), 'f.txt.protected');
  });

  it("a removed Co-Owner's fork of an old copy: the witness refuses it (nothing written); made elsewhere, a reader who remembers nothing refuses it (E_WITNESS_MISSING)", async () => {
    const w = workspace();
    const { v2, v3 } = await history(w);
    // In the workspace, Carol's client registers her change: the witness holds version 3, so E_FORK and nothing written.
    w.files.put('old.txt.protected', v2);
    const c = await w.as(carol);
    await rejectsCode(app.revoke(c, 'old.txt.protected', [alice.id]), 'E_FORK');
    assert.deepEqual(w.files.bytes('old.txt.protected'), v2, 'the copy on disk is unchanged');
    assert.equal(w.witness.registered, 3);
    // Elsewhere (a folder whose policy names no organisation) nothing registers: her "version 3" has no receipt.
    const away = workspace(DEFAULT_POLICY);
    away.files.put('f.txt.protected', v2);
    const ca = await away.as(carol);
    await app.revoke(ca, 'f.txt.protected', [alice.id]);
    const fork = away.files.bytes('f.txt.protected')!;
    assert.deepEqual((await receiptsOf(fork)).pds.length, 2, 'the receipts of versions 1 and 2 are kept, none for hers');
    // Back in the organisation's workspace, Bob with an empty memory and no git refuses it; the genuine v3 opens.
    w.files.put('f.txt.protected', fork);
    const e = await rejectsCode(app.open(await w.as(bob), 'f.txt.protected'), 'E_WITNESS_MISSING');
    assert.equal(e.details.version, 3);
    w.files.put('f.txt.protected', v3);
    await app.open(await w.as(bob), 'f.txt.protected');
  });

  it('receipts stripped: refused while the policy requires receipts (the default), read when it says "optional"', async () => {
    const w = workspace();
    const { v2 } = await history(w);
    // Carol, Co-Owner in v2, re-signs it as version 3 with every receipt dropped (she holds the file key and OWNER).
    const { signed } = await readEnvelopeHeader(randomAccessOf(v2));
    const sink = memorySink();
    await rewrapEnvelope(randomAccessOf(v2), sink, carol, { onto: { ...signed, witness: [] } });
    assert.deepEqual((await receiptsOf(sink.bytes())).pds, []);
    w.files.put('f.txt.protected', sink.bytes());
    await rejectsCode(app.open(await w.as(bob), 'f.txt.protected'), 'E_WITNESS_MISSING');
    const lax = new MemoryStore({ ...ORG_POLICY, organisation: { url: URL_, witness: 'optional' } }, w.store.peopleValue);
    await app.open(await w.as(bob, { store: lax }), 'f.txt.protected');
  });

  it('a receipt signed by another key, tampered, or for another version is refused: E_WITNESS_INVALID', async () => {
    const w = workspace();
    const { v2 } = await history(w);
    const genuine = (await readEnvelopeHeader(randomAccessOf(v2))).witness.at(-1)!.value;
    const [h, , s] = genuine.split('.');
    const hooks: Record<string, WitnessHook> = {
      'another key': async (v) => ({
        pd: v.digest,
        kind: WITNESS_KIND,
        value: await issueWitnessReceipt(
          { line: v.cid, pd: v.digest, prev: (await readEnvelopeHeader(randomAccessOf(v2))).history.at(-1)!, ver: v.ver },
          { issuer: URL_, signer: other.signer, now: new Date() },
        ),
      }),
      tampered: async (v) => {
        const claims = { iss: URL_, line: v.cid, pd: v.digest, prev: null, ver: v.ver, iat: 1 };
        return { pd: v.digest, kind: WITNESS_KIND, value: `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}` };
      },
      'another version': async (v) => ({ pd: v.digest, kind: WITNESS_KIND, value: genuine }),
    };
    for (const [what, witness] of Object.entries(hooks)) {
      const sink = memorySink();
      await rewrapEnvelope(randomAccessOf(v2), sink, carol, { revoke: [alice.id] }, { witness });
      w.files.put('f.txt.protected', sink.bytes());
      const e = await rejectsCode(app.open(await w.as(bob), 'f.txt.protected'), 'E_WITNESS_INVALID');
      assert.ok(e.message.length > 0, what);
    }
    assert.notEqual(fingerprint(await certificationKeyId(other.key)), fingerprint(await certificationKeyId(org.key)));
  });

  it('a fork registered as the successor of the witnessed head: the witness refuses it (E_LINEAGE, not signed by an owner of the head); a receipt for it from a witness that checked digests only (before issue 21) names another version before, E_WITNESS_INVALID', async () => {
    const w = workspace();
    const { v2, v3 } = await history(w);
    const genuine = await readEnvelopeHeader(randomAccessOf(v3));
    const head = genuine.history.at(-1)!;
    // Carol, Co-Owner in v2, re-signs it as her own version 3 without receipts, then makes a version 4 on it and
    // registers that at the witness claiming it replaces the genuine version 3 (whose policy any copy carries).
    const { signed } = await readEnvelopeHeader(randomAccessOf(v2));
    const fork3 = memorySink();
    await rewrapEnvelope(randomAccessOf(v2), fork3, carol, { onto: { ...signed, witness: [] } });
    const registered = w.witness.registered;
    let refused: unknown;
    const lying: WitnessHook = async (v) => {
      const claim: WitnessClaim = { line: v.cid, pd: v.digest, prev: head, ver: v.ver };
      refused = await w.witness.register(URL_, { ...claim, policy: v.policy, prevPolicy: genuine.signed.policy }).catch((e: unknown) => e);
      // What a witness that saw digests only signed (and a compromised one still could).
      return { pd: v.digest, kind: WITNESS_KIND, value: await issueWitnessReceipt(claim, { issuer: URL_, signer: org.signer, now: new Date() }) };
    };
    const fork4 = memorySink();
    await rewrapEnvelope(randomAccessOf(fork3.bytes()), fork4, carol, { revoke: [alice.id] }, { witness: lying });
    assert.ok(isSensitivityError(refused, 'E_LINEAGE'), String(refused));
    assert.equal(w.witness.registered, registered, 'the witness registered nothing');
    const { h, pds } = await receiptsOf(fork4.bytes());
    assert.deepEqual(pds, [h.history[3]], 'one receipt, for version 4');
    w.files.put('f.txt.protected', fork4.bytes());
    const e = await rejectsCode(app.open(await w.as(bob), 'f.txt.protected'), 'E_WITNESS_INVALID');
    assert.match(e.message, /names another version before this one/);
    w.files.put('f.txt.protected', v3);
    await app.setExpiry(await w.as(alice), 'f.txt.protected', null);
    assert.equal(w.witness.registered, registered + 1, "the owner's next change registers");
  });

  it('the witness unreachable: protect and grant fail with its code and write nothing', async () => {
    const w = workspace();
    const a = await w.as(alice);
    w.files.put('f.txt', 'x');
    await app.protect(a, 'f.txt', { label: 'general', keep: true });
    const before = w.files.bytes('f.txt.protected')!;
    w.witness.down = true;
    await rejectsCode(app.grant(a, 'f.txt.protected', [{ who: bob.id, role: 'Viewer' }]), 'E_KEYSERVICE_UNREACHABLE');
    assert.deepEqual(w.files.bytes('f.txt.protected'), before, 'unchanged');
    w.files.put('g.txt', 'y');
    await rejectsCode(app.protect(a, 'g.txt', { label: 'general' }), 'E_KEYSERVICE_UNREACHABLE');
    assert.equal(w.files.bytes('g.txt.protected'), undefined, 'nothing created');
    assert.ok(w.files.bytes('g.txt'), 'the plain file stays');
  });

  it('in Restricted Mode the organisation is not used: a new file goes unregistered (refused by trusting readers until registered), a later access change is refused', async () => {
    const w = workspace();
    const untrusted = { ...(await w.as(alice)), acceptance: new MemoryAcceptance('ignore') };
    w.files.put('f.txt', 'x');
    await app.protect(untrusted, 'f.txt', { label: 'general', grants: [{ who: bob.id, role: 'Viewer' }] });
    assert.equal(w.witness.registered, 0);
    const before = w.files.bytes('f.txt.protected')!;
    await rejectsCode(app.grant(untrusted, 'f.txt.protected', [{ who: carol.id, role: 'Viewer' }]), 'E_USAGE');
    assert.deepEqual(w.files.bytes('f.txt.protected'), before, 'unchanged');
    await rejectsCode(app.open(await w.as(bob), 'f.txt.protected'), 'E_WITNESS_MISSING');
    await app.setExpiry(await w.as(alice), 'f.txt.protected', null);
    await app.open(await w.as(bob), 'f.txt.protected');
  });

  it('a file with no receipt (made before the workspace named its organisation) is not read until an owner registers it with an access change', async () => {
    const w = workspace(DEFAULT_POLICY);
    const a = await w.as(alice);
    w.files.put('f.txt', 'old');
    await app.protect(a, 'f.txt', { label: 'general', grants: [{ who: bob.id, role: 'Viewer' }] });
    w.store.policyValue = ORG_POLICY;
    await rejectsCode(app.open(await w.as(bob), 'f.txt.protected'), 'E_WITNESS_MISSING');
    await app.setExpiry(await w.as(alice), 'f.txt.protected', null);
    assert.equal(w.witness.registered, 1);
    await app.open(await w.as(bob), 'f.txt.protected');
  });
});

describe("the witness's head in a Double Key decrypt answer (FORMAT §16.1, 'The head a decrypt answers')", () => {
  const d = (s: string) => createHash('sha256').update(s).digest('base64url');
  const history = [d('v1'), d('v2')];
  const file = { lineageId: 'line', history, policy: { cid: 'cid-1' } } as unknown as Parameters<typeof app.judgeWitnessHead>[0];
  const head = (claim: Partial<WitnessClaim>, signer = org.signer, issuer = URL_) =>
    issueWitnessReceipt({ line: 'cid-1', pd: d('v2'), prev: d('v1'), ver: 2, ...claim }, { issuer, signer, now: new Date() });
  const relation = async (receipt: string, f = file) => (await app.judgeWitnessHead(f, { url: URL_, key: org.key }, receipt)).relation;

  it('the same version is the head; a later one makes the file older; another digest at its version, or a next version replacing another, is a fork', async () => {
    assert.equal(await relation(await head({})), 'same');
    assert.equal(await relation(await head({ pd: d('v3'), prev: d('v2'), ver: 3 })), 'older');
    assert.equal(await relation(await head({ pd: d('v5'), prev: d('v4'), ver: 5 })), 'older');
    assert.equal(await relation(await head({ pd: d('v2-fork') })), 'fork');
    assert.equal(await relation(await head({ pd: d('v3'), prev: d('v2-fork'), ver: 3 })), 'fork');
    assert.equal(await relation(await head({ pd: d('v1'), prev: null, ver: 1 })), 'behind');
    assert.equal(await relation(await head({}), { history, policy: file.policy }), 'downgrade');
  });

  it('a head that does not verify for this file is E_WITNESS_INVALID: another key, issuer or line, or an altered signature', async () => {
    for (const receipt of [
      await head({}, other.signer),
      await head({}, org.signer, 'https://elsewhere.example.com'),
      await head({ line: 'cid-2' }),
      await head({}).then((r) => {
        const [h, p, sig] = r.split('.') as [string, string, string];
        return `${h}.${p}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
      }),
    ])
      await rejectsCode(relation(receipt), 'E_WITNESS_INVALID');
  });
});

describe("the witness's head judged for a file of the workspace (a Double Key decrypt's answer)", () => {
  it('a newer head makes version 2 an older copy when read and E_ROLLBACK when built on; the head itself changes nothing; a head from another service is ignored', async () => {
    const w = workspace();
    const { v2, v3 } = await history(w);
    const b = await w.as(bob);
    const [h2, h3] = await Promise.all([v2, v3].map((v) => readEnvelopeHeader(randomAccessOf(v))));
    // The witness's head is version 3: the receipt it signed when it registered it.
    const head = h3!.witness.at(-1)!.value;
    const read = witnessHeadCheck(b, h2!, 'read');
    await read.onWitnessHead(head, URL_);
    assert.equal(read.seen(), 3);
    assert.deepEqual(withWitnessHead({}, read), { older: { seen: 3, by: 'organisation' } });
    await rejectsCode(witnessHeadCheck(b, h2!, 'build').onWitnessHead(head, URL_), 'E_ROLLBACK');
    const current = witnessHeadCheck(b, h3!, 'build');
    await current.onWitnessHead(head, URL_);
    assert.equal(current.seen(), undefined);
    const elsewhere = witnessHeadCheck(b, h2!, 'build');
    await elsewhere.onWitnessHead(head, 'https://keys.example.org');
    assert.equal(elsewhere.seen(), undefined, 'not the organisation: ignored');
  });
});

describe("memory raised to the organisation's head a decrypt answered (issue 21: old copies read-only without asking again)", () => {
  /** `who`, who remembers nothing, holding Carol's version 2 while the witness's head is version 3. */
  async function olderCopy(who: Identity = bob) {
    const w = workspace();
    const { v2, v3 } = await history(w);
    const r = await w.as(who);
    const [h2, h3] = await Promise.all([v2, v3].map((v) => readEnvelopeHeader(randomAccessOf(v))));
    w.files.put('f.txt.protected', v2);
    return { w, r, v3, h2: h2!, h3: h3!, versions: r.versions, line: h2!.lineageId!, head: h3!.witness.at(-1)!.value };
  }

  it('a verified newer head is remembered (version, digest, when signed): inspect, opens and builds judge the copy older from memory alone', async () => {
    const { w, r: b, v3, h2, versions, line, head } = await olderCopy();
    assert.equal((await app.inspect(b, 'f.txt.protected')).rollback, null, 'nothing known before the decrypt');
    await witnessHeadCheck(b, h2, 'read').onWitnessHead(head, URL_);
    const proved = await verifyWitnessReceipt(head, [org.key]);
    assert.deepEqual(versions.organisation.get(line), { ver: 3, pd: proved.pd, iat: proved.issuedAt.getTime() / 1000 });
    // No key service asked from here on (this file is not Double Key): memory alone says it.
    assert.deepEqual((await app.inspect(b, 'f.txt.protected')).rollback, { seen: 3, by: 'organisation' });
    assert.deepEqual((await app.open(b, 'f.txt.protected')).standing, { older: { seen: 3, by: 'organisation' } });
    // Carol (Co-Owner in version 2) learns it the same way: her save on it is refused before anything is written.
    const { w: wc, r: c, h2: c2, head: ch } = await olderCopy(carol);
    await witnessHeadCheck(c, c2, 'read').onWitnessHead(ch, URL_);
    const before = wc.files.bytes('f.txt.protected');
    await rejectsCode(app.save(c, 'f.txt.protected', te.encode('typed into an old copy')), 'E_ROLLBACK');
    assert.deepEqual(wc.files.bytes('f.txt.protected'), before, 'nothing written');
    // The current version is not older for the same memory.
    w.files.put('f.txt.protected', v3);
    assert.equal((await app.inspect(b, 'f.txt.protected')).rollback, null);
    assert.deepEqual((await app.open(b, 'f.txt.protected')).standing, {});
  });

  it('nothing is remembered from a head that does not verify (another key, issuer or line, an altered signature) or that another service answered', async () => {
    const { r: b, h2, versions, head } = await olderCopy();
    const claim = await verifyWitnessReceipt(head, [org.key]);
    const bogus = (over: Partial<WitnessClaim>, signer = org.signer, issuer = URL_) =>
      issueWitnessReceipt({ line: claim.line, pd: claim.pd, prev: claim.prev, ver: 99, ...over }, { issuer, signer, now: new Date() });
    const altered = await bogus({}).then((r) => {
      const [h, p, sig] = r.split('.') as [string, string, string];
      return `${h}.${p}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    });
    for (const receipt of [
      await bogus({}, other.signer),
      await bogus({}, org.signer, 'https://elsewhere.example.com'),
      await bogus({ line: 'another-file' }),
      altered,
    ])
      await rejectsCode(witnessHeadCheck(b, h2, 'read').onWitnessHead(receipt, URL_), 'E_WITNESS_INVALID');
    // Signed by the organisation, but answered by another service (the one a crafted file's Double Key URL names): ignored.
    await witnessHeadCheck(b, h2, 'read').onWitnessHead(await bogus({}), 'https://keys.example.org');
    assert.equal(versions.organisation.size, 0);
    assert.equal((await app.inspect(b, 'f.txt.protected')).rollback, null);
  });

  it("the organisation's later word replaces a kept head either way (an administrator removed a bogus one), an earlier one does not; a kept head never makes a file unreadable", async () => {
    const { w, r: b, v3, h3, versions, line, head } = await olderCopy();
    w.files.put('f.txt.protected', v3);
    const genuine = await verifyWitnessReceipt(head, [org.key]);
    const signed = (ver: number, pd: string, s: number) =>
      issueWitnessReceipt(
        { line: genuine.line, pd, prev: genuine.prev, ver },
        { issuer: URL_, signer: org.signer, now: new Date(genuine.issuedAt.getTime() + s * 1000) },
      );
    // A signed-in member registered a bogus version 5 (the service signs what extends its head): the genuine v3 is "older".
    await witnessHeadCheck(b, h3, 'read').onWitnessHead(await signed(5, createHash('sha256').update('bogus').digest('base64url'), 10), URL_);
    assert.equal(versions.organisation.get(line)?.ver, 5);
    assert.deepEqual((await app.inspect(b, 'f.txt.protected')).rollback, { seen: 5, by: 'organisation' });
    // It still reads: a kept number says "older", never "fork".
    const opened = await app.open(b, 'f.txt.protected');
    assert.equal(new TextDecoder().decode(opened.content), 'the plan');
    // An answer signed before the kept one does not replace it; the administrator's fix, signed after, does.
    await witnessHeadCheck(b, h3, 'read').onWitnessHead(await signed(3, genuine.pd, 5), URL_);
    assert.equal(versions.organisation.get(line)?.ver, 5);
    const now = witnessHeadCheck(b, h3, 'read');
    await now.onWitnessHead(await signed(3, genuine.pd, 20), URL_);
    assert.equal(versions.organisation.get(line)?.ver, 3);
    assert.equal((await app.inspect(b, 'f.txt.protected')).rollback, null);
    // An answer without a head: from another service nothing changes; from the organisation, the kept head is forgotten.
    await witnessHeadCheck(b, h3, 'read').onWitnessHead(undefined, 'https://keys.example.org');
    assert.equal(versions.organisation.get(line)?.ver, 3);
    const none = witnessHeadCheck(b, h3, 'read');
    await none.onWitnessHead(undefined, URL_);
    assert.equal(versions.organisation.has(line), false);
    assert.deepEqual(withWitnessHead({ older: { seen: 5, by: 'organisation' } }, none), {});
    // In the open that hears it, the answer replaces the verdict memory gave before the decrypt.
    assert.deepEqual(withWitnessHead({ older: { seen: 5, by: 'organisation' } }, now), {});
    assert.deepEqual(withWitnessHead({ older: { seen: 4, by: 'memory' } }, now), { older: { seen: 4, by: 'memory' } });
  });
});
