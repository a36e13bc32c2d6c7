/**
 * Double Key end to end with real servers started by the test: a SoftHSM2 token in a private
 * SOFTHSM2_CONF, the key service as its own process (`sensitivity key-service serve`), the npm
 * oidc-provider as the identity provider with sign-in through its real login flow (`sensitivity login`),
 * and the `sensitivity` CLI as Alice (owner) and Bob (grantee).
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startIdp, type TestIdp } from '../../support/idp.js';
import { doubleKeyPolicy, freePort, startKeyService, type KeyServiceConfig, type TestKeyService } from '../../support/key-service.js';
import { introduce, makePerson, signInAs, tempDir, type Person } from './helpers.js';

interface LogLine {
  readonly actor?: { readonly email?: string } | null;
  readonly decision?: string;
  readonly code?: string;
}

describe('Double Key with a real key service, HSM and identity provider', () => {
  const dir = tempDir('sensitivity-dk-');
  const ws = join(dir.path, 'ws');
  const state = join(dir.path, 'service');
  let idp: TestIdp;
  let service: TestKeyService | undefined;
  let port: number;
  let base: string;
  let config: KeyServiceConfig;
  let alice: Person, bob: Person;

  /** Starts the key service (again: same token, port, config and log). */
  async function startService(): Promise<void> {
    service = await startKeyService({
      idp: { issuer: idp.issuer, audience: base },
      keys: { finance: { allow: { domains: ['example.com'] } } },
      port,
      dir: state,
      ...(service ? { hsm: service.hsm } : {}),
    });
  }
  const ks = (args: readonly string[]) => {
    const r = service!.cli(args);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const log = (): LogLine[] =>
    existsSync(service!.logFile)
      ? readFileSync(service!.logFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as LogLine)
      : [];
  /** Files in the workspace other than the workspace's own folder. */
  const files = () =>
    readdirSync(ws)
      .filter((f) => f !== '.sensitivity')
      .sort();

  before(async () => {
    idp = await startIdp({ accessTokenTTL: 600 });
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    mkdirSync(state, { recursive: true });
    await startService();
    config = service!.config();

    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    writeFileSync(join(ws, '.sensitivity', 'policy.json'), JSON.stringify(doubleKeyPolicy(base)));
    alice = makePerson(dir.path, ws, 'Alice', 'alice@example.com');
    bob = makePerson(dir.path, ws, 'Bob', 'bob@example.com');
    introduce(alice, bob);
    await Promise.all([signInAs(alice, ws, idp, base, 'alice@example.com'), signInAs(bob, ws, idp, base, 'bob@example.com')]);
  });
  after(async () => {
    await service?.stop();
    service?.hsm.dispose();
    await idp?.stop();
    dir.dispose();
  });

  test('Alice protects a Double Key file for Bob once she accepted the service the policy names; Bob opens it (access log: allowed)', () => {
    writeFileSync(join(ws, 'budget.csv'), 'q1,100\nq2,200\n');
    // The workspace's policy alone does not make her files depend on a key service: she accepts it first.
    const refused = alice.run(['protect', 'budget.csv', '--label', 'finance', '--grant', 'bob@example.com=Viewer']);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(refused.stderr, /E_POLICY_UNACCEPTED/);
    assert.ok(refused.stderr.includes(`Double Key service  ${base}/finance`), refused.stderr);
    assert.deepEqual(files(), ['budget.csv']);
    const shown = alice.run(['policy', 'show']);
    assert.ok(shown.stdout.toString().includes(`Double Key service  ${base}/finance`), shown.stdout.toString());
    const accepted = alice.run(['policy', 'accept']);
    assert.equal(accepted.code, 0, accepted.stderr);
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
    service!.writeConfig({ ...config, revoked: { people: ['bob@example.com'] } });
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
    service!.writeConfig(config);
  });

  test('service down: a clear error, and nothing written (open, unprotect, protect)', async () => {
    await service!.stop();
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
    await service!.stop();
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
