/**
 * DKE as Microsoft's clients speak it (docs/KEY-SERVICE.md, "Against the reference service"), against a
 * real `key-service serve` on SoftHSM2 with the oidc-provider IdP: the 401 challenge parsed the way the
 * reference's test tool (key_store_tester.ps1) parses it, case-insensitive routes and scheme, `cache.exp`
 * in the reference's format with matching cache headers, E_BAD_REQUEST for a value of the wrong size, no
 * stack traces for clients that go away mid-body; the directory refusing identities whose self-signature
 * fails or is missing; reserved key names refused.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createIdentity, publicIdentity } from '../../../src/core/index.js';
import { sealTo, startFinanceService, type FinanceService, type PublicKeyResponse, type TestKeyService } from '../../support/key-service.js';

const KEY = 'Finance';

/** key_store_tester.ps1's ParseAuthResponse: starts with "bearer", then comma-separated name="value" fields. */
function parseChallenge(header: string): Map<string, string> {
  assert.match(header, /^\s*bearer/i, 'the challenge names the Bearer scheme');
  const fields = new Map<string, string>();
  for (const item of header.replace(/bearer/i, '').split(',')) {
    const m = /\s*(?<name>[^=]+)=\s*"(?<value>[^"]*)"/.exec(item);
    assert.ok(m, `every field is name="value": ${item}`);
    fields.set(m.groups!.name!.trim(), m.groups!.value!.trim());
  }
  return fields;
}

describe('key service: DKE as the reference service speaks it', { timeout: 120_000 }, () => {
  let f: FinanceService;
  let ks: TestKeyService;
  let token: string;
  let pub: PublicKeyResponse;
  before(async () => {
    f = await startFinanceService(KEY, { extra: { cacheSeconds: 7200 } });
    ({ ks, token, pub } = f);
  });
  after(() => f?.stop());

  const sealed = () => JSON.stringify({ alg: 'RSA-OAEP-256', value: sealTo(pub, Buffer.alloc(32, 5)) });

  it('401 carries the Bearer challenge with realm, authorization server and resource (as the DKE test tool requires)', async () => {
    const bare = await fetch(`${pub.key.kid}/decrypt`, { method: 'POST' });
    assert.equal(bare.status, 401);
    const fields = parseChallenge(bare.headers.get('www-authenticate') ?? '');
    assert.equal(fields.get('realm'), ks.url);
    assert.equal(fields.get('authorization'), f.idp.issuer);
    assert.equal(fields.get('resource'), f.idp.audience);
    assert.equal(fields.has('error'), false, 'no token: no error (RFC 6750 §3.1)');
    assert.equal(bare.headers.get('resource'), f.idp.audience, 'the reference also sends resource and authorization as headers');
    assert.equal(bare.headers.get('authorization'), f.idp.issuer);
    const bad = await fetch(`${pub.key.kid}/decrypt`, { method: 'POST', headers: { authorization: 'Bearer abc.def.ghi' }, body: sealed() });
    assert.equal(bad.status, 401);
    assert.equal(parseChallenge(bad.headers.get('www-authenticate') ?? '').get('error'), 'invalid_token');
  });

  it('routes and the scheme are case-insensitive: /Decrypt, /DECRYPT, "bearer"', async () => {
    for (const [path, scheme] of [
      ['Decrypt', 'Bearer'],
      ['DECRYPT', 'bearer'],
      ['decrypt', 'BEARER'],
    ] as const) {
      const r = await fetch(`${pub.key.kid}/${path}`, {
        method: 'POST',
        headers: { authorization: `${scheme} ${token}`, 'content-type': 'application/json' },
        body: sealed(),
      });
      const json = (await r.json()) as { value: string };
      assert.equal(r.status, 200, `${path} with ${scheme}: ${JSON.stringify(json)}`);
      assert.equal(Buffer.from(json.value, 'base64').toString('hex'), '05'.repeat(32));
    }
    assert.equal((await fetch(`${ks.url}/Directory`)).status, 200);
  });

  it('cache.exp in the reference format (UTC, to the second, no zone) and Cache-Control that agrees with it', async () => {
    const r = await fetch(`${ks.url}/${KEY}`);
    const { cache } = (await r.json()) as PublicKeyResponse;
    assert.match(cache.exp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    const exp = Date.parse(`${cache.exp}Z`);
    assert.ok(Math.abs(exp - (Date.now() + 7200_000)) < 60_000, `exp is now + cacheSeconds (UTC): ${cache.exp}`);
    assert.equal(r.headers.get('cache-control'), 'public, max-age=7200');
    // Decrypt answers are never cached.
    const d = await fetch(`${pub.key.kid}/decrypt`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: sealed() });
    assert.equal(d.headers.get('cache-control'), 'no-store');
  });

  it('a value of the wrong size is 400 E_BAD_REQUEST, as documented', async () => {
    for (const size of [1, 383, 385, 512]) {
      const r = await fetch(`${pub.key.kid}/decrypt`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ alg: 'RSA-OAEP-256', value: Buffer.alloc(size, 1).toString('base64') }),
      });
      assert.equal(r.status, 400);
      assert.equal(((await r.json()) as { code: string }).code, 'E_BAD_REQUEST', `${size} bytes`);
    }
  });

  it('clients that go away mid-body leave no stack trace, and the service keeps serving', async () => {
    const before = ks.stderr().length;
    const url = new URL(`${pub.key.kid}/decrypt`);
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        const req = request({
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-length': '5000', authorization: `Bearer ${token}` },
        });
        req.on('error', () => undefined);
        req.write('{"alg":"RSA-OAEP-256","value":"');
        await sleep(50);
        req.destroy();
      }),
    );
    await sleep(500);
    assert.equal(ks.stderr().slice(before), '', 'nothing on stderr');
    assert.equal((await fetch(`${pub.key.kid}/decrypt`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: sealed() })).status, 200);
  });

  it('the directory refuses an identity whose self-signature fails or is missing (400 E_BAD_REQUEST)', async () => {
    const alice = publicIdentity(await createIdentity('Alice Example', 'alice@example.com'));
    const post = async (identity: unknown) => {
      const r = await fetch(`${ks.url}/directory`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ identity }) });
      return { status: r.status, code: ((await r.json()) as { code?: string }).code };
    };
    assert.deepEqual(await post({ ...alice, name: 'Alice Renamed' }), { status: 400, code: 'E_BAD_REQUEST' });
    const { proof: _proof, ...unsigned } = alice;
    assert.deepEqual(await post(unsigned), { status: 400, code: 'E_BAD_REQUEST' });
    assert.equal((await post(alice)).status, 200);
  });

  it('reserved key names are refused, in any case', () => {
    for (const name of ['directory', 'Ready', 'witness']) {
      const r = ks.cli(['key', 'create', name]);
      assert.notEqual(r.code, 0, `${name}: ${r.stdout}`);
      assert.match(r.stderr, /not a key name/);
    }
  });
});
