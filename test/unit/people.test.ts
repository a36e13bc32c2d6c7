/** Strict identity validation (RFC 7638 thumbprints, private keys that match) and the people directory. */
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { calculateJwkThumbprint } from 'jose';
import { isSensitivityError, type ErrorCode } from '../../src/core/errors.js';
import { createIdentity, publicIdentity, type Identity, type PublicIdentity } from '../../src/core/identity.js';
import {
  EMPTY_PEOPLE,
  addPerson,
  findPerson,
  okpThumbprint,
  parseIdentity,
  parsePeople,
  parsePublicIdentity,
  removePerson,
  serializePeople,
} from '../../src/core/people.js';

function throwsCode(f: () => unknown, code: ErrorCode, message?: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(isSensitivityError(e, code), `expected ${code}, got ${String(e)}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

async function rejectsCode(p: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isSensitivityError(e, code), `expected ${code}, got ${String(e)}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** A key as a near-miss may have it. */
interface LooseJwk {
  [k: string]: unknown;
  kty: string;
  crv: string;
  x: string;
  kid: string;
  d: string;
}
/** An identity as a near-miss may have it (any field editable). */
interface Loose {
  [k: string]: unknown;
  v: number;
  id: string;
  name: string;
  email: string;
  created: string;
  sig: LooseJwk;
  enc: LooseJwk;
  sigPrivate: LooseJwk;
  encPrivate: LooseJwk;
}
/** A deep, mutable copy (near-misses are made by editing one). */
const copy = (v: unknown): Loose => JSON.parse(JSON.stringify(v)) as Loose;

let alice: Identity;
let bob: Identity;
let alicePub: PublicIdentity;
let bobPub: PublicIdentity;

before(async () => {
  alice = await createIdentity('Alice', 'alice@example.com', new Date('2025-01-01T00:00:00Z'));
  bob = await createIdentity('Bob', 'bob@example.com');
  alicePub = publicIdentity(alice);
  bobPub = publicIdentity(bob);
});

describe('RFC 7638 thumbprints', () => {
  it('okpThumbprint equals jose calculateJwkThumbprint on fresh keys', async () => {
    for (let i = 0; i < 5; i++) {
      const id = await createIdentity('T', 't@example.com');
      for (const k of [id.sig, id.enc]) assert.equal(okpThumbprint(k), await calculateJwkThumbprint({ kty: 'OKP', crv: k.crv, x: k.x }, 'sha256'));
    }
  });

  it('matches the RFC 8037 §A.3 example thumbprint', () => {
    // RFC 8037 Appendix A.3: the Ed25519 public key of A.2 and its RFC 7638 thumbprint.
    assert.equal(okpThumbprint({ crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }), 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });
});

describe('parsePublicIdentity', () => {
  it('accepts what id show --json prints, returning a clean copy with a normalized email', () => {
    assert.deepEqual(parsePublicIdentity(copy(alicePub)), alicePub);
    const shouty = { ...copy(alicePub), email: '  ALICE@Example.COM ', name: ' Alice ' };
    const p = parsePublicIdentity(shouty);
    assert.equal(p.email, 'alice@example.com');
    assert.equal(p.name, 'Alice');
  });

  const nearMisses: [string, (p: Loose) => void, RegExp][] = [
    ['an id that is not the sig thumbprint', (p) => (p.id = p.enc.kid), /\/id: is not the thumbprint of the signing key/],
    ['a sig kid that is not its thumbprint', (p) => (p.sig.kid = p.enc.kid), /\/sig\/kid: is not the RFC 7638 thumbprint/],
    ['an enc key swapped for another', (p) => (p.enc.x = p.sig.x), /\/enc\/kid: is not the RFC 7638 thumbprint/],
    ['a key of the wrong curve', (p) => (p.sig.crv = 'X25519'), /\/sig\/crv: must be "Ed25519"/],
    ['a key of the wrong type', (p) => (p.enc.kty = 'EC'), /\/enc\/kty: must be "OKP"/],
    ['a short key', (p) => (p.sig.x = p.sig.x.slice(0, 42)), /\/sig\/x: A 32-byte key/],
    [
      'stray bits in the last character',
      (p) => (p.sig.x = p.sig.x.slice(0, 42) + (p.sig.x.endsWith('B') ? 'C' : 'B')),
      /\/sig\/x: is not a 32-byte base64url key|\/sig\/kid/,
    ],
    ['a private key in the public part', (p) => (p.sig.d = 'x'), /\/sig\/d: unknown property/],
    ['a missing enc', (p) => Reflect.deleteProperty(p, 'enc'), /\/enc: is required/],
    ['a bad email', (p) => (p.email = 'alice'), /\/email: "alice" is not an email address/],
    ['a blank name', (p) => (p.name = '  '), /\/name: is blank/],
    ['a bad created date', (p) => (p.created = '1 Jan 2025'), /\/created: An RFC 3339 date-time/],
    ['version 2', (p) => (p.v = 2), /\/v: must be 1/],
    ['an extra field', (p) => (p.role = 'admin'), /\/role: unknown property/],
  ];
  for (const [name, edit, message] of nearMisses) {
    it(`refuses ${name} (E_IDENTITY_INVALID)`, () => {
      const p = copy(alicePub);
      edit(p);
      throwsCode(() => parsePublicIdentity(p), 'E_IDENTITY_INVALID', message);
    });
  }

  it('refuses non-objects', () => {
    for (const v of [null, 'x', 1, []]) throwsCode(() => parsePublicIdentity(v), 'E_IDENTITY_INVALID');
  });
});

describe('parseIdentity (private keys included)', () => {
  it('accepts a real identity and returns it equal', async () => {
    assert.deepEqual(await parseIdentity(copy(alice)), alice);
  });

  it('refuses private keys that do not belong to the public keys, without echoing them', async () => {
    const swapped = { ...copy(alice), sigPrivate: { ...copy(alice.sigPrivate), d: bob.sigPrivate.d } };
    await rejectsCode(parseIdentity(swapped), 'E_IDENTITY_INVALID', /a private key does not belong to its public key/);
    const encSwapped = { ...copy(alice), encPrivate: { ...copy(alice.encPrivate), d: bob.encPrivate.d } };
    await assert.rejects(parseIdentity(encSwapped), (e: unknown) => {
      assert.ok(isSensitivityError(e, 'E_IDENTITY_INVALID'));
      assert.ok(!e.message.includes(bob.encPrivate.d) && !e.message.includes(alice.encPrivate.d), 'no key material in messages');
      return true;
    });
  });

  const nearMisses: [string, (p: Loose) => void, RegExp][] = [
    ['no private keys', (p) => Reflect.deleteProperty(p, 'sigPrivate'), /\/sigPrivate: is required/],
    ['a private key for another public key', (p) => (p.encPrivate.x = p.sig.x), /\/encPrivate: x and kid must equal/],
    ['a private key of the wrong curve', (p) => (p.encPrivate.crv = 'Ed25519'), /\/encPrivate: must be an OKP X25519 key/],
    ['a short d', (p) => (p.sigPrivate.d = p.sigPrivate.d.slice(1)), /\/sigPrivate\/d: is not a 32-byte/],
    ['an extra member in a private key', (p) => (p.sigPrivate.use = 'sig'), /\/sigPrivate\/use: unknown property/],
    ['an extra top-level field', (p) => (p.password = 'x'), /\/password: unknown property/],
    ['a forged public part', (p) => (p.id = p.enc.kid), /\/id: is not the thumbprint/],
  ];
  for (const [name, edit, message] of nearMisses) {
    it(`refuses ${name} (E_IDENTITY_INVALID)`, async () => {
      const p = copy(alice);
      edit(p);
      await rejectsCode(parseIdentity(p), 'E_IDENTITY_INVALID', message);
    });
  }

  it('refuses non-objects and names the file', async () => {
    await rejectsCode(parseIdentity([]), 'E_IDENTITY_INVALID', /not a JSON object/);
    await assert.rejects(parseIdentity({}, '/home/a/identity.json'), (e: unknown) => isSensitivityError(e) && e.file === '/home/a/identity.json');
  });
});

describe('people directory', () => {
  it('no file yet is empty; add, find by email (any case) or id, serialize sorted, round-trip', async () => {
    const dir = addPerson(addPerson(await parsePeople(undefined), bobPub), alicePub);
    assert.equal(findPerson(dir, 'BOB@example.com ').id, bob.id);
    assert.equal(findPerson(dir, alice.id).email, 'alice@example.com');
    const text = serializePeople(dir);
    assert.ok(text.endsWith('\n'));
    assert.deepEqual(
      JSON.parse(text).people.map((p: PublicIdentity) => p.email),
      ['alice@example.com', 'bob@example.com'],
    );
    assert.deepEqual(await parsePeople(text), { version: 1, people: [alicePub, bobPub] });
    assert.equal(serializePeople(await parsePeople(text)), text);
    assert.deepEqual(EMPTY_PEOPLE.people, [], 'input not mutated');
  });

  it('E_PERSON_UNKNOWN tells how to add someone', () => {
    throwsCode(() => findPerson(EMPTY_PEOPLE, 'carol@example.com'), 'E_PERSON_UNKNOWN', /carol@example\.com is not in the workspace's people directory$/);
    assert.throws(
      () => findPerson(EMPTY_PEOPLE, 'carol@example.com'),
      (e: unknown) => isSensitivityError(e) && e.details.hint === 'add-person' && e.details.who === 'carol@example.com',
    );
  });

  it('the same id replaces its entry (a new name or address)', () => {
    const dir = addPerson(addPerson(EMPTY_PEOPLE, alicePub), { ...alicePub, name: 'Alice Liddell' });
    assert.equal(dir.people.length, 1);
    assert.equal(dir.people[0]!.name, 'Alice Liddell');
  });

  it('refuses another key for a listed email unless told to replace, saying why', async () => {
    const impostor = publicIdentity(await createIdentity('Alice?', 'alice@example.com'));
    const dir = addPerson(EMPTY_PEOPLE, alicePub);
    throwsCode(() => addPerson(dir, impostor), 'E_EXISTS', /already lists alice@example\.com with another key.*impostor/);
    assert.throws(
      () => addPerson(dir, impostor),
      (e: unknown) => isSensitivityError(e) && e.details.hint === 'confirm-replace',
    );
    const replaced = addPerson(dir, impostor, { replace: true });
    assert.deepEqual(replaced.people, [impostor]);
  });

  it('removes a person; E_PERSON_UNKNOWN when not listed', () => {
    const dir = addPerson(addPerson(EMPTY_PEOPLE, alicePub), bobPub);
    assert.deepEqual(removePerson(dir, 'alice@example.com').people, [bobPub]);
    throwsCode(() => removePerson(dir, 'carol@example.com'), 'E_PERSON_UNKNOWN');
  });

  it('refuses a bad file: JSON, shape, a forged entry (named by pointer), duplicates, a newer version', async () => {
    const good = JSON.parse(serializePeople(addPerson(addPerson(EMPTY_PEOPLE, alicePub), bobPub)));
    await rejectsCode(parsePeople('{"version":1,'), 'E_IDENTITY_INVALID', /not valid JSON/);
    await rejectsCode(parsePeople('{"version":1}'), 'E_IDENTITY_INVALID', /\/people: is required/);
    await rejectsCode(parsePeople(JSON.stringify({ version: 1, people: {} })), 'E_IDENTITY_INVALID', /\/people: must be an array/);
    const forged = JSON.parse(JSON.stringify(good)) as { people: Loose[] };
    forged.people[1]!.enc.x = forged.people[0]!.enc.x;
    await rejectsCode(parsePeople(JSON.stringify(forged), 'people.json'), 'E_IDENTITY_INVALID', /\/people\/1\/enc\/kid: is not the RFC 7638 thumbprint/);
    await rejectsCode(
      parsePeople(JSON.stringify({ version: 1, people: [good.people[0], good.people[0]] })),
      'E_IDENTITY_INVALID',
      /\/people\/1: alice@example\.com is listed twice/,
    );
    const other = publicIdentity(await createIdentity('Alice 2', 'alice@example.com'));
    await rejectsCode(parsePeople(JSON.stringify({ version: 1, people: [good.people[0], other] })), 'E_IDENTITY_INVALID', /listed twice/);
    await rejectsCode(parsePeople(JSON.stringify({ version: 3, people: [] })), 'E_UNSUPPORTED_VERSION');
  });
});
