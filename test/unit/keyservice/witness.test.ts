/**
 * The witness (docs/KEY-SERVICE.md, "The witness"; FORMAT §16) against a real `key-service serve` on SoftHSM2
 * with the oidc-provider IdP, file state: each access-policy version of a line is registered once its policy shows
 * an owner of the version before signed it (E_LINEAGE otherwise: a Viewer, an Editor, a removed Co-Owner, someone
 * with no grant, a policy that is not the version named, a version before that is not the head's) and it extends the
 * head held; a fork (another version 2 over version 1) and an old copy are 409 E_FORK naming the head, so a reader
 * that has nothing remembered (an empty versions.json) still learns of them; receipts verify against the directory's
 * key with the core's `verifyWitnessReceipt` and fail when altered, for another version or another key. (The same
 * against PostgreSQL and two replicas: shared-state.test.ts.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { JWK } from 'jose';
import { isSensitivityError } from '../../../src/core/errors.js';
import { policyDigest } from '../../../src/core/envelope/index.js';
import { createIdentity, type Identity } from '../../../src/core/identity.js';
import { verifyWitnessReceipt, WITNESS_KIND } from '../../../src/core/index.js';
import { TEST_USERS } from '../../support/idp.js';
import { pd, policyVersion, registerAtWitness as register, registrationOf, startFinanceService, type FinanceService } from '../../support/key-service.js';

describe('key service: the witness', { timeout: 120_000 }, () => {
  let f: FinanceService;
  let keys: JWK[];
  let alice: Identity, bob: Identity, carol: Identity, erin: Identity, mallory: Identity;
  before(async () => {
    // Carol, Erin and Mallory sign in too: each registers with their own sign-in, as the access log shows.
    const users = [...TEST_USERS, ...['Carol', 'Erin', 'Mallory'].map((n) => ({ email: `${n.toLowerCase()}@example.com`, name: n, groups: ['staff'] }))];
    f = await startFinanceService('Finance', {}, { users });
    keys = ((await (await fetch(`${f.ks.url}/directory`)).json()) as { keys: JWK[] }).keys;
    const make = (n: string) => createIdentity(n, `${n.toLowerCase()}@example.com`);
    [alice, bob, carol, erin, mallory] = await Promise.all([make('Alice'), make('Bob'), make('Carol'), make('Erin'), make('Mallory')]);
  });
  after(() => f?.stop());

  it('registers versions that extend the head, refuses forks and old copies with E_FORK, and signs receipts readers verify', async () => {
    const line = 'content-1';
    const p1 = await policyVersion(alice, null, [[alice, 'Co-Owner']], { cid: line });
    const p2 = await policyVersion(alice, p1, [
      [alice, 'Co-Owner'],
      [bob, 'Viewer'],
    ]);
    const v1 = registrationOf(p1, null);
    const r1 = await register(f.ks.url, f.token, v1);
    assert.equal(r1.status, 200, JSON.stringify(r1.json));
    assert.equal(r1.json.kind, WITNESS_KIND);
    const v2 = registrationOf(p2, p1);
    const r2 = await register(f.ks.url, f.token, v2);
    assert.equal(r2.status, 200, JSON.stringify(r2.json));
    // A fork: another version 2 over the same version 1, by its owner too — the witness holds v2.
    const fork = await register(f.ks.url, f.token, registrationOf(await policyVersion(alice, p1, [[alice, 'Co-Owner']], { iat: 1_800_000_001 }), p1));
    assert.equal(fork.status, 409);
    assert.equal(fork.json.code, 'E_FORK');
    assert.deepEqual(fork.json.head, { pd: v2.pd, ver: 2 });
    // An old copy (version 1 again) and a version 4 over a version 3 the witness never registered.
    const p3 = await policyVersion(alice, p2, [[alice, 'Co-Owner']]);
    const p4 = await policyVersion(alice, p3, [[alice, 'Co-Owner']]);
    for (const stale of [v1, registrationOf(p4, p3)]) {
      assert.equal((await register(f.ks.url, f.token, stale)).json.code, 'E_FORK', `version ${stale.ver}`);
    }
    // A skipped number cannot be an owner's step: version 3 claiming to replace version 1.
    const skip = await register(f.ks.url, f.token, { ...registrationOf(p3, p2), prev: v1.pd, prevPolicy: p1 });
    assert.equal(skip.json.code, 'E_LINEAGE', JSON.stringify(skip.json));
    assert.equal((await register(f.ks.url, f.token, v2)).status, 200, 'the head again: the same receipt, idempotent');
    const head = (await (await fetch(`${f.ks.url}/witness/${line}`)).json()) as { head: unknown };
    assert.deepEqual(head.head, { pd: v2.pd, ver: 2 });

    const receipt = r2.json.receipt as string;
    const v = await verifyWitnessReceipt(receipt, keys, { issuer: f.ks.url, line, pd: v2.pd, ver: 2 });
    assert.equal(v.prev, v1.pd);
    const refused = async (p: Promise<unknown>) => assert.rejects(p, (e: unknown) => isSensitivityError(e) && e.code === 'E_WITNESS_INVALID');
    await refused(verifyWitnessReceipt(receipt, keys, { pd: pd('v2-fork') }));
    await refused(verifyWitnessReceipt(receipt, keys, { line: 'content-2' }));
    await refused(verifyWitnessReceipt(r1.json.receipt as string, keys, { ver: 2 }));
    const [h, p, s] = receipt.split('.');
    const altered = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), ver: 3 })).toString('base64url');
    await refused(verifyWitnessReceipt(`${h}.${altered}.${s}`, keys));
    await refused(verifyWitnessReceipt(receipt, [{ kty: 'EC', crv: 'P-256', x: keys[0]!.y!, y: keys[0]!.x! }]));
  });

  it("only an owner of the head registers its successor: a Viewer, an Editor, a removed Co-Owner and someone with no grant are refused (E_LINEAGE, logged), the owner's next change registers", async () => {
    const line = 'content-owners';
    // Alice protects with Carol as Co-Owner (v1), grants Bob (Viewer) and Erin (Reviewer: EDIT) and removes Carol (v2).
    const p1 = await policyVersion(
      alice,
      null,
      [
        [alice, 'Co-Owner'],
        [carol, 'Co-Owner'],
      ],
      { cid: line },
    );
    const p2 = await policyVersion(alice, p1, [
      [alice, 'Co-Owner'],
      [bob, 'Viewer'],
      [erin, 'Reviewer'],
    ]);
    for (const [p, before] of [[p1, null] as const, [p2, p1] as const])
      assert.equal((await register(f.ks.url, f.token, registrationOf(p, before))).status, 200);
    const head = registrationOf(p2, p1);
    const tokenOf = (who: Identity) => f.idp.tokenFor(who.email);
    // Each signs a version 3 over the genuine head (content id and digest are in any copy's header) that makes them an
    // owner, and registers it with their own sign-in: with the policies (the protocol now), and as the bare claim alone.
    for (const who of [bob, erin, carol, mallory]) {
      const bogus = await policyVersion(who, p2, [[who, 'Co-Owner']]);
      const reg = registrationOf(bogus, p2);
      const token = await tokenOf(who);
      const r = await register(f.ks.url, token, reg);
      assert.equal(r.status, 403, `${who.name}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.code, 'E_LINEAGE');
      assert.match(r.json.reason as string, /signed by a key that was not an owner in version 2/);
      const { line: l, pd: d, prev, ver } = reg;
      const bare = await register(f.ks.url, token, { line: l, pd: d, prev, ver });
      assert.equal(bare.status, 400, `${who.name}, the claim without its policies: ${JSON.stringify(bare.json)}`);
      assert.equal(bare.json.code, 'E_BAD_REQUEST');
    }
    // Carol held OWNER in version 1: her version 2 on her old copy is an owner's step, but not the head's successor.
    const carols = await policyVersion(carol, p1, [[carol, 'Co-Owner']]);
    assert.equal((await register(f.ks.url, await tokenOf(carol), registrationOf(carols, p1))).json.code, 'E_FORK');
    // Mallory's own "version 2" (self-made history: a version 1 of that content id by him) and his version 3 on it:
    // sent as the successor of the genuine head, the policy before is not the one prev names; sent as what it is, a fork.
    const fake1 = await policyVersion(mallory, null, [[mallory, 'Co-Owner']], { cid: line });
    const fake2 = await policyVersion(mallory, fake1, [[mallory, 'Co-Owner']]);
    const fake3 = await policyVersion(mallory, fake2, [[mallory, 'Co-Owner']]);
    const mt = await tokenOf(mallory);
    assert.equal((await register(f.ks.url, mt, { ...registrationOf(fake3, fake2), prev: head.pd })).json.code, 'E_LINEAGE');
    assert.equal((await register(f.ks.url, mt, registrationOf(fake3, fake2))).json.code, 'E_FORK');
    // The owner's genuine version 3 with a policy that is not the version pd names, or with a version before that is
    // not the head (version 1 sent as the policy before): refused.
    const p3 = await policyVersion(alice, p2, [
      [alice, 'Co-Owner'],
      [bob, 'Viewer'],
    ]);
    const genuine = registrationOf(p3, p2);
    const broken = `${p3.slice(0, -3)}${p3.at(-3) === 'A' ? 'B' : 'A'}${p3.slice(-2)}`;
    for (const [what, bad] of [
      ['a policy other than pd', { ...genuine, policy: await policyVersion(alice, p2, [[alice, 'Co-Owner']]) }],
      ['a pd other than the policy', { ...genuine, pd: pd('something else') }],
      ['the policy before not the head', { ...genuine, prevPolicy: p1 }],
      ['a version number other than the policy', { ...genuine, ver: 4 }],
      ['another line', { ...genuine, line: 'content-other' }],
      ['a signature that fails', { ...genuine, policy: broken, pd: policyDigest(broken) }],
    ] as const) {
      const r = await register(f.ks.url, f.token, bad);
      assert.equal(r.json.code, 'E_LINEAGE', `${what}: ${JSON.stringify(r.json)}`);
    }
    const witnessHead = async () => ((await (await fetch(`${f.ks.url}/witness/${line}`)).json()) as { head: unknown }).head;
    assert.deepEqual(await witnessHead(), { pd: head.pd, ver: 2 }, 'the head is still the genuine version 2');
    const ok = await register(f.ks.url, f.token, genuine);
    assert.equal(ok.status, 200, `the owner's next change: ${JSON.stringify(ok.json)}`);
    assert.deepEqual(await witnessHead(), { pd: genuine.pd, ver: 3 });
    // Version 1 with no head: trusted on first registration, but it must be self-consistent (signed by a key it makes an owner).
    const notSelf = await policyVersion(mallory, null, [[alice, 'Co-Owner']], { cid: 'content-fresh' });
    assert.equal((await register(f.ks.url, mt, registrationOf(notSelf, null))).json.code, 'E_LINEAGE');
    const refusals = readFileSync(f.ks.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"witness.register"') && l.includes('"E_LINEAGE"'))
      .map((l) => JSON.parse(l) as { actor: { email: string }; decision: string; line: string });
    assert.ok(refusals.length >= 12, `each refusal is in the key access log (${refusals.length})`);
    assert.deepEqual(
      new Set(refusals.filter((r) => r.line === line).map((r) => r.actor.email)),
      new Set(['bob@example.com', 'erin@example.com', 'carol@example.com', 'mallory@example.com', 'alice@example.com']),
    );
  });

  it('needs a sign-in, a well-formed registration, and logs each registration', async () => {
    const p = await policyVersion(alice, null, [[alice, 'Co-Owner']], { cid: 'x' });
    const noToken = await fetch(`${f.ks.url}/witness`, { method: 'POST', body: JSON.stringify(registrationOf(p, null)) });
    assert.equal(noToken.status, 401);
    // The body (up to 1 MiB + 4 KiB: two policies) is read only once the token verified: a large one without is a 401.
    const unsigned = await fetch(`${f.ks.url}/witness`, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) });
    assert.equal(unsigned.status, 401);
    const good = registrationOf(p, null);
    for (const bad of [
      { ...good, pd: 'short' },
      { ...good, prev: pd('w') },
      { ...good, ver: 2 },
      { ...good, policy: undefined },
      { ...good, prevPolicy: undefined },
      { ...good, prevPolicy: p },
      { ...good, extra: 1 },
    ]) {
      assert.equal((await register(f.ks.url, f.token, bad)).json.code, 'E_BAD_REQUEST', JSON.stringify(bad));
    }
    const big = await register(f.ks.url, f.token, { ...good, policy: 'a'.repeat(1024 * 1024 + 4096) });
    assert.equal(big.json.code, 'E_TOO_LARGE');
    const v = f.ks.cli(['log', '--verify', f.ks.logFile]);
    assert.equal(v.code, 0, v.stderr);
  });

  it("an administrator removes a line's head (file state): it is gone, a new history registers as a first, the log says who", async () => {
    const line = 'content-removed';
    const p1 = await policyVersion(alice, null, [[alice, 'Co-Owner']], { cid: line });
    assert.equal((await register(f.ks.url, f.token, registrationOf(p1, null))).status, 200);
    const removed = f.ks.cli(['witness', '--line', line, '--remove', '--yes']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /^removed content-removed: version 1 /);
    assert.equal((await fetch(`${f.ks.url}/witness/${line}`)).status, 404);
    // Mallory's own version 1 of that line is now a first registration: the recovery trusts whoever registers first.
    const other = await policyVersion(mallory, null, [[mallory, 'Co-Owner']], { cid: line });
    assert.equal((await register(f.ks.url, f.token, registrationOf(other, null))).status, 200);
    const entries = readFileSync(f.ks.logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const entry = entries.find((e) => e.action === 'witness.remove');
    assert.deepEqual([entry?.line, entry?.ver, entry?.pd, entry?.actor], [line, 1, registrationOf(p1, null).pd, null]);
    const v = f.ks.cli(['log', '--verify', f.ks.logFile]);
    assert.equal(v.code, 0, v.stderr);
  });
});
