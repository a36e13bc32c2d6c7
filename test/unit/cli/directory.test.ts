/**
 * The certified directory, client side, with real servers: a SoftHSM2 token, the key service as its own
 * process (its directory signs certificates in the token), the oidc-provider IdP with sign-in through its
 * real login flow, and the `sensitivity` CLI. Between the CLI and the service sits a small HTTP relay the
 * test controls, playing the network attacker: it forges a certificate, impersonates the organisation
 * with its own certification key, or goes away.
 */
import * as assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { base64url, exportJWK, generateKeyPair, type JWK } from 'jose';
import { certificationKeyId, issueCertificate } from '../../../src/core/org/index.js';
import { fingerprint } from '../../../src/core/fingerprint.js';
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
  private server: Server | undefined;
  constructor(
    readonly port: number,
    private readonly target: () => string,
  ) {}

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

  const login = async (p: Person) => {
    const r = await loginDriven(
      p.home,
      ws,
      ['--issuer', idp.issuer, '--client-id', CLI_CLIENT_ID, '--audience', base, '--no-browser'],
      /^ {2}(http\S+)$/m,
      (m) => idp.completeLogin(m[1]!, p.email),
    );
    assert.equal(r.code, 0, r.stderr);
  };
  const writePolicy = (organisation: Record<string, unknown>) =>
    writeFileSync(
      join(ws, '.sensitivity', 'policy.json'),
      JSON.stringify({ version: 1, labels: [{ id: 'general', name: 'General' }], defaultLabel: 'general', organisation }),
    );
  /** A person with a home of their own (no pins) in the workspace. */
  let n = 0;
  const stranger = (email = 'frank@example.com') => makePerson(dir.path, ws, `Stranger${++n}`, email);
  const protectFor = (p: Person, file: string, grant: string) => {
    writeFileSync(join(ws, file), `for ${grant}\n`);
    return run(p, ['protect', file, '--grant', grant], ws);
  };

  before(async () => {
    idp = await startIdp({ accessTokenTTL: 600 });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    service = await startKeyService({ idp: { issuer: idp.issuer, audience: base }, keys: {}, baseUrl: base });
    relay = new Relay(port, () => service.url);
    await relay.listen();
    const offered = (await (await fetch(`${base}/directory`)).json()) as { keys: { fingerprint: string }[] };
    orgFingerprint = offered.keys[0]!.fingerprint;

    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    writePolicy({ url: base });
    alice = makePerson(dir.path, ws, 'Alice', 'alice@example.com');
    bob = makePerson(dir.path, ws, 'Bob', 'bob@example.com');
    admin = makePerson(dir.path, ws, 'Admin', 'admin@example.com');
    await Promise.all([login(bob), login(admin)]);
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

  test('Alice grants Bob by email: his certificate verifies, the organisation key and Bob are pinned, Bob opens the file', async () => {
    assert.ok(!existsSync(join(ws, '.sensitivity', 'people.json')), 'nobody is in people.json');
    const r = await protectFor(alice, 'plan.txt', 'bob@example.com=Viewer');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Bob <bob@example\\.com>  certified by ${base}`));
    assert.match(r.stdout, new RegExp(`organisation key fingerprint ${orgFingerprint}  \\(first use, pinned now\\)`));
    const pins = JSON.parse(readFileSync(join(alice.home, 'pins.json'), 'utf8')) as {
      pins: { email: string }[];
      organisations: { url: string; fingerprint: string }[];
    };
    assert.deepEqual(
      pins.organisations.map((o) => [o.url, o.fingerprint]),
      [[base, orgFingerprint]],
    );
    assert.ok(pins.pins.some((p) => p.email === 'bob@example.com'));
    const cat = await run(bob, ['cat', 'plan.txt.protected'], ws);
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'for bob@example.com=Viewer\n');
  });

  test('people add --from-directory adds a certified person to people.json', async () => {
    const r = await run(alice, ['people', 'add', '--from-directory', 'admin@example.com'], ws);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /organisation key fingerprint .* \(pinned\)/);
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
    relay.mode = 'forge';
    try {
      const frank = stranger();
      const r = await protectFor(frank, 'forged.txt', 'bob@example.com=Viewer');
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /signature that does not verify.*\[E_CERTIFICATE_INVALID\]/);
      assert.ok(!existsSync(join(ws, 'forged.txt.protected')));
      assert.ok(!existsSync(join(frank.home, 'pins.json')), 'nothing pinned');
    } finally {
      relay.mode = 'pass';
    }
  });

  test("an impostor organisation (its own certification key): E_ORG_KEY_CHANGED against the pinned key and the policy's", async () => {
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
      // Alice pinned the organisation's real key.
      const r = await protectFor(alice, 'impostor.txt', 'carol@example.com=Viewer');
      assert.equal(r.code, 4, r.stderr);
      assert.match(r.stderr, /\[E_ORG_KEY_CHANGED\]/);
      assert.ok(r.stderr.includes(orgFingerprint) && r.stderr.includes(fingerprint(kid)), 'both fingerprints named');
      // Confirming the new key (--accept-new-key) still checks the person: the impostor's certificate carries an
      // identity whose self-signature fails, and the organisation key pinned stays the real one.
      writeFileSync(join(ws, 'impostor.txt'), 'x');
      const accepted = await run(alice, ['protect', 'impostor.txt', '--grant', 'carol@example.com=Viewer', '--accept-new-key'], ws);
      assert.equal(accepted.code, 4, accepted.stderr);
      assert.match(accepted.stderr, /\[E_IDENTITY_SIGNATURE\]/);
      const pins = JSON.parse(readFileSync(join(alice.home, 'pins.json'), 'utf8')) as { organisations: { fingerprint: string }[] };
      assert.deepEqual(
        pins.organisations.map((o) => o.fingerprint),
        [orgFingerprint],
      );
      // A newcomer whose workspace policy names the organisation's fingerprint.
      writePolicy({ url: base, certificationKey: orgFingerprint });
      const frank = stranger();
      const f = await protectFor(frank, 'impostor2.txt', 'carol@example.com=Viewer');
      assert.equal(f.code, 4, f.stderr);
      assert.match(f.stderr, /the one the workspace policy names .*\[E_ORG_KEY_CHANGED\]/);
      assert.ok(!existsSync(join(ws, 'impostor.txt.protected')) && !existsSync(join(ws, 'impostor2.txt.protected')));
      // With the real organisation, the policy's fingerprint matches and the newcomer proceeds.
      relay.mode = 'pass';
      const ok = await run(frank, ['protect', 'impostor2.txt', '--grant', 'bob@example.com=Viewer'], ws);
      assert.equal(ok.code, 0, ok.stderr);
    } finally {
      relay.mode = 'pass';
      writePolicy({ url: base });
    }
  });

  test('directory down: E_KEYSERVICE_UNREACHABLE for someone new, nothing written; people already pinned still resolve', async () => {
    await relay.close();
    try {
      const r = await protectFor(alice, 'down.txt', 'dora@example.com=Viewer');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /the organisation's directory at .* cannot be reached.*\[E_KEYSERVICE_UNREACHABLE\]/);
      assert.ok(!existsSync(join(ws, 'down.txt.protected')));
      const pinned = await run(alice, ['protect', 'down.txt', '--grant', 'bob@example.com=Viewer'], ws);
      assert.equal(pinned.code, 0, pinned.stderr);
    } finally {
      await relay.listen();
    }
  });
});
