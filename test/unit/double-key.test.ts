/** Double Key envelopes with real RSA-OAEP-256 and a key service in the process (docs/FORMAT.md §Double Key). */
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  byteSourceOf,
  fromBase64,
  memorySink,
  openEnvelope,
  protect,
  readEnvelopeHeader,
  replaceEnvelopeContent,
  rewrapEnvelope,
  type DoubleKeyAccess,
  type EnvelopeChange,
} from '../../src/core/envelope/index.js';
import { combineSecrets, doubleKeySlotOf, importRsaKey, isServiceUrl } from '../../src/core/envelope/double-key.js';
import { encodeHeader, readHeader, type Metadata } from '../../src/core/envelope/format.js';
import { ByteReader } from '../../src/core/envelope/io.js';
import { keyCommitment } from '../../src/core/envelope/keys.js';
import { unwrapSlot, type X25519Slot } from '../../src/core/envelope/slots.js';
import { isSensitivityError, SensitivityError, type ErrorCode } from '../../src/core/errors.js';
import { createIdentity, publicIdentity, type Identity } from '../../src/core/identity.js';
import { BUILTIN_ROLES } from '../../src/core/rights.js';
import { LocalKeyService, rsaDecrypt } from '../vectors/double-key-fixtures.js';

const URL_ = 'https://keys.example.com/finance';
const LABEL = { id: 'finance', name: 'Finance' };
const T0 = new Date('2026-01-01T00:00:00Z');
const at = (d: Date) => ({ now: () => d });
const viewer = BUILTIN_ROLES.Viewer!;
const random = (n: number) => randomFillSync(new Uint8Array(n));

let alice: Identity, bob: Identity, carol: Identity;
let service: LocalKeyService;

async function seal(data: Uint8Array, o: { expires?: Date } = {}): Promise<Uint8Array> {
  const sink = memorySink();
  await protect(byteSourceOf(data), sink, {
    owner: alice,
    label: LABEL,
    grants: [{ person: publicIdentity(bob), rights: viewer }],
    innerName: 'budget.csv',
    size: data.length,
    chunkSize: 64,
    clock: at(T0),
    doubleKey: await service.access().wrap(URL_),
    ...o,
  });
  return sink.bytes();
}

/** Opens with `access` (default: the service; null: none). */
async function open(env: Uint8Array, who: Identity, access: DoubleKeyAccess | null = service.access(), now = T0) {
  const sink = memorySink();
  const opened = await openEnvelope(byteSourceOf(env), sink, who, { clock: at(now), ...(access ? { doubleKey: access } : {}) });
  return { plaintext: sink.bytes(), opened, released: sink.length };
}

async function rewrap(env: Uint8Array, who: Identity, change: EnvelopeChange): Promise<Uint8Array> {
  const sink = memorySink();
  await rewrapEnvelope(byteSourceOf(env), sink, who, change, { clock: at(T0), doubleKey: service.access() });
  return sink.bytes();
}

async function rejects(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (e) => {
    assert.ok(isSensitivityError(e, code), `expected ${code}, got ${String(e)}`);
    return true;
  });
}

/** The envelope with its metadata edited and the header NOT re-MAC'd (as anyone without the file key could). */
async function edited(env: Uint8Array, edit: (m: Metadata) => Metadata): Promise<Uint8Array> {
  const raw = await readHeader(new ByteReader(byteSourceOf(env)));
  const header = encodeHeader({ ...raw, metadata: edit(raw.metadata) }, new Uint8Array(32));
  const out = new Uint8Array(header.length + env.length - raw.bytes.length);
  out.set(header);
  out.set(env.subarray(raw.bytes.length), header.length);
  return out;
}

const decrypts = () => service.calls.filter((c) => c.op === 'decrypt').length;

