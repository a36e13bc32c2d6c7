/**
 * `sensitivity login|whoami|token|logout` against a real identity provider (npm oidc-provider, started by
 * the test): the browser step and the device confirmation are driven over HTTP through its real forms.
 */
import * as assert from 'node:assert/strict';
import { statSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { CLI_CLIENT_ID, startIdp, type TestIdp } from '../../support/idp.js';
import { loginDriven, runCliAsync, tempDir } from './helpers.js';

const AUDIENCE = 'http://127.0.0.1:9/keys';

const browserLogin = (idp: TestIdp, home: string, cwd: string, user: string, extra: readonly string[] = []) =>
  loginDriven(home, cwd, ['--issuer', idp.issuer, '--client-id', CLI_CLIENT_ID, '--audience', AUDIENCE, ...extra], /^ {2}(http\S+)$/m, (m) =>
    idp.completeLogin(m[1]!, user),
  );

async function cli(args: readonly string[], home: string, cwd: string) {
  const r = await runCliAsync(args, { home, cwd });
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

const stored = (home: string) => JSON.parse(readFileSync(join(home, 'signin.json'), 'utf8')) as { refreshToken?: string; tokens: { value: string }[] };

describe('sensitivity login (real identity provider)', () => {
  let idp: TestIdp;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  const dir = tempDir();
  before(async () => {
    idp = await startIdp();
    jwks = createRemoteJWKSet(new URL(`${idp.issuer}/jwks`));
  });
  after(async () => {
    await idp.stop();
    dir.dispose();
  });

  test('browser sign-in (code + PKCE on a loopback redirect): whoami, a token for the key service, the file 0600', async () => {
    const home = join(dir.path, 'alice');
    const r = await browserLogin(idp, home, dir.path, 'alice@example.com', ['--no-browser']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Signed in to http:\/\/127\.0\.0\.1:\d+ as Alice Example <alice@example\.com>/);
    assert.match(r.stderr, /code_challenge_method=S256/);
    assert.match(r.stderr, /redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Fcallback/);
    assert.equal(statSync(join(home, 'signin.json')).mode & 0o777, 0o600);
    assert.equal(statSync(home).mode & 0o777, 0o700);

    const who = await cli(['whoami'], home, dir.path);
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /as Alice Example <alice@example\.com>/);
    assert.match(who.stdout, /Groups: {4}staff, finance/);
    const json = await cli(['whoami', '--json'], home, dir.path);
    const shown = JSON.parse(json.stdout) as { account: { email: string }; audiences: string[] };
    assert.equal(shown.account.email, 'alice@example.com');
    assert.deepEqual(shown.audiences, [AUDIENCE]);
    // whoami never shows a token.
    for (const t of stored(home).tokens) assert.ok(!json.stdout.includes(t.value) && !who.stdout.includes(t.value));
    assert.ok(!json.stdout.includes(stored(home).refreshToken!));

    const tok = await cli(['token', '--audience', AUDIENCE], home, dir.path);
    assert.equal(tok.code, 0, tok.stderr);
    const { payload } = await jwtVerify(tok.stdout.trim(), jwks, { issuer: idp.issuer, audience: AUDIENCE });
    assert.equal(payload.email, 'alice@example.com');
  });

  test('device flow: the code confirmed on "another device" signs this one in', async () => {
    const home = join(dir.path, 'bob');
    const r = await loginDriven(
      home,
      dir.path,
      ['--device', '--issuer', idp.issuer, '--client-id', CLI_CLIENT_ID, '--audience', AUDIENCE],
      /\(or open (\S+)\)/,
      (m) => idp.approveDevice(m[1]!, 'bob@example.com'),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /enter the code [A-Z]{4}-[A-Z]{4}/);
    assert.match(r.stdout, /as Bob Example <bob@example\.com>/);
    const tok = await cli(['token'], home, dir.path);
    const { payload } = await jwtVerify(tok.stdout.trim(), jwks, { issuer: idp.issuer, audience: AUDIENCE });
    assert.equal(payload.email, 'bob@example.com');
    assert.equal(statSync(join(home, 'signin.json')).mode & 0o777, 0o600);
  });

  test('logout revokes the refresh token at the IdP and deletes the stored tokens; then whoami says sign in', async () => {
    const home = join(dir.path, 'admin');
    assert.equal((await browserLogin(idp, home, dir.path, 'admin@example.com', ['--no-browser'])).code, 0);
    const refreshToken = stored(home).refreshToken;
    assert.ok(refreshToken);
    const r = await cli(['logout'], home, dir.path);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Signed out of .* \(Admin Example <admin@example\.com>\)/);
    assert.equal(existsSync(join(home, 'signin.json')), false);
    const refresh = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLI_CLIENT_ID }),
    });
    assert.equal(((await refresh.json()) as { error: string }).error, 'invalid_grant');
    const who = await cli(['whoami'], home, dir.path);
    assert.equal(who.code, 3);
    assert.match(who.stderr, /not signed in.*sensitivity login.*\[E_SIGNIN_REQUIRED\]/);
    assert.equal((await cli(['logout'], home, dir.path)).stdout.trim(), 'Not signed in.');
  });

  test('a token for a key service the sign-in did not cover: E_SIGNIN_REQUIRED naming it', async () => {
    const home = join(dir.path, 'alice');
    const r = await cli(['token', '--audience', 'https://other.example/keys'], home, dir.path);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /does not cover https:\/\/other\.example\/keys.*\[E_SIGNIN_REQUIRED\]/);
  });

  test('nobody finishes the browser step: E_SIGNIN_TIMEOUT, nothing stored', async () => {
    const home = join(dir.path, 'late');
    const r = await cli(['login', '--issuer', idp.issuer, '--client-id', CLI_CLIENT_ID, '--no-browser', '--timeout', '1'], home, dir.path);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /within 1 s.*\[E_SIGNIN_TIMEOUT\]/);
    assert.equal(existsSync(join(home, 'signin.json')), false);
  });

  test('the user cancels at the identity provider: E_CANCELLED, nothing stored', async () => {
    const home = join(dir.path, 'cancel');
    const r = await loginDriven(home, dir.path, ['--issuer', idp.issuer, '--client-id', CLI_CLIENT_ID, '--no-browser'], /^ {2}(http\S+)$/m, (m) =>
      idp.completeLogin(m[1]!, 'alice@example.com', { cancel: true }),
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cancelled at the identity provider.*\[E_CANCELLED\]/);
    assert.equal(existsSync(join(home, 'signin.json')), false);
  });

  test('a client the identity provider does not know: E_SIGNIN_FAILED naming its OAuth error', async () => {
    const r = await cli(['login', '--device', '--issuer', idp.issuer, '--client-id', 'not-registered'], join(dir.path, 'nobody'), dir.path);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /refused the sign-in \(invalid_client.*\[E_SIGNIN_FAILED\]/);
  });

  test('the identity provider is unreachable: E_IDP_UNREACHABLE; a plain-http issuer elsewhere is refused', async () => {
    const home = join(dir.path, 'offline');
    const r = await cli(['login', '--issuer', 'http://127.0.0.1:9', '--client-id', CLI_CLIENT_ID, '--no-browser'], home, dir.path);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot be reached.*\[E_IDP_UNREACHABLE\]/);
    const plain = await cli(['login', '--issuer', 'http://idp.example', '--client-id', CLI_CLIENT_ID], home, dir.path);
    assert.equal(plain.code, 2);
    assert.match(plain.stderr, /must be an https URL.*\[E_USAGE\]/);
  });
});

