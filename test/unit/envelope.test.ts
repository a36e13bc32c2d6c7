/** The protected envelope, end to end with real crypto: round trips, access, rewrap, edits, bad input. */
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  byteSourceOf,
  DEFAULT_CHUNK_SIZE,
  memorySink,
  openEnvelope,
  protect,
  readEnvelopeHeader,
  replaceEnvelopeContent,
  rewrapEnvelope,
  type EnvelopeChange,
  type ProtectOptions,
} from '../../src/core/envelope/index.js';
import { isSensitivityError, type ErrorCode } from '../../src/core/errors.js';
import { createIdentity, publicIdentity, type Identity } from '../../src/core/identity.js';
import type { ByteSource } from '../../src/core/ports.js';
import { BUILTIN_ROLES, normalizeRights } from '../../src/core/rights.js';
import { drbg, reseal } from '../vectors/fixtures.js';

const LABEL = { id: 'confidential', name: 'Confidential' };
const T0 = new Date('2026-01-01T00:00:00Z');
const at = (d: Date) => ({ now: () => d });
const viewer = BUILTIN_ROLES.Viewer!;
const reviewer = BUILTIN_ROLES.Reviewer!;

function random(n: number): Uint8Array {
  return randomFillSync(new Uint8Array(n));
}

type Options = Omit<ProtectOptions, 'size' | 'owner'> & { owner?: Identity };

let alice: Identity, bob: Identity, carol: Identity, dave: Identity, org: Identity;

async function seal(data: Uint8Array, o: Partial<Options> = {}): Promise<Uint8Array> {
  const sink = memorySink();
  await protect(byteSourceOf(data, 1000), sink, { owner: alice, label: LABEL, innerName: 'secret.txt', clock: at(T0), ...o, size: data.length });
  return sink.bytes();
}

async function open(env: Uint8Array, who: Identity, o: { right?: 'VIEW' | 'EDIT' | 'EXPORT' | 'OWNER'; now?: Date } = {}) {
  const sink = memorySink();
  const opened = await openEnvelope(byteSourceOf(env, 999), sink, who, {
    clock: at(o.now ?? T0),
    sourceLength: env.length,
    ...(o.right ? { right: o.right } : {}),
  });
  return { plaintext: sink.bytes(), opened, released: sink.length };
}

async function rewrap(env: Uint8Array, who: Identity, change: EnvelopeChange, now = T0): Promise<Uint8Array> {
  const sink = memorySink();
  await rewrapEnvelope(byteSourceOf(env), sink, who, change, { clock: at(now) });
  return sink.bytes();
}

async function rejects(p: Promise<unknown>, code: ErrorCode, exit?: number): Promise<void> {
  await assert.rejects(p, (e) => {
    assert.ok(isSensitivityError(e, code), `expected ${code}, got ${String(e)}`);
    if (exit !== undefined) assert.equal(e.exitCode, exit);
    return true;
  });
}

