/** The key service's config for machines (issue 21): `oidc.serviceAccounts` and `allow.serviceAccounts`, validated strictly. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SensitivityError } from '../../../src/core/errors.js';
import { admits, checkRevocations } from '../../../src/keyservice/authorise.js';
import { HttpError } from '../../../src/keyservice/http-error.js';
import { parseConfig } from '../../../src/keyservice/config.js';

const config = (serviceAccounts: unknown, allow: unknown = { domains: ['example.com'], serviceAccounts: ['deploy-bot'] }) =>
  JSON.stringify({
    listen: {},
    baseUrl: 'https://keys.example.com',
    pkcs11: { module: '/usr/lib/softhsm/libsofthsm2.so', token: 't', pinEnv: 'PIN' },
    oidc: { issuer: 'https://login.example.com', audience: 'https://keys.example.com', serviceAccounts },
    accessLog: { file: '/var/log/ks/access.log' },
    keys: { Finance: { allow } },
  });
const invalid = (text: string, at: RegExp) =>
  assert.throws(
    () => parseConfig(text, 'ks.json'),
    (e: unknown) => e instanceof SensitivityError && e.code === 'E_CONFIG_INVALID' && at.test(e.message),
  );

test('service accounts: named by subject, admitted only by name (never by a domain, group or role rule)', () => {
  const c = parseConfig(config({ 'deploy-bot': 'ci-deploy', other: 'ci-other' }), 'ks.json');
  assert.deepEqual(c.oidc.serviceAccounts, { 'deploy-bot': 'ci-deploy', other: 'ci-other' });
  const allow = c.policy.keys.get('Finance')!.allow;
  assert.ok(admits(allow, { sub: 'ci-deploy', serviceAccount: 'deploy-bot', groups: [], roles: [] }));
  assert.ok(!admits(allow, { sub: 'ci-other', serviceAccount: 'other', groups: [], roles: [] }));
  const wide = parseConfig(config({ other: 'ci-other' }, { domains: ['example.com'], groups: ['staff'], roles: ['KeyUsers'] }), 'ks.json');
  assert.ok(!admits(wide.policy.keys.get('Finance')!.allow, { sub: 'ci-other', serviceAccount: 'other', groups: ['staff'], roles: ['KeyUsers'] }));
  assert.ok(admits(wide.policy.keys.get('Finance')!.allow, { sub: 'x', email: 'bob@example.com', groups: [], roles: [] }));
});

test('service accounts: two names for one subject, an empty or non-string subject, a bad allow list are E_CONFIG_INVALID', () => {
  invalid(config({ a: 'ci-deploy', b: 'ci-deploy' }), /\/oidc\/serviceAccounts\/b/);
  invalid(config({ a: '' }), /\/oidc\/serviceAccounts\/a/);
  invalid(config({ a: 7 }), /\/oidc\/serviceAccounts\/a/);
  invalid(config(['ci-deploy']), /\/oidc\/serviceAccounts/);
  invalid(config({ a: 'ci' }, { serviceAccounts: 'a' }), /\/keys\/Finance\/allow\/serviceAccounts/);
});

test('service accounts: revoked by name (any case, as revocations are kept lower-cased) or by subject', () => {
  const machine = { sub: 'ci-deploy', serviceAccount: 'Deploy-Bot', groups: [], roles: [] };
  const revoked = (people: string[]) => () => checkRevocations(machine, [{ people, contentIds: [], labels: [] }], {});
  assert.throws(revoked(['deploy-bot']), (e: unknown) => e instanceof HttpError && e.code === 'E_REVOKED');
  assert.throws(revoked(['ci-deploy']), (e: unknown) => e instanceof HttpError && e.code === 'E_REVOKED');
  assert.doesNotThrow(revoked(['someone@example.com']));
});
