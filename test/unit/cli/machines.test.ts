/**
 * Machines sign in (issue 21) with real servers started by the test: the npm oidc-provider with client
 * credentials and RFC 8693 token exchange (trusting a CI issuer whose key the test holds), a SoftHSM2 token
 * and the key service. A service account signs in with its client secret and opens a Double Key file; a CI
 * job's own OIDC token is exchanged and opens it too. The key service knows them as service accounts.
 */
import * as assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { importJWK, SignJWT, type JWK } from 'jose';
import {
  FEDERATED_CLIENT_ID,
  KEY_MACHINE_CLIENT_ID,
  MACHINE_CLIENT_ID,
  MACHINE_CLIENT_SECRET,
  newSigningKey,
  startIdp,
  type TestIdp,
} from '../../support/idp.js';
import { doubleKeyPolicy, freePort, startKeyService, type TestKeyService } from '../../support/key-service.js';
import { CLI_CLIENT_ID } from '../../support/idp.js';
import { introduce, loginDriven, makePerson, tempDir, type Person } from './helpers.js';

const CI_ISSUER = 'https://ci.example.test';
const CI_SUBJECT = 'repo:acme/app:ref:refs/heads/main';

interface LogLine {
  readonly actor?: { readonly id?: string; readonly email?: string } | null;
  readonly serviceAccount?: string;
  readonly decision?: string;
}

