/**
 * The certified directory, client side, with real servers: a SoftHSM2 token, the key service as its own
 * process (its directory signs certificates in the token), the oidc-provider IdP with sign-in through its
 * real login flow, and the `sensitivity` CLI. Between the CLI and the service sits a small HTTP relay the
 * test controls, playing the network attacker: it forges a certificate, impersonates the organisation
 * with its own certification key, replays an expired certificate, or goes away. The organisation is one of
 * the workspace's keys: nothing uses it until each user accepts it (`sensitivity policy accept`).
 */
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { base64url, exportJWK, generateKeyPair, type JWK } from 'jose';
import { certificationKeyId, issueCertificate } from '../../../src/core/org/index.js';
import { fingerprint } from '../../../src/core/fingerprint.js';
import type { PublicIdentity } from '../../../src/core/identity.js';
import { Token } from '../../../src/keyservice/hsm.js';
import { CLI_CLIENT_ID, startIdp, type TestIdp } from '../../support/idp.js';
import { freePort, startKeyService, type TestKeyService } from '../../support/key-service.js';
import { loginDriven, makePerson, runCliAsync, tempDir, type Person } from './helpers.js';

/** Runs the CLI as `p` without blocking this process (the relay lives here). */
async function run(p: Person, args: readonly string[], cwd: string) {
  const r = await runCliAsync(args, { home: p.home, cwd });
  return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr };
}

type Mode = 'pass' | 'forge' | 'impostor';

/** Relays 127.0.0.1:port to the service, as told by `mode`. */
class Relay {
  mode: Mode = 'pass';
  impostor: { key: JWK; certificate: (email: string) => Promise<string> } | undefined;
  forgedIdentity: Record<string, unknown> | undefined;
  /** Certificates served instead of the directory's, by email (a stale cache, a replay). */
  readonly replay = new Map<string, string>();
  private server: Server | undefined;
  constructor(
    readonly port: number,
    private readonly target: () => string,
  ) {}

  get listening(): boolean {
    return this.server !== undefined;
  }

  listen(): Promise<void> {
    const server = createServer((req, res) => {
      void this.answer(req.method ?? 'GET', req.url ?? '/', req.headers, req).then(
        ({ status, body }) => res.writeHead(status, { 'content-type': 'application/json' }).end(body),
        () => res.writeHead(502).end(),
      );
    });
    this.server = server;
    return new Promise((r) => server.listen(this.port, '127.0.0.1', () => r()));
  }

  close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    s?.closeAllConnections();
    return new Promise((r) => (s ? s.close(() => r()) : r()));
  }

  private async answer(method: string, path: string, headers: NodeJS.Dict<string | string[]>, body: AsyncIterable<Buffer>) {
    if (this.mode === 'impostor' && this.impostor && method === 'GET' && path.startsWith('/directory')) {
      const { key } = this.impostor;
      if (path === '/directory') return { status: 200, body: JSON.stringify({ keys: [{ ...key, alg: 'ES256', use: 'sig' }] }) };
      return { status: 200, body: JSON.stringify({ certificate: await this.impostor.certificate(decodeURIComponent(path.slice('/directory/'.length))) }) };
    }
    const replayed = method === 'GET' && path.startsWith('/directory/') ? this.replay.get(decodeURIComponent(path.slice('/directory/'.length))) : undefined;
    if (replayed) return { status: 200, body: JSON.stringify({ certificate: replayed }) };
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c);
    const r = await fetch(this.target() + path, {
      method,
      headers: Object.fromEntries(['authorization', 'content-type', 'accept'].filter((h) => headers[h]).map((h) => [h, String(headers[h])])),
      ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
    });
    let text = await r.text();
    if (this.mode === 'forge' && this.forgedIdentity && r.status === 200 && path.startsWith('/directory/')) {
      // Mallory's keys in the organisation's certificate of someone else; the organisation's signature kept.
      const [h, p, s] = (JSON.parse(text) as { certificate: string }).certificate.split('.');
      const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p!))) as Record<string, unknown>;
      const { id, sig, enc, proof } = this.forgedIdentity;
      const forged = base64url.encode(JSON.stringify({ ...claims, id, sig, enc, proof }));
      text = JSON.stringify({ certificate: `${h}.${forged}.${s}` });
    }
    return { status: r.status, body: text };
  }
}

