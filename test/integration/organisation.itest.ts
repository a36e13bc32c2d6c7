/**
 * The organisation sign-in in the real VS Code: the authentication provider signs in against the test
 * identity provider (npm oidc-provider, started here), whose login and consent forms the test fills over
 * HTTP; the account shows in the Accounts menu (getAccounts) and the token verifies against the IdP's keys.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startIdp, VSCODE_CLIENT_ID, type TestIdp } from '../support/idp.js';
import { after, before, suite, test } from './harness.js';
import { extension, waitFor } from './helpers.js';
import { api } from './sensitivity.js';

const PROVIDER = 'sensitivity-org';
const AUDIENCE = 'http://127.0.0.1:9/keys';

suite('organisation sign-in', () => {
  let idp: TestIdp;
  const config = () => vscode.workspace.getConfiguration('sensitivity.organisation');
  before(async () => {
    idp = await startIdp({ root: extension().extensionPath });
    await config().update('issuer', idp.issuer, vscode.ConfigurationTarget.Global);
    await config().update('clientId', VSCODE_CLIENT_ID, vscode.ConfigurationTarget.Global);
    await config().update('audiences', [AUDIENCE], vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    for (const key of ['issuer', 'clientId', 'audiences']) await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    await idp?.stop();
  });

  test(
    'signing in through the provider shows the account; its token verifies; signing out removes it',
    async () => {
      const sensitivity = await api();
      assert.deepEqual(await vscode.authentication.getAccounts(PROVIDER), [], 'nobody is signed in at first');
      let browser: Promise<string> | undefined;
      const label = await vscode.commands.executeCommand<string | undefined>('sensitivity.signIn', {
        // The page VS Code would open in the browser, driven over HTTP instead (login form, consent form).
        open: (url: string) => {
          assert.match(url, /code_challenge_method=S256/);
          browser = idp.completeLogin(url, 'alice@example.com');
        },
      });
      assert.equal(label, 'alice@example.com');
      assert.match(await browser!, /signed in to your organisation/i);
      const accounts = await waitFor(async () => {
        const a = await vscode.authentication.getAccounts(PROVIDER);
        return a.length > 0 ? a : undefined;
      }, 'the account to show in the Accounts menu');
      assert.deepEqual(
        accounts.map((a) => a.label),
        ['alice@example.com'],
      );
      const token = await sensitivity.organisationToken(AUDIENCE);
      const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), { issuer: idp.issuer, audience: AUDIENCE });
      assert.equal(payload.email, 'alice@example.com');
      assert.deepEqual(payload.groups, ['staff', 'finance']);

      await vscode.commands.executeCommand('sensitivity.signOut');
      await waitFor(async () => (await vscode.authentication.getAccounts(PROVIDER)).length === 0, 'the account to go');
    },
    { timeoutMs: 90_000 },
  );
});