describe('machines sign in (client credentials, token exchange) and open Double Key files', () => {
  const dir = tempDir('sensitivity-machines-');
  const ws = join(dir.path, 'ws');
  let idp: TestIdp;
  let service: TestKeyService;
  let base: string;
  let ciKey: JWK;
  let alice: Person, deploy: Person, pipeline: Person, signer: Person, stranger: Person;
  /** The key-signing machine's key pair (EC P-256): PEM for the machine, public JWK for the IdP. */
  const signerKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  /** A CI's OIDC token (as GitHub Actions or GitLab mint one) for the IdP, signed with the CI's key. */
  const ciToken = async (sub = CI_SUBJECT, key = ciKey) =>
    new SignJWT({ repository: 'acme/app' })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid! })
      .setIssuer(CI_ISSUER)
      .setSubject(sub)
      .setAudience(idp.issuer)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await importJWK(key, 'RS256'));
  const log = (): LogLine[] =>
    readFileSync(service.logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LogLine);

  before(async () => {
    ciKey = await newSigningKey();
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...ciPublic } = ciKey;
    const machineKey = { ...(signerKey.publicKey.export({ format: 'jwk' }) as JWK), alg: 'ES256', use: 'sig' };
    idp = await startIdp({ machineKey, federation: { issuer: CI_ISSUER, subject: CI_SUBJECT, keys: [ciPublic] } });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    service = await startKeyService({
      idp: { issuer: idp.issuer, audience: base },
      keys: { finance: { allow: { domains: ['example.com'], serviceAccounts: ['deploy-bot', 'ci-pipeline', 'signer-bot'] } } },
      port,
      extra: {
        oidc: {
          issuer: idp.issuer,
          audience: base,
          clockSkewSeconds: 5,
          serviceAccounts: { 'deploy-bot': MACHINE_CLIENT_ID, 'ci-pipeline': FEDERATED_CLIENT_ID, 'signer-bot': KEY_MACHINE_CLIENT_ID },
        },
      },
    });
    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    writeFileSync(join(ws, '.sensitivity', 'policy.json'), JSON.stringify(doubleKeyPolicy(base)));
    alice = makePerson(dir.path, ws, 'Alice', 'alice@example.com');
    deploy = makePerson(dir.path, ws, 'Deploy', 'deploy-bot@example.com');
    pipeline = makePerson(dir.path, ws, 'Pipeline', 'ci-pipeline@example.com');
    signer = makePerson(dir.path, ws, 'Signer', 'signer-bot@example.com');
    stranger = makePerson(dir.path, ws, 'Stranger', 'stranger@example.com');
    for (const p of [deploy, pipeline, signer, stranger]) introduce(alice, p);
    // Alice signs in as a person does, accepts the workspace's key service, and protects a file for the machines.
    const r = await loginDriven(
      alice.home,
      ws,
      ['--issuer', idp.issuer, '--client-id', CLI_CLIENT_ID, '--audience', base, '--no-browser'],
      /^ {2}(http\S+)$/m,
      (m) => idp.completeLogin(m[1]!, 'alice@example.com'),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(alice.run(['policy', 'accept']).code, 0);
    writeFileSync(join(ws, 'release.env'), 'DEPLOY_KEY=42\n');
    const p = alice.run([
      'protect',
      'release.env',
      '--label',
      'finance',
      '--grant',
      'deploy-bot@example.com=Viewer',
      '--grant',
      'ci-pipeline@example.com=Viewer',
      '--grant',
      'signer-bot@example.com=Viewer',
    ]);
    assert.equal(p.code, 0, p.stderr);
  });
  after(async () => {
    await service?.stop();
    await idp?.stop();
    dir.dispose();
  });

  test('a service account signs in with client credentials (secret from the environment) and opens a Double Key file', () => {
    const login = deploy.run(['login', '--client-credentials', '--audience', base], {
      env: { SENSITIVITY_ISSUER: idp.issuer, SENSITIVITY_CLIENT_ID: MACHINE_CLIENT_ID, SENSITIVITY_CLIENT_SECRET: MACHINE_CLIENT_SECRET },
    });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /as the service account ci-deploy/);
    const stored = readFileSync(join(deploy.home, 'signin.json'), 'utf8');
    assert.ok(!stored.includes(MACHINE_CLIENT_SECRET), 'the client secret is never stored');
    assert.match(deploy.run(['whoami']).stdout, /service account ci-deploy[\s\S]*client credentials/);
    const cat = deploy.run(['cat', 'release.env.protected']);
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'DEPLOY_KEY=42\n');
    const last = log().at(-1)!;
    assert.deepEqual([last.actor, last.serviceAccount], [{ id: MACHINE_CLIENT_ID, email: '' }, 'deploy-bot']);
    assert.equal(last.decision, 'allow');
  });

  test('an expired machine token is renewed with the same grant (the secret read again from the environment)', () => {
    const file = join(deploy.home, 'signin.json');
    const session = JSON.parse(readFileSync(file, 'utf8')) as { tokens: { expiresAt: number; refreshAt: number; value: string }[] };
    const old = session.tokens.map((t) => t.value);
    writeFileSync(file, JSON.stringify({ ...session, tokens: session.tokens.map((t) => ({ ...t, expiresAt: 0, refreshAt: 0 })) }), { mode: 0o600 });
    const without = deploy.run(['cat', 'release.env.protected']);
    assert.notEqual(without.code, 0, 'without the secret in the environment there is nothing to renew with');
    assert.match(without.stderr, /SENSITIVITY_CLIENT_SECRET/);
    assert.equal(without.stdout, '');
    const cat = deploy.run(['cat', 'release.env.protected'], { env: { SENSITIVITY_CLIENT_SECRET: MACHINE_CLIENT_SECRET } });
    assert.equal(cat.code, 0, cat.stderr);
    const now = JSON.parse(readFileSync(file, 'utf8')) as { tokens: { value: string }[] };
    assert.ok(
      now.tokens.every((t) => !old.includes(t.value)),
      'a fresh token was used',
    );
  });

  test('a service account signs in with private_key_jwt (an assertion signed with its EC key) and opens the file', () => {
    const keyFile = join(dir.path, 'signer.pem');
    writeFileSync(keyFile, signerKey.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const login = signer.run([
      'login',
      '--client-credentials',
      '--client-key-file',
      keyFile,
      '--issuer',
      idp.issuer,
      '--client-id',
      KEY_MACHINE_CLIENT_ID,
      '--audience',
      base,
    ]);
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /as the service account ci-signer/);
    assert.ok(!readFileSync(join(signer.home, 'signin.json'), 'utf8').includes('PRIVATE KEY'), 'the key is never copied');
    const cat = signer.run(['cat', 'release.env.protected']);
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'DEPLOY_KEY=42\n');
    const last = log().at(-1)!;
    assert.deepEqual([last.actor, last.serviceAccount], [{ id: KEY_MACHINE_CLIENT_ID, email: '' }, 'signer-bot']);
    // Another key signing for that client is refused by the IdP.
    const other = join(dir.path, 'other.pem');
    writeFileSync(other, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const r = stranger.run(['login', '--client-credentials', '--issuer', idp.issuer, '--client-id', KEY_MACHINE_CLIENT_ID, '--audience', base], {
      env: { SENSITIVITY_CLIENT_KEY_FILE: other },
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /invalid_client[\s\S]*E_SIGNIN_FAILED/);
  });

  test('a wrong client secret is refused by the identity provider (E_SIGNIN_FAILED), nothing stored', () => {
    const r = stranger.run(['login', '--client-credentials', '--issuer', idp.issuer, '--client-id', MACHINE_CLIENT_ID, '--audience', base], {
      env: { SENSITIVITY_CLIENT_SECRET: 'not-the-secret' },
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /invalid_client[\s\S]*E_SIGNIN_FAILED/);
    assert.throws(() => readFileSync(join(stranger.home, 'signin.json')));
  });

  test("a CI job's own OIDC token is exchanged (RFC 8693) for an access token and opens the Double Key file", async () => {
    const tokenFile = join(dir.path, 'ci-token');
    writeFileSync(tokenFile, await ciToken());
    const env = {
      SENSITIVITY_ISSUER: idp.issuer,
      SENSITIVITY_CLIENT_ID: FEDERATED_CLIENT_ID,
      SENSITIVITY_AUDIENCE: base,
      SENSITIVITY_SUBJECT_TOKEN_FILE: tokenFile,
    };
    const login = pipeline.run(['login', '--token-exchange'], { env });
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /as the service account ci-federated/);
    assert.ok(!readFileSync(join(pipeline.home, 'signin.json'), 'utf8').includes(readFileSync(tokenFile, 'utf8')), "the CI's token is never stored");
    const cat = pipeline.run(['cat', 'release.env.protected'], { env });
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'DEPLOY_KEY=42\n');
    const last = log().at(-1)!;
    assert.deepEqual([last.actor, last.serviceAccount], [{ id: FEDERATED_CLIENT_ID, email: '' }, 'ci-pipeline']);
  });

  test('token exchange refuses a CI token for another subject or signed by another key', async () => {
    for (const forged of [await ciToken('repo:mallory/fork:ref:refs/heads/main'), await ciToken(CI_SUBJECT, await newSigningKey())]) {
      const r = stranger.run(['login', '--token-exchange', '--issuer', idp.issuer, '--client-id', FEDERATED_CLIENT_ID, '--audience', base], {
        env: { SENSITIVITY_SUBJECT_TOKEN: forged },
      });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /invalid_grant[\s\S]*E_SIGNIN_FAILED/);
    }
  });

  test("a service account the key's rules do not name is refused (E_NOT_AUTHORISED in the log), with no restart", async () => {
    const config = service.config();
    service.writeConfig({ ...config, keys: { finance: { allow: { domains: ['example.com'], serviceAccounts: ['ci-pipeline'] } } } });
    try {
      const env = { SENSITIVITY_CLIENT_SECRET: MACHINE_CLIENT_SECRET };
      const t0 = Date.now();
      let r = deploy.run(['cat', 'release.env.protected'], { env });
      while (r.code === 0 && Date.now() - t0 < 15_000) {
        await new Promise((res) => setTimeout(res, 200));
        r = deploy.run(['cat', 'release.env.protected'], { env });
      }
      assert.notEqual(r.code, 0, r.stderr);
      assert.match(r.stderr, /not authorised|E_KEYSERVICE_DENIED|E_NOT_AUTHORISED/i);
      assert.equal(r.stdout, '');
      const last = log().at(-1)!;
      assert.deepEqual([last.actor, last.serviceAccount], [{ id: MACHINE_CLIENT_ID, email: '' }, 'deploy-bot']);
      assert.equal(last.decision, 'deny');
    } finally {
      service.writeConfig(config);
    }
  });
});
