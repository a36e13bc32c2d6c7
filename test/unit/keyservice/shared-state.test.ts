/**
 * Shared state on PostgreSQL (docs/KEY-SERVICE.md, "Shared state"): a private PostgreSQL started by the test
 * (as an ordinary user when run as root), two replicas of `key-service serve` from ONE config file (each with
 * `--listen`), one SoftHSM2 token. A revocation written once (`key-service revoke`) is refused by both
 * replicas within seconds and lifted the same way; a certificate published through one replica is served by
 * the other; both replicas' decrypts form one hash chain in the database, which `key-service log --verify
 * --config` checks; decrypts that wait for the log's lock are answered only once committed, written together (group commit).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createIdentity, publicIdentity, verifyWitnessReceipt } from '../../../src/core/index.js';
import { LOG_LOCK } from '../../../src/keyservice/state/postgres.js';
import { startIdp, type TestIdp } from '../../support/idp.js';
import {
  policyVersion,
  registerAtWitness,
  registrationOf,
  sealTo,
  startKeyService,
  type PublicKeyResponse,
  type TestKeyService,
} from '../../support/key-service.js';
import { hasPostgres, startPostgres, type TestPostgres } from '../../support/postgres.js';

const KEY = 'Finance';

describe('key service: two replicas sharing PostgreSQL', { timeout: 180_000, skip: !hasPostgres() && 'PostgreSQL 15 is not installed' }, () => {
  let pg: TestPostgres;
  let idp: TestIdp;
  let a: TestKeyService;
  let b: TestKeyService;
  let token: string;
  let pub: PublicKeyResponse;

  before(async () => {
    pg = await startPostgres();
    idp = await startIdp();
    const env = { SENSITIVITY_KS_DATABASE_URL: pg.url };
    a = await startKeyService({ idp, keys: { [KEY]: { allow: { groups: ['finance'] } } }, env, extra: { state: { postgres: {} } } });
    b = await startKeyService({ idp, keys: {}, env, replicaOf: a });
    token = await idp.tokenFor('alice@example.com');
    pub = (await (await fetch(`${a.url}/${KEY}`)).json()) as PublicKeyResponse;
  });
  after(async () => {
    await b?.stop();
    await a?.stop();
    await idp?.stop();
    await pg?.stop();
  });

  const decrypt = async (ks: TestKeyService) => {
    const r = await fetch(`${ks.url}/${KEY}/${pub.key.kid.split('/').at(-1)!}/decrypt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ alg: 'RSA-OAEP-256', value: sealTo(pub, Buffer.alloc(32, 3)) }),
    });
    return { status: r.status, code: ((await r.json()) as { code?: string }).code };
  };
  /** Polls until both replicas answer `want`; the milliseconds it took. */
  const bothAnswer = async (want: number) => {
    const start = Date.now();
    for (;;) {
      const [x, y] = await Promise.all([decrypt(a), decrypt(b)]);
      if (x.status === want && y.status === want) return { ms: Date.now() - start, code: x.code };
      if (Date.now() - start > 10_000) assert.fail(`not both ${want} within 10 s: ${JSON.stringify([x, y])}`);
      await sleep(100);
    }
  };

  it('one config file serves both replicas, each on its own port', async () => {
    assert.notEqual(a.port, b.port);
    assert.equal(a.configFile, b.configFile);
    assert.deepEqual(await Promise.all([decrypt(a), decrypt(b)]), [
      { status: 200, code: undefined },
      { status: 200, code: undefined },
    ]);
  });

  it('a revocation written once is refused by both replicas within seconds, and lifted the same way', async (t) => {
    const revoked = a.cli(['revoke', '--person', 'Alice@Example.com']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /revoked: person alice@example.com .*postgres:\/\//);
    const refused = await bothAnswer(403);
    assert.equal(refused.code, 'E_REVOKED');
    t.diagnostic(`revocation to refusal by both replicas: ${refused.ms} ms`);
    assert.equal(a.cli(['revoke', '--person', 'alice@example.com', '--undo']).code, 0);
    await bothAnswer(200);
    assert.equal(a.cli(['revoke', '--content', 'c-1', '--key', KEY]).code, 0, 'per key and per content id too');
  });

  it('a certificate published through one replica is served by the other', async () => {
    const alice = publicIdentity(await createIdentity('Alice Example', 'alice@example.com'));
    const r = await fetch(`${a.url}/directory`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ identity: alice }) });
    assert.equal(r.status, 200, await r.text());
    const got = await fetch(`${b.url}/directory/alice@example.com`);
    assert.equal(got.status, 200);
  });

  /** The organisation's certification key, as a reader pins it. */
  const organisationKey = async () => {
    const offered = (await (await fetch(`${a.url}/directory`)).json()) as { keys: { x: string; y: string }[] };
    return { kty: 'EC', crv: 'P-256', x: offered.keys[0]!.x, y: offered.keys[0]!.y };
  };
  /** A Double Key decrypt naming `contentId` (the witness's line), through replica `ks`: its answer, with any head. */
  const decryptFor = async (ks: TestKeyService, contentId: string) => {
    const value = sealTo(pub, Buffer.alloc(32, 3), Buffer.from(`sensitivity-dke/1\0${contentId}\0l`));
    const r = await fetch(`${ks.url}/${KEY}/${pub.key.kid.split('/').at(-1)!}/decrypt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ alg: 'RSA-OAEP-256', value, contentId, label: 'l' }),
    });
    assert.equal(r.status, 200);
    return (await r.json()) as { value: string; witness?: { kind: string; receipt: string } };
  };

  it('the witness holds one head per file across replicas: of two racing versions 2, one is registered, the other is E_FORK', async (t) => {
    const line = 'shared-content';
    // Real policy versions, each signed by their owner: the witness registers only an owner's successor of its head.
    const owner = await createIdentity('Alice Example', 'alice@example.com');
    const owners = [[owner, 'Co-Owner']] as const;
    let last = await policyVersion(owner, null, owners, { cid: line });
    assert.equal((await registerAtWitness(a.url, token, registrationOf(last, null))).status, 200);
    let prev = registrationOf(last, null).pd;
    for (let ver = 2; ver <= 6; ver++) {
      const before = last;
      const claims = await Promise.all(
        [1, 2].map(async (r) => registrationOf(await policyVersion(owner, before, owners, { iat: 1_800_000_000 + 10 * ver + r }), before)),
      );
      const [x, y] = await Promise.all([registerAtWitness(a.url, token, claims[0]), registerAtWitness(b.url, token, claims[1])]);
      assert.deepEqual([x.status, y.status].sort(), [200, 409], `version ${ver}: ${JSON.stringify([x.json, y.json])}`);
      const winner = x.status === 200 ? claims[0]! : claims[1]!;
      assert.deepEqual((x.status === 409 ? x : y).json.head, { pd: winner.pd, ver });
      const head = (await (await fetch(`${b.url}/witness/${line}`)).json()) as { head: unknown };
      assert.deepEqual(head.head, { pd: winner.pd, ver });
      prev = winner.pd;
      last = winner.policy;
    }
    // A decrypt naming the file's content id answers that head, on either replica, as the receipt the witness signed when it
    // registered it (kept with the head: no signature per decrypt); a content id never registered, no head.
    const orgKey = await organisationKey();
    for (const ks of [a, b]) {
      const { witness } = await decryptFor(ks, line);
      assert.equal(witness?.kind, 'org-witness');
      const head = await verifyWitnessReceipt(witness.receipt, [orgKey], { issuer: a.url, line });
      assert.deepEqual({ pd: head.pd, ver: head.ver }, { pd: prev, ver: 6 });
    }
    assert.equal((await decryptFor(b, 'never-registered')).witness, undefined);
    // Replicas keep the heads they answered; a head registered through the other replica is answered within about a
    // second all the same (each replica reads which lines changed at most every second), as a revocation is.
    const v7 = registrationOf(await policyVersion(owner, last, owners), last);
    assert.equal((await registerAtWitness(a.url, token, v7)).status, 200);
    const start = Date.now();
    for (;;) {
      const { witness } = await decryptFor(b, line);
      if ((await verifyWitnessReceipt(witness!.receipt, [orgKey], { issuer: a.url, line })).ver === 7) break;
      if (Date.now() - start > 5000) assert.fail('replica b still answers version 6 after 5 s');
      await sleep(50);
    }
    t.diagnostic(`a head registered through replica a, answered by replica b's decrypts after ${Date.now() - start} ms`);
    // A head kept before receipts were (no receipt): no head in the answer; registering that version again fills it in.
    const { default: pgClient } = await import('pg');
    const db = new pgClient.Client(pg.url);
    await db.connect();
    try {
      await db.query('UPDATE ks_witness_heads SET receipt = NULL WHERE line = $1', [line]);
    } finally {
      await db.end();
    }
    assert.equal((await decryptFor(a, line)).witness, undefined, 'replica a registered version 7 itself, so it reads the head again');
    assert.equal((await registerAtWitness(b.url, token, v7)).status, 200);
    const again = await decryptFor(b, line);
    assert.equal((await verifyWitnessReceipt(again.witness!.receipt, [orgKey], { issuer: a.url, line })).ver, 7);
  });

  it("an administrator removes a line's head once: every replica stops answering it within about a second, the owner registers afresh, the log says who", async (t) => {
    const line = 'removed-content';
    const owner = await createIdentity('Alice Example', 'alice@example.com');
    const owners = [[owner, 'Co-Owner']] as const;
    const v1 = await policyVersion(owner, null, owners, { cid: line });
    assert.equal((await registerAtWitness(a.url, token, registrationOf(v1, null))).status, 200);
    assert.ok((await decryptFor(b, line)).witness, 'replica b answers the head (and keeps it)');
    const shown = a.cli(['witness', '--line', line, '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout), { line, ver: 1, pd: registrationOf(v1, null).pd });
    const unconfirmed = a.cli(['witness', '--line', line, '--remove']);
    assert.notEqual(unconfirmed.code, 0, 'no terminal to confirm on, no --yes: nothing removed');
    assert.match(unconfirmed.stderr, /--yes/);
    const removed = a.cli(['witness', '--line', line, '--remove', '--yes']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /^removed removed-content: version 1 \(postgres:\/\//);
    const start = Date.now();
    while ((await decryptFor(b, line)).witness) {
      if (Date.now() - start > 5000) assert.fail('replica b still answers the removed head after 5 s');
      await sleep(50);
    }
    t.diagnostic(`a head removed, no longer answered by replica b's decrypts after ${Date.now() - start} ms`);
    assert.equal((await fetch(`${a.url}/witness/${line}`)).status, 404);
    assert.match(a.cli(['witness', '--line', line]).stdout, /no version registered/);
    assert.notEqual(a.cli(['witness', '--line', line, '--remove', '--yes']).code, 0, 'nothing left to remove: E_NOT_FOUND');
    // Another history of that line is now a first registration (trusted as such), through either replica.
    const other = await policyVersion(owner, null, owners, { cid: line, iat: 1_800_000_001 });
    assert.equal((await registerAtWitness(b.url, token, registrationOf(other, null))).status, 200);
    const log = a.cli(['log', '--verify', '--config', a.configFile]);
    assert.equal(log.code, 0, log.stderr);
    const { default: pgClient } = await import('pg');
    const db = new pgClient.Client(pg.url);
    await db.connect();
    try {
      const r = await db.query<{ line: string }>("SELECT line FROM ks_access_log WHERE line LIKE '%witness.remove%'");
      assert.equal(r.rows.length, 1);
      const entry = JSON.parse(r.rows[0]!.line) as Record<string, unknown>;
      assert.deepEqual([entry.line, entry.ver, entry.actor, typeof entry.operator], [line, 1, null, 'string']);
    } finally {
      await db.end();
    }
  });

  it('log lines holding quotes, backslashes and SQL are stored byte for byte: the chain still verifies', async () => {
    const hostile = `it's \\ a "test" '); DROP TABLE ks_access_log; -- $$ E'\\x' é`;
    for (const ks of [a, b]) {
      const r = await fetch(`${ks.url}/${KEY}/${pub.key.kid.split('/').at(-1)!}/decrypt`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify({ alg: 'RSA-OAEP-256', value: sealTo(pub, Buffer.alloc(32, 3)), contentId: hostile, label: `${hostile}\\` }),
      });
      assert.equal(r.status, 400, 'not bound to that content id and label: E_DECRYPT, and logged');
    }
    const v = a.cli(['log', '--verify', '--config', a.configFile]);
    assert.equal(v.code, 0, v.stderr);
  });

  it('group commit: decrypts that wait for the log lock are answered only once committed, one transaction per replica, one chain', async () => {
    const { default: pgClient } = await import('pg');
    const holder = new pgClient.Client(pg.url);
    await holder.connect();
    const ids = Array.from({ length: 8 }, (_, i) => `gc-${i}`);
    const binding = (id: string) => Buffer.from(`sensitivity-dke/1\0${id}\0confidential`);
    const committed = async (id: string) =>
      ((await holder.query('SELECT 1 FROM ks_access_log WHERE line LIKE $1', [`%"contentId":"${id}"%`])).rowCount ?? 0) > 0;
    let answered = 0;
    try {
      // Another writer holds the log's advisory lock in an open transaction.
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1)', [LOG_LOCK]);
      const pending = ids.map(async (id, i) => {
        const r = await fetch(`${(i % 2 ? a : b).url}/${KEY}/${pub.key.kid.split('/').at(-1)!}/decrypt`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          body: JSON.stringify({ alg: 'RSA-OAEP-256', value: sealTo(pub, Buffer.alloc(32, 3), binding(id)), contentId: id, label: 'confidential' }),
        });
        answered++;
        return { id, status: r.status };
      });
      await sleep(2000); // every request has been decrypted and waits for the log
      assert.equal(answered, 0, 'a decrypt was answered before its line was committed');
      await holder.query('COMMIT');
      for (const r of await Promise.all(pending)) {
        assert.equal(r.status, 200);
        assert.ok(await committed(r.id), `no committed line for ${r.id}`);
      }
      // Rows inserted by one transaction share its xmin: each replica wrote its four in one.
      const rows = await holder.query<{ xmin: string; line: string }>('SELECT xmin::text AS xmin, line FROM ks_access_log ORDER BY seq');
      const ours = rows.rows.filter((r) => ids.some((id) => r.line.includes(`"contentId":"${id}"`)));
      assert.equal(ours.length, ids.length, 'one line each');
      assert.equal(new Set(ours.map((r) => r.xmin)).size, 2, 'one transaction per replica, taken once the lock was free');
    } finally {
      await holder.end();
    }
    const v = a.cli(['log', '--verify', '--config', a.configFile]);
    assert.equal(v.code, 0, v.stderr);
  });

  it('both replicas write one hash chain in the database', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => decrypt(i % 2 ? a : b)));
    const v = a.cli(['log', '--verify', '--config', a.configFile]);
    assert.equal(v.code, 0, v.stderr);
    const m = /(\d+) entries, chain intact/.exec(v.stdout);
    assert.ok(m && Number(m[1]) >= 16, v.stdout);
  });
});