describe('the certified directory: grant by email to someone never met', () => {
  const dir = tempDir('sensitivity-dir-');
  const ws = join(dir.path, 'ws');
  let idp: TestIdp;
  let service: TestKeyService;
  let relay: Relay;
  let base: string;
  let orgFingerprint: string;
  let alice: Person, bob: Person, admin: Person;

  /** Signs `p` in (as `account`: the test IdP knows Alice, Bob and Admin only). */
  const login = async (p: Person, account = p.email) => {
    const r = await loginDriven(
      p.home,
      ws,
      ['--issuer', idp.issuer, '--client-id', CLI_CLIENT_ID, '--audience', base, '--no-browser'],
      /^ {2}(http\S+)$/m,
      (m) => idp.completeLogin(m[1]!, account),
    );
    assert.equal(r.code, 0, r.stderr);
  };
  const writePolicy = (organisation: Record<string, unknown>) =>
    writeFileSync(
      join(ws, '.sensitivity', 'policy.json'),
      JSON.stringify({
        version: 1,
        labels: [
          { id: 'general', name: 'General' },
          { id: 'finance', name: 'Finance', protection: { doubleKey: { url: `${base}/finance` } } },
        ],
        defaultLabel: 'general',
        organisation,
      }),
    );
  const accept = async (p: Person) => {
    const r = await run(p, ['policy', 'accept'], ws);
    assert.equal(r.code, 0, r.stderr);
    return r;
  };
  /** A person with a home of their own (no pins) in the workspace. */
  let n = 0;
  const stranger = (email = 'frank@example.com') => makePerson(dir.path, ws, `Stranger${++n}`, email);
  /** Bob's certificate, really signed in the organisation's token, but issued `agoSeconds` ago for ten minutes. */
  const oldCertificate = async (identity: PublicIdentity, agoSeconds: number) => {
    const token = Token.open({ module: service.hsm.module, token: service.hsm.token, pin: service.hsm.pin });
    try {
      const [key] = await token.list('certification');
      const signer = { kid: key!.keyId, sign: async (d: Uint8Array) => new Uint8Array(await token.sign(key!, d)) };
      return await issueCertificate(identity, { issuer: base, signer, now: new Date(Date.now() - agoSeconds * 1000), lifetimeSeconds: 600 });
    } finally {
      token.close();
    }
  };
  const protectFor = (p: Person, file: string, grant: string) => {
    writeFileSync(join(ws, file), `for ${grant}\n`);
    return run(p, ['protect', file, '--grant', grant], ws);
  };

  before(async () => {
    idp = await startIdp({ accessTokenTTL: 600 });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    service = await startKeyService({ idp: { issuer: idp.issuer, audience: base }, keys: { finance: { allow: { domains: ['example.com'] } } }, baseUrl: base });
    relay = new Relay(port, () => service.url);
    await relay.listen();
    const offered = (await (await fetch(`${base}/directory`)).json()) as { keys: { fingerprint: string }[] };
    orgFingerprint = offered.keys[0]!.fingerprint;

    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    writePolicy({ url: base });
    alice = makePerson(dir.path, ws, 'Alice', 'alice@example.com');
    bob = makePerson(dir.path, ws, 'Bob', 'bob@example.com');
    admin = makePerson(dir.path, ws, 'Admin', 'admin@example.com');
    // Alice signs in too: in a workspace that names the organisation every access change is registered at its witness.
    await Promise.all([login(alice), login(bob), login(admin)]);
    for (const p of [bob, admin]) {
      const r = await run(p, ['id', 'publish'], ws);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Published/);
    }
  });
  after(async () => {
    await relay?.close();
    await service?.stop();
    await idp?.stop();
    dir.dispose();
  });

  test('until Alice accepts the organisation, a grant by email and Double Key protection are refused (E_POLICY_UNACCEPTED, its fingerprint named)', async () => {
    const r = await protectFor(alice, 'plan.txt', 'bob@example.com=Viewer');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /\[E_POLICY_UNACCEPTED\]/);
    assert.ok(r.stderr.includes(`organisation  ${base}  ${orgFingerprint}`), r.stderr);
    assert.match(r.stderr, /run `sensitivity policy accept`/);
    writeFileSync(join(ws, 'budget.csv'), 'q1,1\n');
    const dk = await run(alice, ['protect', 'budget.csv', '--label', 'finance'], ws);
    assert.equal(dk.code, 3, dk.stderr);
    assert.match(dk.stderr, /\[E_POLICY_UNACCEPTED\]/);
    assert.ok(!existsSync(join(ws, 'plan.txt.protected')) && !existsSync(join(ws, 'budget.csv.protected')), 'nothing written');
    assert.ok(!existsSync(join(alice.home, 'pins.json')), 'nothing pinned');
    const shown = await run(alice, ['policy', 'show'], ws);
    assert.match(shown.stdout, /Workspace keys \(NOT accepted by you/);
    assert.ok(shown.stdout.includes(`organisation  ${base}  ${orgFingerprint}`));
  });

  test('Alice accepts the organisation (its fingerprint printed); then she grants Bob by email, and protects with Double Key', async () => {
    const a = await accept(alice);
    assert.ok(a.stdout.includes(`organisation  ${base}  ${orgFingerprint}`), a.stdout);
    const dk = await run(alice, ['protect', 'budget.csv', '--label', 'finance'], ws);
    assert.equal(dk.code, 0, dk.stderr);
    assert.ok(!existsSync(join(ws, '.sensitivity', 'people.json')), 'nobody is in people.json');
    const r = await protectFor(alice, 'plan.txt', 'bob@example.com=Viewer');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Bob <bob@example\\.com>  certified by ${base}`));
    assert.match(r.stdout, new RegExp(`organisation key fingerprint ${orgFingerprint}  \\(accepted with the workspace's keys\\)`));
    const pins = JSON.parse(readFileSync(join(alice.home, 'pins.json'), 'utf8')) as {
      pins: { email: string }[];
      organisations: { url: string; fingerprint: string }[];
    };
    assert.deepEqual(
      pins.organisations.map((o) => [o.url, o.fingerprint]),
      [[base, orgFingerprint]],
    );
    assert.ok(pins.pins.some((p) => p.email === 'bob@example.com'));
    // A reader in the organisation's workspace verifies the witness's receipts against the key he accepted.
    await accept(bob);
    const cat = await run(bob, ['cat', 'plan.txt.protected'], ws);
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'for bob@example.com=Viewer\n');
  });

  test('people add --from-directory adds a certified person to people.json', async () => {
    const r = await run(alice, ['people', 'add', '--from-directory', 'admin@example.com'], ws);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /organisation key fingerprint .* \(accepted with the workspace's keys\)/);
    const people = readFileSync(join(ws, '.sensitivity', 'people.json'), 'utf8');
    assert.match(people, /admin@example\.com/);
  });

  test('an unknown email: E_DIRECTORY_NOT_LISTED, nothing written', async () => {
    const r = await protectFor(alice, 'nobody.txt', 'nobody@example.com=Viewer');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /nobody@example\.com has no current certificate .*\[E_DIRECTORY_NOT_LISTED\]/);
    assert.ok(!existsSync(join(ws, 'nobody.txt.protected')));
  });

  test("a forged certificate (Mallory's keys under the organisation's signature) is refused: E_CERTIFICATE_INVALID", async () => {
    const mallory = makePerson(dir.path, ws, 'Mallory', 'bob@example.com');
    relay.forgedIdentity = JSON.parse(mallory.run(['id', 'show', '--json']).stdout) as Record<string, unknown>;
    const frank = stranger();
    await accept(frank);
    relay.mode = 'forge';
    try {
      const r = await protectFor(frank, 'forged.txt', 'bob@example.com=Viewer');
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /signature that does not verify.*\[E_CERTIFICATE_INVALID\]/);
      assert.ok(!existsSync(join(ws, 'forged.txt.protected')));
      const pins = JSON.parse(readFileSync(join(frank.home, 'pins.json'), 'utf8')) as { pins: unknown[] };
      assert.deepEqual(pins.pins, [], 'nobody pinned');
    } finally {
      relay.mode = 'pass';
    }
  });

  test("an impostor organisation (its own certification key): E_ORG_KEY_CHANGED against the accepted key and the policy's", async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const key = await exportJWK(publicKey);
    const kid = await certificationKeyId(key);
    const mallory = JSON.parse(stranger('admin@example.com').run(['id', 'show', '--json']).stdout) as Parameters<typeof issueCertificate>[0];
    const signer = {
      kid,
      sign: async (data: Uint8Array) =>
        new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey as CryptoKey, new Uint8Array(data))),
    };
    relay.impostor = { key, certificate: (email) => issueCertificate({ ...mallory, email }, { issuer: base, signer, now: new Date(), lifetimeSeconds: 600 }) };
    relay.mode = 'impostor';
    try {
      // Alice accepted the organisation's real key.
      const r = await protectFor(alice, 'impostor.txt', 'carol@example.com=Viewer');
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /\[E_ORG_KEY_CHANGED\]/);
      assert.ok(r.stderr.includes(orgFingerprint) && r.stderr.includes(fingerprint(kid)), 'both fingerprints named');
      assert.match(r.stderr, /run `sensitivity policy accept`/);
      // Accepting again shows the impostor's fingerprint beside the one accepted before: a newcomer who does so
      // still gets nobody, since the impostor's certificate carries an identity whose self-signature fails.
      const gullible = stranger();
      const shown = await run(gullible, ['policy', 'show'], ws);
      assert.ok(shown.stdout.includes(`organisation  ${base}  ${fingerprint(kid)}`), shown.stdout);
      await accept(gullible);
      const g = await protectFor(gullible, 'impostor.txt', 'carol@example.com=Viewer');
      assert.equal(g.code, 4, g.stderr);
      assert.match(g.stderr, /\[E_IDENTITY_SIGNATURE\]/);
      // A newcomer whose workspace policy names the organisation's fingerprint cannot accept the impostor at all.
      writePolicy({ url: base, certificationKey: orgFingerprint });
      const frank = stranger();
      const f = await run(frank, ['policy', 'accept'], ws);
      assert.equal(f.code, 4, f.stderr);
      assert.match(f.stderr, /the one the workspace policy names .*\[E_ORG_KEY_CHANGED\]/);
      assert.ok(!existsSync(join(ws, 'impostor.txt.protected')));
      // With the real organisation, the policy's fingerprint matches and the newcomer proceeds; Alice's acceptance
      // stands (the policy names the very key she accepted).
      relay.mode = 'pass';
      await accept(frank);
      await login(frank, 'admin@example.com');
      writeFileSync(join(ws, 'impostor2.txt'), 'x');
      const ok = await run(frank, ['protect', 'impostor2.txt', '--grant', 'bob@example.com=Viewer'], ws);
      assert.equal(ok.code, 0, ok.stderr);
      const still = await protectFor(alice, 'impostor3.txt', 'bob@example.com=Viewer');
      assert.equal(still.code, 0, still.stderr);
    } finally {
      relay.mode = 'pass';
      writePolicy({ url: base });
    }
  });

  test('directory down: E_KEYSERVICE_UNREACHABLE, nothing written, for someone new and for someone pinned alike; a grant by identity id needs no directory, but its witness (the same service) must register the new file', async () => {
    await relay.close();
    try {
      for (const who of ['dora@example.com', 'bob@example.com']) {
        const r = await protectFor(alice, 'down.txt', `${who}=Viewer`);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, /the organisation's directory at .* cannot be reached.*\[E_KEYSERVICE_UNREACHABLE\]/);
        assert.ok(!existsSync(join(ws, 'down.txt.protected')));
      }
      const adminId = (JSON.parse(admin.run(['id', 'show', '--json']).stdout) as { id: string }).id;
      const byId = await run(alice, ['protect', 'down.txt', '--grant', `${adminId}=Viewer`], ws);
      assert.equal(byId.code, 1, byId.stderr);
      assert.match(byId.stderr, /the organisation's witness at .* cannot be reached.*\[E_KEYSERVICE_UNREACHABLE\]/);
      assert.ok(!existsSync(join(ws, 'down.txt.protected')));
      await relay.listen();
      const back = await run(alice, ['protect', 'down.txt', '--grant', `${adminId}=Viewer`], ws);
      assert.equal(back.code, 0, back.stderr);
    } finally {
      if (!relay.listening) await relay.listen();
    }
  });

  test('an expired certificate of a person Alice pinned (a replay, signed by the real organisation key) is refused: E_CERTIFICATE_INVALID', async () => {
    const bobId = JSON.parse(bob.run(['id', 'show', '--json']).stdout) as PublicIdentity;
    relay.replay.set('bob@example.com', await oldCertificate(bobId, 7200));
    try {
      const r = await protectFor(alice, 'expired.txt', 'bob@example.com=Viewer');
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /the organisation certificate has expired.*\[E_CERTIFICATE_INVALID\]/);
      assert.ok(!existsSync(join(ws, 'expired.txt.protected')));
    } finally {
      relay.replay.clear();
    }
    // The same certificate, current, is fine: the refusal was its age.
    relay.replay.set('bob@example.com', await oldCertificate(bobId, 10));
    try {
      const r = await protectFor(alice, 'expired.txt', 'bob@example.com=Viewer');
      assert.equal(r.code, 0, r.stderr);
    } finally {
      relay.replay.clear();
    }
  });

  test('the administrator revokes Bob: the directory stops vouching for him at once, and Alice, who pinned him, can no longer grant to him', async () => {
    const config = service.config();
    service.writeConfig({ ...config, revoked: { people: ['bob@example.com'] } });
    try {
      // The service takes up a config edit within about a second.
      for (let i = 0; ; i++) {
        const listed = await fetch(`${base}/directory/bob%40example.com`);
        if (listed.status === 404) break;
        assert.ok(i < 100, 'the service did not take up the revocation');
        await new Promise((r) => setTimeout(r, 200));
      }
      const r = await protectFor(alice, 'revoked.txt', 'bob@example.com=Viewer');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /bob@example\.com has no current certificate .*revoked them.*\[E_DIRECTORY_NOT_LISTED\]/);
      assert.ok(!existsSync(join(ws, 'revoked.txt.protected')));
    } finally {
      service.writeConfig(config);
    }
  });

  test('a new key for Admin in the directory (he made a new identity) is E_KEY_CHANGED for Alice, who pinned the old one, until she confirms it', async () => {
    const before = JSON.parse(admin.run(['id', 'show', '--json']).stdout) as PublicIdentity;
    assert.equal(admin.run(['id', 'new', '--name', 'Admin', '--email', 'admin@example.com', '--force']).code, 0);
    const again = JSON.parse(admin.run(['id', 'show', '--json']).stdout) as PublicIdentity;
    const published = await run(admin, ['id', 'publish'], ws);
    assert.equal(published.code, 0, published.stderr);
    const r = await protectFor(alice, 'newkey.txt', 'admin@example.com=Viewer');
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /\[E_KEY_CHANGED\]/);
    assert.ok(r.stderr.includes(fingerprint(before.id)) && r.stderr.includes(fingerprint(again.id)), 'both fingerprints named');
    assert.match(r.stderr, /--accept-new-key/);
    assert.ok(!existsSync(join(ws, 'newkey.txt.protected')));
    const confirmed = await run(alice, ['protect', 'newkey.txt', '--grant', 'admin@example.com=Viewer', '--accept-new-key'], ws);
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.match(confirmed.stdout, /NEW KEY, accepted and pinned/);
  });
});