describe('sensitivity token: refresh (access tokens live 3 s)', () => {
  let idp: TestIdp;
  const dir = tempDir();
  before(async () => {
    idp = await startIdp({ accessTokenTTL: 3 });
  });
  after(async () => {
    await idp.stop();
    dir.dispose();
  });

  test('an expired access token is refreshed with the refresh token; a revoked refresh token means sign in again', async () => {
    const home = join(dir.path, 'alice');
    assert.equal((await browserLogin(idp, home, dir.path, 'alice@example.com', ['--no-browser'])).code, 0);
    const first = stored(home).tokens[0]!.value;
    assert.ok(stored(home).refreshToken);
    await new Promise((r) => setTimeout(r, 3500));
    const r = await cli(['token'], home, dir.path);
    assert.equal(r.code, 0, r.stderr);
    const second = r.stdout.trim();
    assert.notEqual(second, first);
    // Verified as of its issue time: on a loaded machine a 3 s token may be stale by the time the CLI has exited.
    const issued = new Date(decodeJwt(second).iat! * 1000);
    const { payload } = await jwtVerify(second, createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), {
      issuer: idp.issuer,
      audience: AUDIENCE,
      currentDate: issued,
    });
    assert.equal(payload.email, 'alice@example.com');
    assert.equal(stored(home).tokens[0]!.value, second);
    assert.equal(statSync(join(home, 'signin.json')).mode & 0o777, 0o600);

    // The IdP forgets the refresh token (revoked by an administrator, say): the next refresh fails clearly.
    await fetch(`${idp.issuer}/token/revocation`, {
      method: 'POST',
      body: new URLSearchParams({ token: stored(home).refreshToken!, token_type_hint: 'refresh_token', client_id: CLI_CLIENT_ID }),
    });
    await new Promise((r) => setTimeout(r, 3500));
    const expired = await cli(['token'], home, dir.path);
    assert.equal(expired.code, 3);
    assert.match(expired.stderr, /expired or was revoked; sign in with `sensitivity login`.*\[E_TOKEN_EXPIRED\]/);
  });
});