describe('envelope', () => {
  before(async () => {
    [alice, bob, carol, dave, org] = await Promise.all([
      createIdentity('Alice', 'alice@example.com'),
      createIdentity('Bob', 'bob@example.com'),
      createIdentity('Carol', 'carol@example.com'),
      createIdentity('Dave', 'dave@example.com'),
      createIdentity('Org Recovery', 'recovery@example.com'),
    ]);
  });

  describe('round trips', () => {
    const cs = DEFAULT_CHUNK_SIZE;
    for (const size of [0, 1, cs - 1, cs, cs + 1, 5 * cs + 12345]) {
      it(`${size} bytes at the default chunk size`, async () => {
        const data = random(size);
        const env = await seal(data, { grants: [{ person: publicIdentity(bob), rights: viewer }] });
        const h = await readEnvelopeHeader(byteSourceOf(env));
        assert.equal(h.layout.plaintextLength, size);
        assert.equal(h.layout.chunkCount, Math.max(1, Math.ceil(size / cs)));
        assert.equal(h.layout.envelopeLength, env.length);
        for (const who of [alice, bob]) assert.deepEqual((await open(env, who)).plaintext, data);
      });
    }

    it('verify-only authenticates everything and writes nothing', async () => {
      const env = await seal(random(3000), { chunkSize: 256 });
      const opened = await openEnvelope(byteSourceOf(env), null, alice, { clock: at(T0) });
      assert.equal(opened.layout.chunkCount, 12);
    });

    it('reads sources in any piece sizes, including one byte at a time and empty pieces', async () => {
      const data = random(777);
      const env = await seal(data, { chunkSize: 100 });
      async function* odd(): ByteSource {
        for (let i = 0, k = 0; i < env.length; k++) {
          const n = [1, 0, 3, 250, 17][k % 5]!;
          yield env.subarray(i, i + n);
          i += n;
        }
      }
      const sink = memorySink();
      await openEnvelope(odd(), sink, alice, { clock: at(T0) });
      assert.deepEqual(sink.bytes(), data);
    });

    it('keeps the inner name, content type, label and owner visible', async () => {
      const env = await seal(random(10), { innerName: 'q3 results.xlsx', contentType: 'application/vnd.ms-excel' });
      const h = await readEnvelopeHeader(byteSourceOf(env));
      assert.equal(h.innerName, 'q3 results.xlsx');
      assert.equal(h.contentType, 'application/vnd.ms-excel');
      assert.deepEqual(h.policy.label, LABEL);
      assert.equal(h.policy.owner.email, 'alice@example.com');
      assert.deepEqual(h.policy.grants[0]!.rights, BUILTIN_ROLES['Co-Owner']);
    });
  });

  describe('access', () => {
    let env: Uint8Array;
    before(async () => {
      env = await seal(random(500), {
        chunkSize: 128,
        grants: [
          { person: publicIdentity(bob), rights: viewer },
          { person: publicIdentity(carol), rights: reviewer },
        ],
        recovery: [publicIdentity(org)],
        expires: new Date('2026-06-01T00:00:00Z'),
      });
    });

    it('a non-grantee gets E_NOT_GRANTEE (exit 3) naming the owner, and nothing', async () => {
      await assert.rejects(open(env, dave), (e) => isSensitivityError(e, 'E_NOT_GRANTEE') && e.exitCode === 3 && /Alice <alice@example.com>/.test(e.message));
    });

    it('a missing right is E_RIGHT_MISSING before any decryption', async () => {
      await rejects(open(env, bob, { right: 'EXPORT' }), 'E_RIGHT_MISSING', 3);
      await rejects(open(env, bob, { right: 'EDIT' }), 'E_RIGHT_MISSING', 3);
      assert.deepEqual((await open(env, carol, { right: 'EDIT' })).opened.rights, normalizeRights(reviewer));
    });

    it('expiry binds everyone, the owner included', async () => {
      const later = new Date('2026-06-01T00:00:00Z');
      for (const who of [alice, bob, org]) await rejects(open(env, who, { now: later }), 'E_EXPIRED', 3);
      assert.equal((await open(env, bob, { now: new Date('2026-05-31T23:59:59Z') })).released, 500);
    });

    it('the recovery recipient is a Co-Owner marked as recovery', async () => {
      const { opened } = await open(env, org, { right: 'OWNER' });
      assert.deepEqual(opened.rights, BUILTIN_ROLES['Co-Owner']);
      assert.equal(opened.policy.grants.find((g) => g.id === org.id)!.recovery, true);
    });

    it('a tampered policy signature fails inspect with E_INTEGRITY', async () => {
      // Flip one character in the middle of the JWS signature segment (still valid base64url).
      const text = Buffer.from(env).toString('latin1');
      const end = text.indexOf('"', text.indexOf('"policy":"') + 10);
      const i = (text.lastIndexOf('.', end) + end) >> 1;
      const bytes = env.slice();
      bytes[i] = bytes[i] === 0x41 ? 0x42 : 0x41;
      await rejects(readEnvelopeHeader(byteSourceOf(bytes)), 'E_INTEGRITY', 4);
    });
  });

  describe('rewrap', () => {
    it('grant adds a slot, keeps the file key and existing slots, needs OWNER', async () => {
      const data = random(1000);
      const env = await seal(data, { chunkSize: 256, grants: [{ person: publicIdentity(bob), rights: viewer }] });
      await rejects(rewrap(env, bob, { grant: [{ person: publicIdentity(dave), rights: viewer }] }), 'E_RIGHT_MISSING', 3);
      const next = await rewrap(env, alice, { grant: [{ person: publicIdentity(dave), rights: reviewer }] });
      const [h0, h1] = await Promise.all([readEnvelopeHeader(byteSourceOf(env)), readEnvelopeHeader(byteSourceOf(next))]);
      assert.equal(h1.policy.cmt, h0.policy.cmt, 'same file key, same commitment');
      assert.equal(h1.policy.cid, h0.policy.cid);
      assert.deepEqual(h1.slots.slice(0, 2), h0.slots);
      assert.ok(Buffer.from(next).includes(Buffer.from(slotJwe(env, bob))), "bob's slot is reused verbatim");
      assert.deepEqual((await open(next, dave, { right: 'EDIT' })).plaintext, data);
      assert.deepEqual((await open(next, bob)).plaintext, data);
    });

    it('revoke rotates the file key: the revoked person cannot open, and their old slot is useless', async () => {
      const data = random(2000);
      const env = await seal(data, {
        chunkSize: 512,
        grants: [
          { person: publicIdentity(bob), rights: viewer },
          { person: publicIdentity(carol), rights: viewer },
        ],
      });
      const next = await rewrap(env, alice, { revoke: ['BOB@example.com '] });
      const [h0, h1] = await Promise.all([readEnvelopeHeader(byteSourceOf(env)), readEnvelopeHeader(byteSourceOf(next))]);
      assert.notEqual(h1.policy.cmt, h0.policy.cmt, 'a new file key');
      assert.equal(
        h1.policy.grants.some((g) => g.id === bob.id),
        false,
      );
      await rejects(open(next, bob), 'E_NOT_GRANTEE', 3);
      assert.deepEqual((await open(next, carol)).plaintext, data);
      // Bob pastes his slot from the old file into the new one: it unwraps the old key, which the commitment rejects.
      const old = JSON.parse(JSON.stringify({ kind: 'x25519-jwe', kid: bob.enc.kid, jwe: slotJwe(env, bob) }));
      const pasted = withMetadata(next, (m) => ({ ...m, slots: [old, ...m.slots] }));
      const r = await open(pasted, bob).then(
        () => 'opened',
        (e: unknown) => e,
      );
      assert.ok(isSensitivityError(r, 'E_INTEGRITY'), String(r));
    });

    it('refuses to revoke yourself or someone without a grant; changes label and expiry', async () => {
      const env = await seal(random(10), { grants: [{ person: publicIdentity(bob), rights: viewer }], expires: new Date('2027-01-01T00:00:00Z') });
      await rejects(rewrap(env, alice, { revoke: [alice.id] }), 'E_USAGE', 2);
      await rejects(rewrap(env, alice, { revoke: ['nobody@example.com'] }), 'E_PERSON_UNKNOWN', 1);
      const next = await rewrap(env, alice, { label: { id: 'general', name: 'General' }, expires: null });
      const h = await readEnvelopeHeader(byteSourceOf(next));
      assert.deepEqual(h.policy.label, { id: 'general', name: 'General' });
      assert.equal(h.policy.exp, undefined);
    });

    it('a co-owner who rewraps becomes the owner of record; the previous owner keeps Co-Owner', async () => {
      const env = await seal(random(10), { recovery: [publicIdentity(org)] });
      const next = await rewrap(env, org, { grant: [{ person: publicIdentity(bob), rights: viewer }] });
      const h = await readEnvelopeHeader(byteSourceOf(next));
      assert.equal(h.policy.owner.id, org.id);
      assert.deepEqual(h.policy.grants.find((g) => g.id === alice.id)!.rights, BUILTIN_ROLES['Co-Owner']);
    });
  });

  describe('replaceEnvelopeContent', () => {
    it('an editor saves new content under the same policy; a viewer cannot', async () => {
      const env = await seal(random(300), {
        chunkSize: 64,
        grants: [
          { person: publicIdentity(bob), rights: viewer },
          { person: publicIdentity(carol), rights: reviewer },
        ],
      });
      const edited = random(1234);
      const save = (who: Identity) => {
        const sink = memorySink();
        return replaceEnvelopeContent(byteSourceOf(env), byteSourceOf(edited), sink, who, { size: edited.length, clock: at(T0) }).then(() => sink.bytes());
      };
      await rejects(save(bob), 'E_RIGHT_MISSING', 3);
      const next = await save(carol);
      const [h0, h1] = await Promise.all([readEnvelopeHeader(byteSourceOf(env)), readEnvelopeHeader(byteSourceOf(next))]);
      assert.deepEqual(h1.policy, h0.policy);
      assert.notDeepEqual(next.subarray(22, 54), env.subarray(22, 54), 'fresh salt');
      assert.deepEqual((await open(next, bob)).plaintext, edited);
    });
  });

  describe('slots', () => {
    it('skips unknown slot kinds; a grant keeps them (same key), a revoke drops them', async () => {
      const r = drbg('unknown slot kinds');
      const data = random(100);
      const env = await seal(data, { random: r, grants: [{ person: publicIdentity(bob), rights: viewer }] });
      const fileKey = r.served().slice(0, 32);
      const future = { kind: 'passphrase-argon2id', salt: 'AAAA', wrapped: 'BBBB' };
      const withFuture = await reseal(env, fileKey, (m) => ({ ...m, slots: [future, ...m.slots] }), alice);
      assert.deepEqual((await open(withFuture, bob)).plaintext, data);
      const h = await readEnvelopeHeader(byteSourceOf(withFuture));
      assert.deepEqual(h.slots[0], { kind: 'passphrase-argon2id' });
      const granted = await rewrap(withFuture, alice, { grant: [{ person: publicIdentity(carol), rights: viewer }] });
      assert.ok((await readEnvelopeHeader(byteSourceOf(granted))).slots.some((s) => s.kind === 'passphrase-argon2id'));
      const revoked = await rewrap(withFuture, alice, { revoke: [bob.email] });
      assert.ok(!(await readEnvelopeHeader(byteSourceOf(revoked))).slots.some((s) => s.kind === 'passphrase-argon2id'));
    });

    it('a deeply nested unknown slot is E_FORMAT for every reader and writer, never a stack overflow', async () => {
      const r = drbg('deep slot');
      const env = await seal(random(10), { random: r, grants: [{ person: publicIdentity(bob), rights: viewer }] });
      const fileKey = r.served().slice(0, 32);
      let deep: unknown = 'bottom';
      for (let i = 0; i < 3000; i++) deep = { d: deep };
      const hostile = await reseal(env, fileKey, (m) => ({ ...m, slots: [{ kind: 'x-deep', deep }, ...m.slots] }), alice);
      await rejects(readEnvelopeHeader(byteSourceOf(hostile)), 'E_FORMAT', 4);
      await rejects(open(hostile, bob), 'E_FORMAT', 4);
      await rejects(rewrap(hostile, alice, { grant: [{ person: publicIdentity(carol), rights: viewer }] }), 'E_FORMAT', 4);
      const fine = await reseal(env, fileKey, (m) => ({ ...m, slots: [{ kind: 'x-shallow', a: { b: { c: [1, 2] } } }, ...m.slots] }), alice);
      assert.ok((await readEnvelopeHeader(byteSourceOf(fine))).slots.some((s) => s.kind === 'x-shallow'));
    });

    it('a slot the signed policy does not grant is E_INTEGRITY, even with a valid MAC', async () => {
      const r = drbg('stray slot');
      const env = await seal(random(10), { random: r, grants: [{ person: publicIdentity(bob), rights: viewer }] });
      const fileKey = r.served().slice(0, 32);
      const stray = { kind: 'x25519-jwe', kid: dave.enc.kid, jwe: slotJwe(env, bob) };
      await rejects(open(await reseal(env, fileKey, (m) => ({ ...m, slots: [...m.slots, stray] }), alice), bob), 'E_INTEGRITY', 4);
    });
  });

  describe('bad input', () => {
    let env: Uint8Array;
    before(async () => {
      env = await seal(random(50));
    });

    it('an unknown version is E_UNSUPPORTED_VERSION (exit 4)', async () => {
      const v3 = env.slice();
      v3[9] = 3;
      await rejects(open(v3, alice), 'E_UNSUPPORTED_VERSION', 4);
      await rejects(readEnvelopeHeader(byteSourceOf(v3)), 'E_UNSUPPORTED_VERSION', 4);
    });

    it('not an envelope, empty, or a truncated header is E_FORMAT', async () => {
      for (const bytes of [new Uint8Array(0), new TextEncoder().encode('hello, world: not protected'), env.subarray(0, 60), env.subarray(0, 200)]) {
        await rejects(open(bytes, alice), 'E_FORMAT', 4);
      }
    });

    it('a wrong --size is E_IO (the file changed while protecting)', async () => {
      const data = random(100);
      for (const size of [99, 101]) {
        await rejects(protect(byteSourceOf(data), memorySink(), { owner: alice, label: LABEL, innerName: 'x', size, chunkSize: 64 }), 'E_IO', 1);
      }
    });

    it('refuses bad options with E_USAGE or RangeError', async () => {
      const base = { owner: alice, label: LABEL, innerName: 'x', size: 0 };
      await rejects(protect(byteSourceOf(new Uint8Array(0)), memorySink(), { ...base, innerName: '../x' }), 'E_USAGE');
      await rejects(protect(byteSourceOf(new Uint8Array(0)), memorySink(), { ...base, expires: new Date(0) }), 'E_USAGE');
      await rejects(protect(byteSourceOf(new Uint8Array(0)), memorySink(), { ...base, grants: [{ person: bob, rights: ['EDIT'] }] }), 'E_USAGE');
      await rejects(
        protect(byteSourceOf(new Uint8Array(0)), memorySink(), { ...base, grants: [{ person: { ...publicIdentity(bob), id: carol.id }, rights: viewer }] }),
        'E_IDENTITY_INVALID',
      );
      await assert.rejects(protect(byteSourceOf(new Uint8Array(0)), memorySink(), { ...base, chunkSize: 10 }), RangeError);
    });
  });
});

/** The compact JWE of `who`'s slot in `env`. */
function slotJwe(env: Uint8Array, who: Identity): string {
  const meta = metadataOf(env);
  return (meta.slots as { kid?: string; jwe?: string }[]).find((s) => s.kid === who.enc.kid)!.jwe!;
}

function metadataOf(env: Uint8Array): { slots: unknown[] } & Record<string, unknown> {
  const n = new DataView(env.buffer, env.byteOffset).getUint32(86);
  return JSON.parse(new TextDecoder().decode(env.subarray(90, 90 + n))) as { slots: unknown[] };
}

/** An attacker's edit: new metadata, lengths fixed up, the old MAC and body kept (they cannot compute new ones). */
function withMetadata(env: Uint8Array, edit: (m: ReturnType<typeof metadataOf>) => unknown): Uint8Array {
  const n = new DataView(env.buffer, env.byteOffset).getUint32(86);
  const meta = new TextEncoder().encode(JSON.stringify(edit(metadataOf(env))));
  const out = new Uint8Array(env.length - n + meta.length);
  out.set(env.subarray(0, 90));
  new DataView(out.buffer).setUint32(86, meta.length);
  out.set(meta, 90);
  out.set(env.subarray(90 + n), 90 + meta.length);
  return out;
}
