/**
 * A key service that cannot answer is a fault, not a verdict, and nothing is written (issue 21; docs/KEY-SERVICE.md,
 * "Errors" and "When the token fails"): through the built `sensitivity` CLI, `protect`, `cat`, `grant` and
 * `revoke` of a Double Key file against a real key service whose SoftHSM2 token is gone (503
 * E_HSM_UNAVAILABLE), a load balancer with no live replica (503, an HTML page), a service that does not
 * answer in time, and no service at all. Each exits 1 with E_KEYSERVICE_UNAVAILABLE (E_KEYSERVICE_UNREACHABLE
 * when nothing listens), says to try again, never E_KEY_RETIRED, and leaves every file of the workspace
 * byte for byte as it was, with no temp file behind.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startIdp, type TestIdp } from '../../support/idp.js';
import { doubleKeyPolicy, freePort, startKeyService, type TestKeyService } from '../../support/key-service.js';
import { introduce, makePerson, signInAs, tempDir, type Person, type Run } from './helpers.js';

/** Every file under `root` (the workspace's own folder included) and the SHA-256 of its bytes. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(root, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(root);
  return out;
}

/** Listens on `port` with `onSocket` until closed. */
async function listen(server: Server, port: number): Promise<() => Promise<void>> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return () => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
}

describe('a key service that cannot answer: the CLI writes nothing', { timeout: 300_000 }, () => {
  const dir = tempDir('sensitivity-ks-down-');
  const ws = join(dir.path, 'ws');
  let idp: TestIdp;
  let service: TestKeyService | undefined;
  let port: number;
  let base: string;
  let alice: Person, bob: Person, carol: Person;

  before(async () => {
    idp = await startIdp({ accessTokenTTL: 600 });
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const state = join(dir.path, 'service');
    mkdirSync(state, { recursive: true });
    service = await startKeyService({
      idp: { issuer: idp.issuer, audience: base },
      keys: { finance: { allow: { domains: ['example.com'] } } },
      port,
      dir: state,
    });
    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    writeFileSync(join(ws, '.sensitivity', 'policy.json'), JSON.stringify(doubleKeyPolicy(base)));
    alice = makePerson(dir.path, ws, 'Alice', 'alice@example.com');
    bob = makePerson(dir.path, ws, 'Bob', 'bob@example.com');
    carol = makePerson(dir.path, ws, 'Carol', 'carol@example.com');
    introduce(alice, bob);
    introduce(alice, carol);
    await Promise.all([signInAs(alice, ws, idp, base, 'alice@example.com'), signInAs(bob, ws, idp, base, 'bob@example.com')]);
    assert.equal(alice.run(['policy', 'accept']).code, 0);
    writeFileSync(join(ws, 'budget.csv'), 'q1,100\nq2,200\n');
    const p = alice.run(['protect', 'budget.csv', '--label', 'finance', '--grant', 'bob@example.com=Viewer']);
    assert.equal(p.code, 0, p.stderr);
    assert.equal(bob.run(['cat', 'budget.csv.protected']).stdout, 'q1,100\nq2,200\n');
    writeFileSync(join(ws, 'plan.txt'), 'the plan\n');
  });
  after(async () => {
    await service?.stop();
    service?.hsm.dispose();
    await idp?.stop();
    dir.dispose();
  });

  /** The four commands against the service as it is now: each refused with `code`, in words, nothing written. */
  function refusedEverywhere(code: 'E_KEYSERVICE_UNAVAILABLE' | 'E_KEYSERVICE_UNREACHABLE', which = ['protect', 'cat', 'grant', 'revoke']): void {
    const runs: Record<string, () => Run> = {
      protect: () => alice.run(['protect', 'plan.txt', '--label', 'finance']),
      cat: () => bob.run(['cat', 'budget.csv.protected']),
      grant: () => alice.run(['grant', 'budget.csv.protected', 'carol@example.com=Viewer']),
      revoke: () => alice.run(['revoke', 'budget.csv.protected', 'bob@example.com']),
    };
    for (const name of which) {
      const before = snapshot(ws);
      const r = runs[name]!();
      assert.equal(r.code, 1, `${name}: ${r.stderr}`);
      assert.ok(r.stderr.includes(`[${code}]`), `${name}: ${r.stderr}`);
      assert.match(r.stderr, /try again/, `${name}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /E_KEY_RETIRED|opens for nobody/, name);
      if (name === 'cat') assert.equal(r.stdout, '', 'cat released something');
      assert.doesNotMatch(r.stdout, /q1,100/, `${name} printed the plaintext`);
      assert.deepEqual(snapshot(ws), before, `${name} changed the workspace`);
    }
  }

  test('the token is gone (503 E_HSM_UNAVAILABLE from the real service): every command exits 1, E_KEYSERVICE_UNAVAILABLE, nothing written', async () => {
    const tokens = join(service!.hsm.dir, 'tokens');
    renameSync(tokens, `${tokens}.away`);
    try {
      let status = 0;
      for (const end = Date.now() + 10_000; status !== 503 && Date.now() < end; await sleep(200)) status = (await fetch(`${base}/finance`)).status;
      assert.equal(status, 503);
      refusedEverywhere('E_KEYSERVICE_UNAVAILABLE');
    } finally {
      renameSync(`${tokens}.away`, tokens);
    }
    let back = 0;
    for (const end = Date.now() + 15_000; back !== 200 && Date.now() < end; await sleep(250)) back = (await fetch(`${base}/ready`)).status;
    assert.equal(back, 200);
    assert.equal(bob.run(['cat', 'budget.csv.protected']).stdout, 'q1,100\nq2,200\n');
  });

  test('a load balancer with no live replica (503, an HTML page), a service that never answers, nothing listening: nothing written', async () => {
    await service!.stop();
    try {
      const lb = await listen(
        createHttpServer((_req, res) =>
          res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>'),
        ),
        port,
      );
      try {
        refusedEverywhere('E_KEYSERVICE_UNAVAILABLE');
      } finally {
        await lb();
      }
      // Accepts the connection and says nothing: the client gives up after its timeout (10 s).
      const silent = await listen(
        createTcpServer(() => undefined),
        port,
      );
      try {
        refusedEverywhere('E_KEYSERVICE_UNAVAILABLE', ['protect', 'cat']);
      } finally {
        await silent();
      }
      refusedEverywhere('E_KEYSERVICE_UNREACHABLE');
    } finally {
      service = await startKeyService({
        idp: { issuer: idp.issuer, audience: base },
        keys: { finance: { allow: { domains: ['example.com'] } } },
        port,
        dir: service!.dir,
        hsm: service!.hsm,
      });
    }
    assert.equal(bob.run(['cat', 'budget.csv.protected']).stdout, 'q1,100\nq2,200\n');
  });
});
