/**
 * The witness (docs/KEY-SERVICE.md, "The witness"; FORMAT §16) against a real `key-service serve` on SoftHSM2
 * with the oidc-provider IdP, file state: each access-policy version of a line is registered once it extends
 * the head held; a fork (another version 2 over version 1), an old copy and a skipped number are 409 E_FORK
 * naming the head, so a reader that has nothing remembered (an empty versions.json) still learns of them;
 * receipts verify against the directory's key with the core's `verifyWitnessReceipt` and fail when altered,
 * for another version or another key. (The same against PostgreSQL and two replicas: shared-state.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { JWK } from 'jose';
import { isSensitivityError } from '../../../src/core/errors.js';
import { verifyWitnessReceipt, WITNESS_KIND } from '../../../src/core/index.js';
import { pd, registerAtWitness as register, startFinanceService, type FinanceService } from '../../support/key-service.js';

describe('key service: the witness', { timeout: 120_000 }, () => {
  let f: FinanceService;
  let keys: JWK[];
  before(async () => {
    f = await startFinanceService('Finance');
    keys = ((await (await fetch(`${f.ks.url}/directory`)).json()) as { keys: JWK[] }).keys;
  });
  after(() => f?.stop());

  it('registers versions that extend the head, refuses forks and old copies with E_FORK, and signs receipts readers verify', async () => {
    const line = 'content-1';
    const v1 = { line, pd: pd('v1'), prev: null, ver: 1 };
    const r1 = await register(f.ks.url, f.token, v1);
    assert.equal(r1.status, 200, JSON.stringify(r1.json));
    assert.equal(r1.json.kind, WITNESS_KIND);
    const v2 = { line, pd: pd('v2'), prev: pd('v1'), ver: 2 };
    const r2 = await register(f.ks.url, f.token, v2);
    assert.equal(r2.status, 200);
    // A fork: another version 2 over the same version 1, signed by whoever — the witness holds v2.
    const fork = await register(f.ks.url, f.token, { line, pd: pd('v2-fork'), prev: pd('v1'), ver: 2 });
    assert.equal(fork.status, 409);
    assert.equal(fork.json.code, 'E_FORK');
    assert.deepEqual(fork.json.head, { pd: pd('v2'), ver: 2 });
    for (const stale of [v1, { line, pd: pd('v4'), prev: pd('v3'), ver: 4 }, { line, pd: pd('v3'), prev: pd('v1'), ver: 3 }]) {
      assert.equal((await register(f.ks.url, f.token, stale)).json.code, 'E_FORK', JSON.stringify(stale));
    }
    assert.equal((await register(f.ks.url, f.token, v2)).status, 200, 'the head again: the same receipt, idempotent');
    const head = (await (await fetch(`${f.ks.url}/witness/${line}`)).json()) as { head: unknown };
    assert.deepEqual(head.head, { pd: pd('v2'), ver: 2 });

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

  it('needs a sign-in, a well-formed claim, and logs each registration', async () => {
    const noToken = await fetch(`${f.ks.url}/witness`, { method: 'POST', body: JSON.stringify({ line: 'x', pd: pd('x'), prev: null, ver: 1 }) });
    assert.equal(noToken.status, 401);
    for (const bad of [
      { line: 'x', pd: 'short', prev: null, ver: 1 },
      { line: 'x', pd: pd('x'), prev: pd('w'), ver: 1 },
      { line: 'x', pd: pd('x'), prev: null, ver: 2 },
    ]) {
      assert.equal((await register(f.ks.url, f.token, bad)).json.code, 'E_BAD_REQUEST', JSON.stringify(bad));
    }
    const v = f.ks.cli(['log', '--verify', f.ks.logFile]);
    assert.equal(v.code, 0, v.stderr);
  });
});
