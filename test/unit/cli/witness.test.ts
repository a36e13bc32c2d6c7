/**
 * The organisation witness end to end (issue 21; FORMAT §16.1, docs/KEY-SERVICE.md "The witness") with real
 * servers started by the test: a SoftHSM2 token in a private SOFTHSM2_CONF, the key service as its own process
 * (its witness signs receipts with the directory's certification key in the token), the oidc-provider IdP with
 * sign-in through its login flow, and the `sensitivity` CLI as Alice (owner), Admin (a Co-Owner she removes)
 * and Bob (a reader who remembers nothing). Every receipt is also checked by the independent reader
 * (test/interop/open_envelope.py, python3-jwcrypto) against the organisation's key and bound to its version.
 * The clients reach the service through a counting proxy (the organisation's URL), so the witness's cost is measured:
 * the HTTP requests each command makes to the key service.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { memorySink, policyDigest, randomAccessOf, readEnvelopeHeader, rewrapEnvelope } from '../../../src/core/envelope/index.js';
import { verifyWitnessReceipt, WITNESS_KIND } from '../../../src/core/org/index.js';
import type { Identity } from '../../../src/core/identity.js';
import { save } from '../../../src/core/app/index.js';
import { readHomeIdentity } from '../../../src/node/home.js';
import { httpKeyServiceClient } from '../../../src/node/key-service-client.js';
import { sessionIn } from '../../../src/node/session.js';
import { openWorkspace } from '../../../src/node/workspace.js';
import { CLI_CLIENT_ID, startIdp, type TestIdp } from '../../support/idp.js';
import { startCountingProxy, type CountingProxy } from '../../support/counting-proxy.js';
import { doubleKeyPolicy, freePort, policyVersion, startKeyService, type TestKeyService } from '../../support/key-service.js';
import { loginDriven, makePerson, tempDir, type Person } from './helpers.js';

describe('the organisation witness with a real key service, HSM and identity provider', { timeout: 300_000 }, () => {
  const dir = tempDir('sensitivity-witness-');
  const ws = join(dir.path, 'ws');
  /** Admin's own folder, whose policy names no organisation: what he writes there is never registered. */
  const away = join(dir.path, 'away');
  const file = join(ws, 'plan.txt.protected');
  let idp: TestIdp;
  let service: TestKeyService;
  let proxy: CountingProxy;
  let base: string;
  let orgKey: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
  let alice: Person, bob: Person, admin: Person;
  /** The envelope bytes of each genuine version, and Admin's old copy. */
  const versions: Buffer[] = [];

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
  const ok = (p: Person, args: readonly string[], cwd = ws) => {
    const r = p.run(args, { cwd });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  /** Bob as a reader who remembers nothing (a fresh clone, a new laptop): no versions.json, no heads, no git. */
  const freshBob = (args: readonly string[]) => {
    rmSync(join(bob.home, 'versions.json'), { force: true });
    rmSync(join(bob.home, 'heads'), { recursive: true, force: true });
    return bob.run(args);
  };
  /** The independent reader's verdict on `bytes` opened by Bob, receipts required and checked against the organisation's key. */
  let bobKeys: Identity | undefined;
  const interop = (bytes: Buffer) => {
    const path = join(dir.path, 'interop.protected');
    writeFileSync(path, bytes);
    const owner = JSON.stringify(JSON.parse(alice.run(['id', 'show', '--json']).stdout).sig);
    const bobPrivate = bobKeys!;
    return spawnSync(
      '/usr/bin/python3',
      ['test/interop/open_envelope.py', path, owner, JSON.stringify(bobPrivate.encPrivate), '--witness-key', JSON.stringify(orgKey), '--witness-issuer', base],
      { encoding: 'utf8' },
    );
  };

  before(async () => {
    idp = await startIdp({ accessTokenTTL: 600 });
    const port = await freePort();
    proxy = await startCountingProxy(port, join(dir.path, 'requests.log'));
    base = `http://127.0.0.1:${proxy.port}`;
    service = await startKeyService({
      idp: { issuer: idp.issuer, audience: base },
      keys: { finance: { allow: { domains: ['example.com'] } } },
      port,
      baseUrl: base,
    });
    const offered = (await (await fetch(`${base}/directory`)).json()) as { keys: { x: string; y: string }[] };
    orgKey = { kty: 'EC', crv: 'P-256', x: offered.keys[0]!.x, y: offered.keys[0]!.y };

    mkdirSync(join(ws, '.sensitivity'), { recursive: true });
    mkdirSync(away, { recursive: true });
    writeFileSync(join(ws, '.sensitivity', 'policy.json'), JSON.stringify({ ...doubleKeyPolicy(base), organisation: { url: base } }));
    alice = makePerson(dir.path, ws, 'Alice', 'alice@example.com');
    bob = makePerson(dir.path, ws, 'Bob', 'bob@example.com');
    admin = makePerson(dir.path, ws, 'Admin', 'admin@example.com');
    await Promise.all([login(alice), login(bob), login(admin)]);
    for (const p of [alice, bob, admin]) {
      ok(p, ['policy', 'accept']);
      ok(p, ['id', 'publish']);
    }
    bobKeys = await readHomeIdentity(bob.home);
  });
  after(async () => {
    await proxy?.stop();
    await service?.stop();
    service?.hsm.dispose();
    await idp?.stop();
    dir.dispose();
  });

  test('protect, grant and revoke each register one version and carry its receipt, which verifies against the organisation key (here and in python3-jwcrypto)', async () => {
    writeFileSync(join(ws, 'plan.txt'), 'the plan\n');
    ok(alice, ['protect', 'plan.txt', '--grant', 'admin@example.com=Co-Owner']);
    versions.push(readFileSync(file));
    ok(alice, ['grant', 'plan.txt.protected', 'bob@example.com=Viewer']);
    versions.push(readFileSync(file));
    ok(alice, ['revoke', 'plan.txt.protected', 'admin@example.com']);
    versions.push(readFileSync(file));
    for (const [i, bytes] of versions.entries()) {
      const h = await readEnvelopeHeader(randomAccessOf(bytes));
      const receipts = h.witness.filter((w) => w.kind === WITNESS_KIND);
      assert.deepEqual(
        receipts.map((w) => w.pd),
        h.history,
        `version ${i + 1}: a receipt for every version`,
      );
      for (const [v, r] of receipts.entries())
        await verifyWitnessReceipt(r.value, [orgKey], { issuer: base, line: h.policy.cid, pd: h.history[v]!, ver: v + 1 });
    }
    const head = (await (await fetch(`${base}/witness/${(await readEnvelopeHeader(randomAccessOf(versions[2]!))).policy.cid}`)).json()) as {
      head: { ver: number };
    };
    assert.equal(head.head.ver, 3, 'the witness holds version 3');
    const py = interop(versions[2]!);
    assert.equal(py.status, 0, py.stderr);
    const out = JSON.parse(py.stdout) as { witnessed: number[]; plaintext: string };
    assert.deepEqual(out.witnessed, [1, 2, 3]);
    assert.equal(Buffer.from(out.plaintext, 'hex').toString(), 'the plan\n');
    // A save makes no new policy version: nothing is registered (the service's log counts registrations).
    const registrations = () =>
      readFileSync(service.logFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"witness.register"')).length;
    const before = registrations();
    const cat = freshBob(['cat', 'plan.txt.protected']);
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, 'the plan\n', 'Bob, remembering nothing, reads the genuine version 3');
    assert.equal(registrations(), before, 'reading registers nothing');
  });

  test("a removed Co-Owner's edit of an old copy: made elsewhere, refused by a reader with an empty versions.json (E_WITNESS_MISSING); in the workspace, refused by the witness (E_FORK, nothing written)", async () => {
    // In his own folder (no organisation), Admin revokes Alice on his copy of version 2 and puts it back.
    const copy = join(away, 'plan.txt.protected');
    writeFileSync(copy, versions[1]!);
    ok(admin, ['revoke', 'plan.txt.protected', 'alice@example.com'], away);
    copyFileSync(copy, file);
    const refused = freshBob(['cat', 'plan.txt.protected']);
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /no receipt for version 3 of its access policy.*\[E_WITNESS_MISSING\]/);
    assert.equal(refused.stdout, '', 'nothing released');
    const py = interop(readFileSync(file));
    assert.notEqual(py.status, 0, 'the independent reader refuses it too');
    assert.match(py.stderr, /witness \[E_WITNESS_MISSING\]: version 3: a version after the first witnessed one has no receipt/);
    writeFileSync(file, versions[2]!);

    // In the workspace his client registers the change first: the witness holds version 3, so E_FORK, nothing written
    // (his own memory, which now holds his fork, cleared: only the witness stands in the way).
    rmSync(join(admin.home, 'versions.json'), { force: true });
    rmSync(join(admin.home, 'heads'), { recursive: true, force: true });
    const old = join(ws, 'old.txt.protected');
    writeFileSync(old, versions[1]!);
    const tried = admin.run(['revoke', 'old.txt.protected', 'alice@example.com']);
    assert.equal(tried.code, 4, tried.stderr);
    assert.match(tried.stderr, /does not extend the access history the organisation's witness .* registered \(version 3\).*\[E_FORK\]/);
    assert.deepEqual(readFileSync(old), versions[1], 'the copy on disk is unchanged');
    rmSync(old);
  });

  test("receipts stripped, another version's receipt, or a receipt tampered with: refused (E_WITNESS_MISSING, E_WITNESS_INVALID), here and in python3-jwcrypto", async () => {
    const me = (await readHomeIdentity(admin.home))!;
    const v2 = versions[1]!;
    const { signed } = await readEnvelopeHeader(randomAccessOf(v2));
    const genuine3 = (await readEnvelopeHeader(randomAccessOf(versions[2]!))).witness.at(-1)!.value;
    const [h, p, s] = genuine3.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const cases: [string, () => Promise<Uint8Array>, string, RegExp][] = [
      [
        'stripped',
        async () => {
          const sink = memorySink();
          await rewrapEnvelope(randomAccessOf(v2), sink, me, { onto: { ...signed, witness: [] } });
          return sink.bytes();
        },
        'E_WITNESS_MISSING',
        /witness \[E_WITNESS_MISSING\]: version 3: no version carries a receipt/,
      ],
      ...(
        [
          ['the genuine version 3 receipt', () => genuine3],
          ['a tampered receipt', (pd: string) => `${h}.${Buffer.from(JSON.stringify({ ...claims, pd })).toString('base64url')}.${s}`],
        ] as const
      ).map(
        ([what, value]) =>
          [
            what,
            async () => {
              const sink = memorySink();
              await rewrapEnvelope(
                randomAccessOf(v2),
                sink,
                me,
                { revoke: ['alice@example.com'] },
                { witness: async (v) => ({ pd: v.digest, kind: WITNESS_KIND, value: value(v.digest) }) },
              );
              return sink.bytes();
            },
            'E_WITNESS_INVALID',
            /witness \[E_WITNESS_INVALID\]: the receipt of version 3 (does not verify|is not bound to it)/,
          ] as [string, () => Promise<Uint8Array>, string, RegExp],
      ),
    ];
    for (const [what, make, code, python] of cases) {
      const bytes = Buffer.from(await make());
      writeFileSync(file, bytes);
      const r = freshBob(['cat', 'plan.txt.protected']);
      assert.equal(r.code, 4, `${what}: ${r.stderr}`);
      assert.ok(r.stderr.includes(`[${code}]`), `${what}: ${r.stderr}`);
      const py = interop(bytes);
      assert.notEqual(py.status, 0, what);
      assert.match(py.stderr, python, what);
    }
    writeFileSync(file, versions[2]!);
  });

  test("a bogus successor of the genuine head, registered by a signed-in member who is not its owner (a removed Co-Owner with his old copy, a Viewer): refused by the witness (E_LINEAGE), with its policies or without; the owner's next access change (a restore) registers and reads", async () => {
    const me = (await readHomeIdentity(admin.home))!;
    const { signed } = await readEnvelopeHeader(randomAccessOf(versions[1]!));
    const genuine = await readEnvelopeHeader(randomAccessOf(versions[2]!));
    const genuineHead = genuine.history[2]!;
    /** POSTs one body to the witness with `who`'s sign-in: the status and code. */
    const post = async (who: Person, body: unknown) => {
      const r = await fetch(`${base}/witness`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await idp.tokenFor(who.email, base)}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return `${r.status} ${((await r.json()) as { code?: string }).code ?? ''}`;
    };
    /** The successor `policy` of the genuine head, sent as the bare claim (what the witness took before) and with both policies. */
    const attempts = async (who: Person, policy: string) => {
      const claim = { line: genuine.policy.cid, pd: policyDigest(policy), prev: genuineHead, ver: 4 };
      return [await post(who, claim), await post(who, { ...claim, policy, prevPolicy: genuine.signed.policy })];
    };
    // Admin, Co-Owner in version 2, re-signs it as his own version 3 without receipts and makes a version 4 on it, whose
    // registration he sends as the successor of the genuine version 3 (content id and digests are in any copy's header).
    const fork3 = memorySink();
    await rewrapEnvelope(randomAccessOf(versions[1]!), fork3, me, { onto: { ...signed, witness: [] } });
    let tried: string[] = [];
    await assert.rejects(
      rewrapEnvelope(
        randomAccessOf(fork3.bytes()),
        memorySink(),
        me,
        { revoke: ['alice@example.com'] },
        {
          witness: async (v) => {
            tried = await attempts(admin, v.policy);
            throw new Error('refused');
          },
        },
      ),
      /refused/,
    );
    assert.deepEqual(tried, ['400 E_BAD_REQUEST', '403 E_LINEAGE'], 'the removed Co-Owner: refused');
    // Bob, a Viewer of the head, signs a version 4 of it that makes him its owner.
    const bobs = await policyVersion(bobKeys!, genuine.signed.policy, [[bobKeys!, 'Co-Owner']]);
    assert.deepEqual(await attempts(bob, bobs), ['400 E_BAD_REQUEST', '403 E_LINEAGE'], 'the Viewer: refused');
    const head = (await (await fetch(`${base}/witness/${genuine.policy.cid}`)).json()) as { head: { pd: string; ver: number } };
    assert.deepEqual(head.head, { pd: genuineHead, ver: 3 }, 'the witness still holds the genuine version 3');
    const refusals = readFileSync(service.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"witness.register"') && l.includes('"E_LINEAGE"'));
    assert.equal(refusals.length, 2, 'each refusal is in the key access log');

    // The owner's next access change registers: Alice restores version 2 on purpose onto the genuine version 3 (a version 4).
    const newest = join(dir.path, 'newest.protected');
    writeFileSync(newest, versions[2]!);
    writeFileSync(file, versions[1]!);
    ok(alice, ['restore', 'plan.txt.protected', '--onto', newest]);
    const restored = await readEnvelopeHeader(randomAccessOf(readFileSync(file)));
    assert.equal(restored.policy.ver, 4);
    await verifyWitnessReceipt(restored.witness.at(-1)!.value, [orgKey], {
      issuer: base,
      line: genuine.policy.cid,
      pd: restored.history[3]!,
      prev: genuineHead,
      ver: 4,
    });
    const r = freshBob(['cat', 'plan.txt.protected']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'the plan\n');
    const py = interop(readFileSync(file));
    assert.equal(py.status, 0, py.stderr);
    assert.deepEqual((JSON.parse(py.stdout) as { witnessed: number[] }).witnessed, [1, 2, 3, 4]);
  });

  test("a removed Co-Owner's authentic old copy of a Double Key file, read by someone who remembers nothing: the decrypt answers the witness's head, so it reads as an older version and every write on it is E_ROLLBACK; the current version opens as usual; a head whose signature fails is E_WITNESS_INVALID", async () => {
    const ledger = join(ws, 'ledger.txt.protected');
    writeFileSync(join(ws, 'ledger.txt'), 'the ledger\n');
    ok(alice, ['protect', 'ledger.txt', '--label', 'finance', '--grant', 'admin@example.com=Co-Owner']);
    ok(alice, ['grant', 'ledger.txt.protected', 'bob@example.com=Reviewer']);
    const v2 = readFileSync(ledger);
    ok(alice, ['revoke', 'ledger.txt.protected', 'admin@example.com']);
    const v3 = readFileSync(ledger);
    const older = /an older version of its access policy than the newest your organisation's witness holds \(version 3\): read-only/;

    const current = freshBob(['cat', 'ledger.txt.protected']);
    assert.equal(current.code, 0, current.stderr);
    assert.equal(current.stdout, 'the ledger\n');
    assert.doesNotMatch(current.stderr, /older version/, 'the current version is not an older one');

    // Admin kept version 2 (he is its Co-Owner) and puts it back: a reader with no memory and no git history is told.
    writeFileSync(ledger, v2);
    const old = freshBob(['cat', 'ledger.txt.protected']);
    assert.equal(old.code, 0, old.stderr);
    assert.equal(old.stdout, 'the ledger\n', 'an older version still reads');
    assert.match(old.stderr, older);

    // Writes on it, with no memory either: a save (as the editor saves; no new policy version, so the witness is not
    // asked) by Bob and by Admin, and an access change, are refused before anything is written.
    for (const p of [bob, admin]) {
      rmSync(join(p.home, 'versions.json'), { force: true });
      rmSync(join(p.home, 'heads'), { recursive: true, force: true });
      const me = (await readHomeIdentity(p.home))!;
      const tokens = { token: (audience: string) => idp.tokenFor(p.email, audience) };
      const session = sessionIn(openWorkspace(ws), me, { append: async () => undefined }, undefined, { home: p.home }, httpKeyServiceClient({ tokens }));
      await assert.rejects(save(session, 'ledger.txt.protected', new TextEncoder().encode('rewritten\n')), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'E_ROLLBACK', e.message);
        return true;
      });
    }
    const changed = admin.run(['revoke', 'ledger.txt.protected', 'alice@example.com']);
    assert.equal(changed.code, 4, changed.stderr);
    assert.match(
      changed.stderr,
      /older version of its access policy \(version 2\) than one you, git or your organisation's witness have seen \(version 3\).*\[E_ROLLBACK\]/,
    );
    assert.deepEqual(readFileSync(ledger), v2, 'nothing written');

    // A head whose signature does not verify (the service's stored receipt altered) is refused, and nothing released.
    writeFileSync(ledger, v3);
    const cid = (await readEnvelopeHeader(randomAccessOf(v3))).policy.cid;
    const headsFile = join(dirname(service.logFile), 'witness-heads.json');
    const genuine = readFileSync(headsFile, 'utf8');
    const heads = JSON.parse(genuine) as Record<string, { receipt: string }>;
    const [h, p, sig] = heads[cid]!.receipt.split('.');
    heads[cid]!.receipt = `${h}.${p}.${sig![0] === 'A' ? 'B' : 'A'}${sig!.slice(1)}`;
    // The service's head cache looks at the file once a second (docs/KEY-SERVICE.md, "The witness"): wait that long.
    const swap = async (text: string) => {
      writeFileSync(`${headsFile}.tmp`, text);
      renameSync(`${headsFile}.tmp`, headsFile);
      await sleep(1100);
    };
    await swap(JSON.stringify(heads));
    try {
      const bad = freshBob(['cat', 'ledger.txt.protected']);
      assert.equal(bad.code, 4, bad.stderr);
      assert.match(bad.stderr, /\[E_WITNESS_INVALID\]/);
      assert.equal(bad.stdout, '', 'nothing released');
    } finally {
      await swap(genuine);
    }
    // The owner builds on the current version as before (an expiry change reaches the key service too: it decrypts).
    ok(alice, ['expiry', 'ledger.txt.protected', '30d']);
    const v4 = freshBob(['cat', 'ledger.txt.protected']);
    assert.equal(v4.code, 0, v4.stderr);
    assert.doesNotMatch(v4.stderr, /older version/);
  });

  test("the head a decrypt answered raises memory: the older copy's inspect says so from memory alone (no request), a save is E_ROLLBACK before any; a head that does not verify raises nothing", async () => {
    const journal = join(ws, 'journal.txt.protected');
    writeFileSync(join(ws, 'journal.txt'), 'the journal\n');
    ok(alice, ['protect', 'journal.txt', '--label', 'finance', '--grant', 'admin@example.com=Co-Owner']);
    ok(alice, ['grant', 'journal.txt.protected', 'bob@example.com=Reviewer']);
    const v2 = readFileSync(journal);
    ok(alice, ['revoke', 'journal.txt.protected', 'admin@example.com']);
    const v3 = readFileSync(journal);
    writeFileSync(journal, v2);
    const line = (await readEnvelopeHeader(randomAccessOf(v2))).lineageId!;
    const remembered = () => (JSON.parse(readFileSync(join(bob.home, 'versions.json'), 'utf8')) as { witness?: Record<string, unknown> }).witness;
    const inspect = () => {
      const from = proxy.seen().length;
      const r = ok(bob, ['inspect', 'journal.txt.protected']);
      assert.deepEqual(proxy.seen().slice(from), [], 'inspect asks no service');
      return r.stdout;
    };
    const olderLine = /^Older: +this is policy version 2, but your organisation's witness holds version 3: readable, nothing is built on it$/m;
    /** `attempt` again until it gives what `done` wants: the service's head cache looks at its file once a second. */
    const until = async <T>(attempt: () => T, done: (r: T) => boolean, what: string): Promise<T> => {
      for (let i = 0; i < 100; i++) {
        const r = attempt();
        if (done(r)) return r;
        await sleep(100);
      }
      assert.fail(`the key service did not ${what} within 10 s`);
    };

    // A head whose signature fails (the service's stored receipt altered): refused, and memory learns nothing.
    const headsFile = join(dirname(service.logFile), 'witness-heads.json');
    const genuine = readFileSync(headsFile, 'utf8');
    const heads = JSON.parse(genuine) as Record<string, { receipt: string }>;
    const cid = (await readEnvelopeHeader(randomAccessOf(v2))).policy.cid;
    const [h, p, sig] = heads[cid]!.receipt.split('.');
    heads[cid]!.receipt = `${h}.${p}.${sig![0] === 'A' ? 'B' : 'A'}${sig!.slice(1)}`;
    const swap = (text: string) => {
      writeFileSync(`${headsFile}.tmp`, text);
      renameSync(`${headsFile}.tmp`, headsFile);
    };
    swap(JSON.stringify(heads));
    try {
      const bad = await until(
        () => freshBob(['cat', 'journal.txt.protected']),
        (r) => r.code !== 0,
        'answer the altered head',
      );
      assert.equal(bad.code, 4, bad.stderr);
      assert.match(bad.stderr, /\[E_WITNESS_INVALID\]/);
    } finally {
      swap(genuine);
    }
    assert.equal(existsSync(join(bob.home, 'versions.json')) ? remembered() : undefined, undefined, 'nothing remembered');
    assert.doesNotMatch(inspect(), /^Older:/m);

    // The genuine head: the open says it, and memory keeps what the receipt proves, for this file's line.
    const read = await until(
      () => freshBob(['cat', 'journal.txt.protected']),
      (r) => r.code === 0,
      'answer the genuine head again',
    );
    assert.match(read.stderr, /older version of its access policy than the newest your organisation's witness holds \(version 3\)/);
    const proved = await verifyWitnessReceipt(JSON.parse(genuine)[cid].receipt as string, [orgKey]);
    assert.deepEqual(remembered(), { [line]: { ver: 3, pd: proved.pd, iat: proved.issuedAt.getTime() / 1000 } });
    // From memory alone now: inspect (text and JSON), and a save refused before the key service is asked.
    assert.match(inspect(), olderLine);
    assert.deepEqual(JSON.parse(ok(bob, ['inspect', 'journal.txt.protected', '--json']).stdout).rollback, { seen: 3, by: 'organisation' });
    const me = (await readHomeIdentity(bob.home))!;
    const session = sessionIn(
      openWorkspace(ws),
      me,
      { append: async () => undefined },
      undefined,
      { home: bob.home },
      httpKeyServiceClient({ tokens: { token: () => assert.fail('no token asked') } }),
    );
    const from = proxy.seen().length;
    await assert.rejects(save(session, 'journal.txt.protected', new TextEncoder().encode('typed into an old copy\n')), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'E_ROLLBACK', e.message);
      return true;
    });
    assert.deepEqual(proxy.seen().slice(from), [], 'refused before any request');
    assert.deepEqual(readFileSync(journal), v2, 'nothing written');
    // The current version is not older for that memory.
    writeFileSync(journal, v3);
    assert.doesNotMatch(inspect(), /^Older:/m);

    // The administrator removes the line's head: the next decrypt answers none, and Bob's memory forgets it.
    writeFileSync(journal, v2);
    const removed = service.cli(['witness', '--line', cid, '--remove', '--yes']);
    assert.equal(removed.code, 0, removed.stderr);
    const after = await until(
      () => ok(bob, ['cat', 'journal.txt.protected']),
      (r) => !/older version/.test(r.stderr),
      'stop answering the head',
    );
    assert.doesNotMatch(after.stderr, /older version/);
    assert.equal(remembered(), undefined, 'the kept head is forgotten');
    assert.doesNotMatch(inspect(), /^Older:/m);
    // Alice's next access change registers afresh (version 4); Bob's next open of the old copy keeps that head.
    writeFileSync(journal, v3);
    ok(alice, ['expiry', 'journal.txt.protected', '30d']);
    writeFileSync(journal, v2);
    ok(bob, ['cat', 'journal.txt.protected']);
    assert.equal(Object.values(remembered() ?? {}).length, 1);
    assert.match(inspect(), /^Older: +this is policy version 2, but your organisation's witness holds version 4/m);
  });

  test('the cost, counted at the key service: one registration per access change, nothing per open beyond the Double Key decrypt', () => {
    /** The requests `args` made to the key service, each as "METHOD /first-segment" (and "/…" for the rest of the path). */
    const requests = (p: Person, args: readonly string[]) => {
      const from = proxy.seen().length;
      ok(p, args);
      return proxy
        .seen()
        .slice(from)
        .map((r) => r.replace(/^(\w+ \/[^/]+)\/.+$/, '$1/…'));
    };
    writeFileSync(join(ws, 'budget.txt'), 'the budget\n');
    const cost: Record<string, string[]> = {
      protect: requests(alice, ['protect', 'budget.txt', '--label', 'finance']),
      grant: requests(alice, ['grant', 'budget.txt.protected', 'bob@example.com=Viewer']),
      open: requests(bob, ['cat', 'budget.txt.protected']),
      revoke: requests(alice, ['revoke', 'budget.txt.protected', 'bob@example.com']),
      'open, not Double Key': requests(bob, ['cat', 'plan.txt.protected']),
    };
    console.log(`key service requests per command (Double Key label): ${JSON.stringify(cost)}`);
    // The witness: one POST /witness per access change. The rest is Double Key's own (the public key once per
    // command that seals a new organisation secret, a decrypt to re-encrypt the body) and the directory (grant by email).
    assert.deepEqual(cost, {
      protect: ['GET /finance', 'POST /witness'],
      grant: ['GET /directory/…', 'POST /finance/…', 'POST /witness'],
      open: ['POST /finance/…'],
      revoke: ['POST /finance/…', 'GET /finance', 'POST /witness'],
      'open, not Double Key': [],
    });
  });

  test('the witness unreachable: an access change fails with E_KEYSERVICE_UNREACHABLE and writes nothing', async () => {
    await proxy.stop();
    await service.stop();
    const before = readFileSync(file);
    const expiry = alice.run(['expiry', 'plan.txt.protected', '30d']);
    assert.equal(expiry.code, 1, expiry.stderr);
    assert.match(expiry.stderr, /the organisation's witness at .* cannot be reached.*\[E_KEYSERVICE_UNREACHABLE\]/);
    assert.deepEqual(readFileSync(file), before, 'the file on disk is unchanged');
    writeFileSync(join(ws, 'new.txt'), 'new\n');
    const protect = alice.run(['protect', 'new.txt']);
    assert.equal(protect.code, 1, protect.stderr);
    assert.match(protect.stderr, /\[E_KEYSERVICE_UNREACHABLE\]/);
    assert.ok(!existsSync(join(ws, 'new.txt.protected')) && existsSync(join(ws, 'new.txt')), 'nothing protected, the plain file kept');
    // Offline, Bob's memory still knows the journal on disk (version 2) is an older copy: the organisation's head kept.
    const offline = bob.run(['inspect', 'journal.txt.protected']);
    assert.equal(offline.code, 0, offline.stderr);
    assert.match(offline.stdout, /^Older: +this is policy version 2, but your organisation's witness holds version 4/m);
  });
});
