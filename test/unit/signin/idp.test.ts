/** The test identity provider fixture (test/support/idp.ts) gives real tokens that verify against its discovery document. */
import * as assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { KEY_SERVICE_AUDIENCE, startIdp, type TestIdp } from '../../support/idp.js';

describe('test identity provider', () => {
  let idp: TestIdp;
  before(async () => {
    idp = await startIdp();
  });
  after(() => idp.stop());

  test('an access token from the real login flow is a JWT that verifies against the JWKS of the discovery document', async () => {
    const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
    assert.equal(discovery.issuer, idp.issuer);
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const audience = 'http://127.0.0.1:9/keys';
    const token = await idp.tokenFor('bob@example.com', audience);
    assert.equal(decodeProtectedHeader(token).typ, 'at+jwt');
    const { payload } = await jwtVerify(token, jwks, { issuer: idp.issuer, audience });
    assert.equal(payload.sub, 'bob@example.com');
    assert.equal(payload.email, 'bob@example.com');
    assert.deepEqual(payload.groups, ['staff', 'engineering']);
    // Another audience does not verify: the audience is what the key service checks.
    await assert.rejects(jwtVerify(token, jwks, { issuer: idp.issuer, audience: KEY_SERVICE_AUDIENCE }), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
  });

  test("the default audience is the key service's; an unknown login is refused", async () => {
    const { payload } = await jwtVerify(await idp.tokenFor('admin@example.com'), createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), {
      issuer: idp.issuer,
      audience: KEY_SERVICE_AUDIENCE,
    });
    assert.deepEqual(payload.groups, ['staff', 'admins']);
    await assert.rejects(idp.tokenFor('mallory@example.com'), /IdP/);
  });

  test('stop ends the process: the issuer no longer answers', async () => {
    const other = await startIdp();
    await other.stop();
    await assert.rejects(fetch(`${other.issuer}/.well-known/openid-configuration`));
  });
});
