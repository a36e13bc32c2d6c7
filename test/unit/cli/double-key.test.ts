/**
 * Double Key end to end with real servers started by the test: a SoftHSM2 token in a private
 * SOFTHSM2_CONF, the key service as its own process (`sensitivity key-service serve`), the npm
 * oidc-provider as the identity provider with sign-in through its real login flow (`sensitivity login`),
 * and the `sensitivity` CLI as Alice (owner) and Bob (grantee).
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI_CLIENT_ID, startIdp, type TestIdp } from '../../support/idp.js';
import { createSoftHsm, type SoftHsm } from '../../support/softhsm.js';
import { CLI, introduce, loginDriven, makePerson, tempDir, type Person } from './helpers.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

interface LogLine {
  readonly actor?: { readonly email?: string } | null;
  readonly decision?: string;
  readonly code?: string;
}

describe('Double Key with a real key service, HSM and identity provider', () => {
  const dir = tempDir('sensitivity-dk-');
  const ws = join(dir.path, 'ws');
  const configFile = join(dir.path, 'key-service.json');
  const accessLog = join(dir.path, 'access.jsonl');
  let hsm: SoftHsm;
  let idp: TestIdp;
  let service: ChildProcess | undefined;
  let base: string;
  let config: Record<string, unknown>;
  let alice: Person, bob: Person;

  const ks = (args: readonly string[]) => {
    const r = runWithEnv([...args, '--config', configFile]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  function runWithEnv(args: readonly string[]) {
    const r = spawnSync(process.execPath, [CLI, 'key-service', ...args], { env: hsm.env, encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }
  const writeConfig = (c: Record<string, unknown>) => writeFileSync(configFile, JSON.stringify(c, null, 2));

  async function startService(): Promise<void> {
    const child = spawn(process.execPath, [CLI, 'key-service', 'serve', '--config', configFile], { env: hsm.env, stdio: ['ignore', 'ignore', 'pipe'] });
    service = child;
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (b: Buffer) => {
        err += b.toString('utf8');
        if (/listening on/.test(err)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the key service exited (${code}): ${err}`)));
    });
  }
  async function stopService(): Promise<void> {
    const child = service;
    service = undefined;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  }
  const log = (): LogLine[] =>
    existsSync(accessLog)
      ? readFileSync(accessLog, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as LogLine)
      : [];
  const login = async (p: Person, user: string) => {
    const r = await loginDriven(
      p.home,
      ws,
      ['--issuer', idp.issuer, '--client-id', CLI_CLIENT_ID, '--audience', base, '--no-browser'],
      /^ {2}(http\S+)$/m,
      (m) => idp.completeLogin(m[1]!, user),
    );
    assert.equal(r.code, 0, r.stderr);
  };
  /** Files in the workspace other than the workspace's own folder. */
  const files = () =>
    readdirSync(ws)
      .filter((f) => f !== '.sensitivity')
      .sort();

  before(async () => {
    hsm = createSoftHsm();
    idp = await startIdp({ accessTokenTTL: 600 });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    config = {
      listen: { host: '127.0.0.1', port },
      baseUrl: base,
      pkcs11: { module: hsm.module, token: hsm.token },
      oidc: { issuer: idp.issuer, audience: base },
      accessLog: { file: accessLog, stdout: false },
      keys: { finance: { allow: { domains: ['example.com'] } } },
    };
    writeConfig(config);
    ks(['key', 'create', 'finance']);
    await startService();

    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    writeFileSync(
      join(ws, '.sensitivity', 'policy.json'),
      JSON.stringify({
        version: 1,
        labels: [
          { id: 'general', name: 'General' },
          { id: 'finance', name: 'Finance', protection: { doubleKey: { url: `${base}/finance` } } },
        ],
        defaultLabel: 'general',
      }),
    );
    alice = makePerson(dir.path, ws, 'Alice', 'alice@example.com');
    bob = makePerson(dir.path, ws, 'Bob', 'bob@example.com');
    introduce(alice, bob);
    await Promise.all([login(alice, 'alice@example.com'), login(bob, 'bob@example.com')]);
  });
  after(async () => {
    await stopService();
    await idp?.stop();
    hsm?.dispose();
    dir.dispose();
  });

  test('Alice protects a Double Key file for Bob; Bob opens it (access log: allowed)', () => {
    writeFileSync(join(ws, 'budget.csv'), 'q1,100\nq2,200\n');
    const p = alice.run(['protect', 'budget.csv', '--label', 'finance', '--grant', 'bob@example.com=Viewer']);
    assert.equal(p.code, 0, p.stderr);
    const info = JSON.parse(alice.run(['inspect', 'budget.csv.protected', '--json']).stdout) as { doubleKey?: { url: string; kid: string } };
    assert.equal(info.doubleKey?.url, `${base}/finance`);
    const r = bob.run(['cat', 'budget.csv.protected']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString(), 'q1,100\nq2,200\n');
    const last = log().at(-1)!;
    assert.equal(last.actor?.email, 'bob@example.com');
    assert.equal(last.decision, 'allow');
  });

  test("the administrator revokes Bob in the service's config: his next open fails within seconds, his slot intact (log: denied)", async () => {
    writeConfig({ ...config, revoked: { people: ['bob@example.com'] } });
    const t0 = Date.now();
    let r = bob.run(['cat', 'budget.csv.protected']);
    while (r.code === 0 && Date.now() - t0 < 10_000) {
      await new Promise((res) => setTimeout(res, 200));
      r = bob.run(['cat', 'budget.csv.protected']);
    }
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /E_KEYSERVICE_REVOKED/);
    assert.equal(r.stdout.length, 0);
    const last = log().at(-1)!;
    assert.equal(last.actor?.email, 'bob@example.com');
    assert.equal(last.decision, 'deny');
    // Alice still opens it; Bob's grant is still in the file.
    assert.equal(alice.run(['cat', 'budget.csv.protected']).code, 0);
    assert.match(alice.run(['inspect', 'budget.csv.protected']).stdout.toString(), /bob@example\.com/);
    writeConfig(config);
  });

  test('service down: a clear error, and nothing written (open, unprotect, protect)', async () => {
    await stopService();
    try {
      const before = files();
      const r = bob.run(['cat', 'budget.csv.protected']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /E_KEYSERVICE_UNREACHABLE/);
      assert.equal(r.stdout.length, 0);
      const u = alice.run(['unprotect', 'budget.csv.protected']);
      assert.match(u.stderr, /E_KEYSERVICE_UNREACHABLE/);
      writeFileSync(join(ws, 'plan.txt'), 'secret plan');
      const p = alice.run(['protect', 'plan.txt', '--label', 'finance']);
      assert.match(p.stderr, /E_KEYSERVICE_UNREACHABLE/);
      assert.deepEqual(files(), [...before, 'plan.txt'].sort());
    } finally {
      await startService();
    }
  });

  test('an expired access token is refreshed with the refresh token, and the open succeeds', () => {
    const file = join(bob.home, 'signin.json');
    const session = JSON.parse(readFileSync(file, 'utf8')) as { tokens: { expiresAt: number; refreshAt: number; value: string }[] };
    const old = session.tokens.map((t) => t.value);
    writeFileSync(file, JSON.stringify({ ...session, tokens: session.tokens.map((t) => ({ ...t, expiresAt: 0, refreshAt: 0 })) }), { mode: 0o600 });
    const r = bob.run(['cat', 'budget.csv.protected']);
    assert.equal(r.code, 0, r.stderr);
    const now = JSON.parse(readFileSync(file, 'utf8')) as { tokens: { value: string }[] };
    assert.ok(
      now.tokens.every((t) => !old.includes(t.value)),
      'a fresh token was used',
    );
  });

  test('without a usable sign-in: E_SIGNIN_REQUIRED, nothing released', () => {
    const file = join(bob.home, 'signin.json');
    const saved = readFileSync(file);
    try {
      const session = JSON.parse(saved.toString('utf8')) as Record<string, unknown>;
      const { refreshToken: _r, ...rest } = session;
      writeFileSync(file, JSON.stringify({ ...rest, tokens: [] }), { mode: 0o600 });
      const r = bob.run(['cat', 'budget.csv.protected']);
      assert.equal(r.code, 3);
      assert.match(r.stderr, /E_TOKEN_EXPIRED|E_SIGNIN_REQUIRED/);
      assert.match(r.stderr, /sensitivity login/);
      assert.equal(r.stdout.length, 0);
    } finally {
      writeFileSync(file, saved, { mode: 0o600 });
    }
  });

  test('a retired key version makes the file unreadable for the owner too', async () => {
    writeFileSync(join(ws, 'old.txt'), 'sealed under v1');
    assert.equal(alice.run(['protect', 'old.txt', '--label', 'finance']).code, 0);
    assert.equal(alice.run(['cat', 'old.txt.protected']).code, 0);
    ks(['key', 'rotate', 'finance']);
    ks(['key', 'retire', 'finance', '1', '--yes']);
    await stopService();
    await startService();
    const r = alice.run(['cat', 'old.txt.protected']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /E_KEY_RETIRED/);
    assert.equal(r.stdout.length, 0);
    // New files use the new version and open.
    writeFileSync(join(ws, 'new.txt'), 'sealed under v2');
    assert.equal(alice.run(['protect', 'new.txt', '--label', 'finance']).code, 0);
    assert.equal(alice.run(['cat', 'new.txt.protected']).stdout.toString(), 'sealed under v2');
  });
});
