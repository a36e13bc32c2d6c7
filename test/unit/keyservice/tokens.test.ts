/**
 * Token verification against the real test IdP (oidc-provider): an expired token is E_TOKEN_EXPIRED, and
 * a key rotation at the IdP (a new signing key, same issuer) is picked up with no restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError } from '../../../src/keyservice/http-error.js';
import { JWKS_COOLDOWN_MS, TokenVerifier } from '../../../src/keyservice/tokens.js';
import { MACHINE_CLIENT_ID, MACHINE_CLIENT_SECRET, newSigningKey, startIdp } from '../../support/idp.js';

const oidcFor = (issuer: string, audience: string) => ({
  issuer,
  audience,
  authorization: issuer,
  clockSkewSeconds: 0,
  emailClaim: 'email',
  groupsClaim: 'groups',
  rolesClaim: 'roles',
  serviceAccounts: {},
});

const rejectsWith = (p: Promise<unknown>, code: string) => assert.rejects(p, (e: unknown) => e instanceof HttpError && e.code === code);

test('tokens: claims, expiry and IdP key rotation', { timeout: 90_000 }, async () => {
  const idp = await startIdp({ accessTokenTTL: 60 });
  let rotated: Awaited<ReturnType<typeof startIdp>> | undefined;
  try {
    const verifier = new TokenVerifier(oidcFor(idp.issuer, idp.audience));
    const token = await idp.tokenFor('bob@example.com');
    const caller = await verifier.verify(`Bearer ${token}`);
    assert.equal(caller.email, 'bob@example.com');
    assert.equal((await verifier.verify(`bearer ${token}`)).email, 'bob@example.com', 'the scheme is case-insensitive (RFC 7235)');
    assert.deepEqual(caller.groups, ['staff', 'engineering']);
    // The same token a minute and a bit later (a clock moved on, not a wait: a loaded machine may take
    // seconds between issue and check).
    const later = new TokenVerifier(oidcFor(idp.issuer, idp.audience), { now: () => new Date(Date.now() + 61_000) });
    await rejectsWith(later.verify(`Bearer ${token}`), 'E_TOKEN_EXPIRED');
    await rejectsWith(new TokenVerifier(oidcFor(idp.issuer, 'urn:someone-else')).verify(`Bearer ${await idp.tokenFor('bob@example.com')}`), 'E_TOKEN_INVALID');

    // The IdP rotates its signing key (same issuer and port); the verifier fetches the new key set.
    const port = Number(new URL(idp.issuer).port);
    await idp.stop();
    rotated = await startIdp({ port, accessTokenTTL: 60, signingKeys: [await newSigningKey(), ...idp.signingKeys] });
    const fresh = await rotated.tokenFor('alice@example.com');
    await sleep(JWKS_COOLDOWN_MS + 100); // jose refetches for an unknown kid once the cooldown since its last fetch is over
    assert.equal((await verifier.verify(`Bearer ${fresh}`)).email, 'alice@example.com');
    await rotated.stop();
    await rejectsWith(new TokenVerifier(oidcFor(idp.issuer, idp.audience)).verify(`Bearer ${fresh}`), 'E_IDP_UNAVAILABLE');
  } finally {
    await idp.stop();
    await rotated?.stop();
  }
});

test('tokens: a machine (client credentials, no email) is a service account only when the config names its subject', { timeout: 60_000 }, async () => {
  const idp = await startIdp();
  try {
    const res = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${MACHINE_CLIENT_ID}:${MACHINE_CLIENT_SECRET}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: idp.audience }),
    });
    assert.equal(res.status, 200);
    const token = ((await res.json()) as { access_token: string }).access_token;
    // Unnamed: refused as before (a token with no email identifies nobody).
    await rejectsWith(new TokenVerifier(oidcFor(idp.issuer, idp.audience)).verify(`Bearer ${token}`), 'E_TOKEN_INVALID');
    const named = new TokenVerifier({ ...oidcFor(idp.issuer, idp.audience), serviceAccounts: { 'deploy-bot': MACHINE_CLIENT_ID } });
    const caller = await named.verify(`Bearer ${token}`);
    assert.deepEqual(caller, { sub: MACHINE_CLIENT_ID, serviceAccount: 'deploy-bot', groups: [], roles: [] });
    // A person's token is still a person, whatever the service accounts.
    const person = await named.verify(`Bearer ${await idp.tokenFor('bob@example.com')}`);
    assert.equal(person.email, 'bob@example.com');
    assert.equal(person.serviceAccount, undefined);
  } finally {
    await idp.stop();
  }
});
