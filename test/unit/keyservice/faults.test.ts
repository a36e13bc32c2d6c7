/**
 * Faults are not verdicts (docs/KEY-SERVICE.md, "When the token fails"): the SoftHSM2 token's storage
 * vanishes for about three seconds under a running `key-service serve`. While it is gone every answer
 * that needs the token is `503 E_HSM_UNAVAILABLE` with `Retry-After` (never "unknown key" or "retired"),
 * `/ready` says so, and clients see E_KEYSERVICE_UNAVAILABLE; when it is back the same process serves
 * again by itself (the module re-initialised), having said so once on stderr.
 */
import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isSensitivityError } from '../../../src/core/errors.js';
import { httpKeyServiceClient } from '../../../src/node/key-service-client.js';
import { sealTo, startFinanceService, type FinanceService, type PublicKeyResponse, type TestKeyService } from '../../support/key-service.js';

const KEY = 'Finance';

async function call(url: string, token?: string, body?: unknown): Promise<{ status: number; code: unknown; retryAfter: string | null }> {
  const res = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  return { status: res.status, code: json.code, retryAfter: res.headers.get('retry-after') };
}

describe('key service: a token that vanishes for a moment', { timeout: 120_000 }, () => {
  let f: FinanceService;
  let ks: TestKeyService;
  let token: string;
  let pub: PublicKeyResponse;
  before(async () => {
    f = await startFinanceService(KEY, { directory: false });
    ({ ks, token, pub } = f);
  });
  after(() => f?.stop());

  const sealed = () => ({ alg: 'RSA-OAEP-256', value: sealTo(pub, Buffer.alloc(32, 9)) });
  const decryptUrl = () => `${ks.url}/${KEY}/${pub.key.kid.split('/').at(-1)!}/decrypt`;

  it('a value the key cannot decrypt (>= n) is E_DECRYPT, not a fault', async () => {
    const r = await call(decryptUrl(), token, { alg: 'RSA-OAEP-256', value: Buffer.alloc(384, 0xff).toString('base64') });
    assert.equal(r.status, 400);
    assert.equal(r.code, 'E_DECRYPT');
    assert.equal((await call(`${ks.url}/ready`)).status, 200);
    assert.doesNotMatch(ks.stderr(), /token failed/);
  });

  it('storage gone for ~3 s: 503 E_HSM_UNAVAILABLE with Retry-After during, 200 after, no restart, logged once', async () => {
    assert.equal((await call(decryptUrl(), token, sealed())).status, 200);
    const tokens = join(ks.hsm.dir, 'tokens');
    renameSync(tokens, `${tokens}.away`);
    const seen = new Map<string, number>();
    const note = (what: string, r: { status: number; code: unknown }) =>
      seen.set(`${what} ${r.status} ${String(r.code)}`, (seen.get(`${what} ${r.status} ${String(r.code)}`) ?? 0) + 1);
    let restored = false;
    try {
      for (const end = Date.now() + 3000; Date.now() < end; await sleep(100)) {
        const d = await call(decryptUrl(), token, sealed());
        note('decrypt', d);
        if (d.status === 503) assert.equal(d.retryAfter, '1');
        note('get', await call(`${ks.url}/${KEY}`));
        note('ready', await call(`${ks.url}/ready`));
      }
      // A client maps the fault to "try again", never to "retired".
      const client = httpKeyServiceClient({ tokens: { token: async () => token } });
      await assert.rejects(
        client.decrypt(pub.key.kid, Buffer.from(sealed().value, 'base64'), { contentId: 'c', label: 'l' }),
        (e: unknown) => isSensitivityError(e) && e.code === 'E_KEYSERVICE_UNAVAILABLE',
      );
      renameSync(`${tokens}.away`, tokens);
      restored = true;
    } finally {
      if (!restored) renameSync(`${tokens}.away`, tokens);
    }
    const statuses = [...seen.keys()];
    assert.ok(
      statuses.every((s) => / (200|503) /.test(s)),
      `during the outage only 200 (before it was noticed) or 503: ${statuses.join(', ')}`,
    );
    assert.ok(statuses.includes('decrypt 503 E_HSM_UNAVAILABLE'), statuses.join(', '));
    assert.ok(statuses.includes('get 503 E_HSM_UNAVAILABLE'), statuses.join(', '));
    assert.ok(statuses.includes('ready 503 E_HSM_UNAVAILABLE'), statuses.join(', '));
    const start = Date.now();
    let r = await call(decryptUrl(), token, sealed());
    while (r.status !== 200 && Date.now() - start < 10_000) {
      await sleep(100);
      r = await call(decryptUrl(), token, sealed());
    }
    assert.equal(r.status, 200, `served again within 10 s of the storage coming back: ${String(r.code)}`);
    assert.equal((await call(`${ks.url}/${KEY}`)).status, 200);
    assert.equal((await call(`${ks.url}/ready`)).status, 200);
    assert.equal(ks.process.exitCode, null, 'the same process, not restarted');
    assert.equal(ks.stderr().match(/the token failed/g)?.length, 1, ks.stderr());
    assert.match(ks.stderr(), /the token answers again after/);
  });
});