describe('Double Key envelopes', () => {
  before(async () => {
    [alice, bob, carol] = await Promise.all([
      createIdentity('Alice', 'alice@example.com'),
      createIdentity('Bob', 'bob@example.com'),
      createIdentity('Carol', 'carol@example.com'),
    ]);
    service = new LocalKeyService();
    await service.rotate(URL_, 'v1');
  });

  it('opens for the owner and a grantee, each open asking the key service once', async () => {
    const data = random(300);
    const env = await seal(data);
    const h = await readEnvelopeHeader(byteSourceOf(env));
    assert.deepEqual(h.policy.dk, { url: URL_, kid: `${URL_}/v1` });
    assert.deepEqual(
      h.slots.map((s) => s.kind),
      ['x25519-jwe', 'x25519-jwe', 'double-key'],
    );
    for (const who of [alice, bob]) {
      const before = decrypts();
      assert.deepEqual((await open(env, who)).plaintext, data);
      assert.equal(decrypts(), before + 1);
    }
  });

  it('a person alone cannot open it: their slot holds a personal secret, not the file key', async () => {
    const env = await seal(random(10));
    const raw = await readHeader(new ByteReader(byteSourceOf(env)));
    const bobSlot = raw.metadata.slots.find((s) => s.kind === 'x25519-jwe' && s.kid === bob.enc.kid) as X25519Slot;
    const personal = await unwrapSlot(bobSlot, bob.encPrivate);
    assert.notDeepEqual(keyCommitment(personal), raw.commitment, 'the personal secret is not the file key');
    // Without the key service, or with the double-key slot removed, nothing opens.
    await rejects(open(env, bob, null), 'E_KEYSERVICE_UNREACHABLE');
    await rejects(open(await edited(env, (m) => ({ ...m, slots: m.slots.filter((s) => s.kind !== 'double-key') })), bob), 'E_INTEGRITY');
    // A service answering anything but this file's secret fails the key commitment.
    const liar: DoubleKeyAccess = { wrap: (u) => service.access().wrap(u), unwrap: async () => random(32) };
    await rejects(open(env, bob, liar), 'E_INTEGRITY');
  });

  it('the key service alone cannot open it: its slot holds the organisation secret, bound to the content id and label', async () => {
    const env = await seal(random(10));
    const h = await readEnvelopeHeader(byteSourceOf(env));
    const raw = await readHeader(new ByteReader(byteSourceOf(env)));
    const slot = doubleKeySlotOf(raw.metadata.slots)!;
    const pair = service.versions.get(URL_)![0]!;
    const value = fromBase64(slot.value);
    // The OAEP label binds the content id and label: a request naming others does not decrypt.
    await assert.rejects(rsaDecrypt(pair.privateJwk, value, { contentId: 'AAAAAAAAAAAAAAAAAAAAAA', label: 'finance' }));
    await assert.rejects(rsaDecrypt(pair.privateJwk, value, { contentId: h.policy.cid, label: 'public' }));
    const organisation = await rsaDecrypt(pair.privateJwk, value, { contentId: h.policy.cid, label: 'finance' });
    assert.equal(organisation.length, 32);
    assert.notDeepEqual(keyCommitment(organisation), raw.commitment, 'the organisation secret is not the file key');
    // Both halves together are: the commitment is over HKDF(personal ‖ organisation).
    const bobSlot = raw.metadata.slots.find((s) => s.kind === 'x25519-jwe' && s.kid === bob.enc.kid) as X25519Slot;
    assert.deepEqual(keyCommitment(combineSecrets(await unwrapSlot(bobSlot, bob.encPrivate), organisation)), raw.commitment);
  });

  it('the double-key slot cannot be pointed at another service: refused before any request is sent', async () => {
    const env = await seal(random(10));
    const evil = await edited(env, (m) => ({
      ...m,
      slots: m.slots.map((s) => (s.kind === 'double-key' ? { ...s, kid: 'https://evil.example/finance/v1' } : s)),
    }));
    const seen: string[] = [];
    const spy: DoubleKeyAccess = { wrap: (u) => service.access().wrap(u), unwrap: async (kid, v, c) => (seen.push(kid), service.decrypt(kid, v, c)) };
    await rejects(open(evil, bob, spy), 'E_INTEGRITY');
    assert.deepEqual(seen, []);
  });

  it('an answer for another file (another content id) is refused', async () => {
    const [one, two] = [await seal(random(10)), await seal(random(10))];
    const otherSlot = doubleKeySlotOf((await readHeader(new ByteReader(byteSourceOf(two)))).metadata.slots)!;
    const otherCid = (await readEnvelopeHeader(byteSourceOf(two))).policy.cid;
    const swapped: DoubleKeyAccess = {
      wrap: (u) => service.access().wrap(u),
      unwrap: (kid, _v, c) => service.decrypt(kid, fromBase64(otherSlot.value), { ...c, contentId: otherCid }),
    };
    await rejects(open(one, bob, swapped), 'E_INTEGRITY');
  });

  it("the service's refusals propagate with their codes, and nothing is released", async () => {
    const env = await seal(random(200));
    for (const code of ['E_KEYSERVICE_REVOKED', 'E_KEYSERVICE_DENIED', 'E_SIGNIN_REQUIRED', 'E_KEY_RETIRED', 'E_KEYSERVICE_UNREACHABLE'] as const) {
      service.refuse = new SensitivityError(code, code);
      const sink = memorySink();
      await rejects(openEnvelope(byteSourceOf(env), sink, bob, { clock: at(T0), doubleKey: service.access() }), code);
      assert.equal(sink.length, 0);
    }
    service.refuse = undefined;
  });

  it('expired content and non-grantees are refused without asking the service', async () => {
    const env = await seal(random(10), { expires: new Date('2026-02-01T00:00:00Z') });
    const before = decrypts();
    await rejects(open(env, bob, service.access(), new Date('2026-03-01T00:00:00Z')), 'E_EXPIRED');
    await rejects(open(env, carol), 'E_NOT_GRANTEE');
    assert.equal(decrypts(), before);
  });

  it('a grant keeps both secrets: the double-key slot is copied, no new encryption to the service', async () => {
    const env = await seal(random(100));
    const slotOf = async (e: Uint8Array) => (await readHeader(new ByteReader(byteSourceOf(e)))).metadata.slots.find((s) => s.kind === 'double-key');
    const publicKeys = service.calls.filter((c) => c.op === 'publicKey').length;
    const granted = await rewrap(env, alice, { grant: [{ person: publicIdentity(carol), rights: viewer }] });
    assert.deepEqual(await slotOf(granted), await slotOf(env));
    assert.equal(service.calls.filter((c) => c.op === 'publicKey').length, publicKeys);
    assert.equal(
      (await readHeader(new ByteReader(byteSourceOf(granted)))).commitment.join(),
      (await readHeader(new ByteReader(byteSourceOf(env)))).commitment.join(),
    );
    assert.equal((await open(granted, carol)).plaintext.length, 100);
  });

  it('a revoke rotates both secrets, the organisation half to the newest key version; the revoked person is out', async () => {
    const env = await seal(random(100));
    await service.rotate(URL_, 'v2');
    const revoked = await rewrap(env, alice, { revoke: ['bob@example.com'] });
    const h = await readEnvelopeHeader(byteSourceOf(revoked));
    assert.equal(h.policy.dk!.kid, `${URL_}/v2`);
    const [a, b] = await Promise.all([env, revoked].map((e) => readHeader(new ByteReader(byteSourceOf(e)))));
    assert.notDeepEqual(a!.commitment, b!.commitment);
    assert.notEqual(doubleKeySlotOf(a!.metadata.slots)!.value, doubleKeySlotOf(b!.metadata.slots)!.value);
    await rejects(open(revoked, bob), 'E_NOT_GRANTEE');
    assert.equal((await open(revoked, alice)).plaintext.length, 100);
    // Bob's old personal secret with the service's old answer does not make the new file key.
    const oldAlice = a!.metadata.slots.find((s) => s.kind === 'x25519-jwe' && s.kid === alice.enc.kid) as X25519Slot;
    const newAlice = b!.metadata.slots.find((s) => s.kind === 'x25519-jwe' && s.kid === alice.enc.kid) as X25519Slot;
    assert.notDeepEqual(await unwrapSlot(oldAlice, alice.encPrivate), await unwrapSlot(newAlice, alice.encPrivate));
  });

  it('a label change re-seals the organisation half (the OAEP label names the label) and keeps the personal slots', async () => {
    const env = await seal(random(50));
    const changed = await rewrap(env, alice, { label: { id: 'finance-board', name: 'Finance / Board' } });
    const [a, b] = await Promise.all([env, changed].map((e) => readHeader(new ByteReader(byteSourceOf(e)))));
    const personal = (m: Metadata) => m.slots.filter((s) => s.kind === 'x25519-jwe');
    assert.deepEqual(personal(b!.metadata), personal(a!.metadata));
    assert.notDeepEqual(a!.commitment, b!.commitment);
    assert.equal((await open(changed, bob)).plaintext.length, 50);
  });

  it('an editor saves new content under the same two secrets', async () => {
    const env = await seal(random(10));
    const sink = memorySink();
    const content = new TextEncoder().encode('new content');
    const rev = await rewrap(env, alice, { grant: [{ person: publicIdentity(bob), rights: BUILTIN_ROLES.Reviewer! }] });
    await replaceEnvelopeContent(byteSourceOf(rev), byteSourceOf(content), sink, bob, { size: content.length, clock: at(T0), doubleKey: service.access() });
    assert.deepEqual((await open(sink.bytes(), alice)).plaintext, content);
  });

  it('refuses service keys that are not RSA of at least 2048 bits, and URLs that are not https (or loopback http)', async () => {
    const small = await crypto.subtle.generateKey({ name: 'RSA-OAEP', modulusLength: 1024, publicExponent: Uint8Array.of(1, 0, 1), hash: 'SHA-256' }, true, [
      'encrypt',
      'decrypt',
    ]);
    const jwk = await crypto.subtle.exportKey('jwk', small.publicKey);
    await rejects(importRsaKey({ kty: 'RSA', n: jwk.n!, e: jwk.e! }), 'E_KEYSERVICE_PROTOCOL');
    for (const ok of [URL_, 'http://127.0.0.1:8080/k', 'http://localhost/a/b']) assert.ok(isServiceUrl(ok), ok);
    for (const bad of [
      'http://keys.example.com/k',
      'https://keys.example.com',
      'https://keys.example.com/k/',
      'https://u:p@keys.example.com/k',
      'https://keys.example.com/k?x=1',
    ]) {
      assert.ok(!isServiceUrl(bad), bad);
    }
  });
});
