/**
 * The key service against real servers: a SoftHSM2 token, the oidc-provider test IdP, and
 * `sensitivity key-service serve` as its own process (test/support). Protocol shapes, every error
 * status, live revocation by config edit, rotation and retirement, the access log, the directory.
 */
import assert from 'node:assert/strict';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { createIdentity, publicIdentity, verifyCertificate } from '../../../src/core/index.js';
import { startIdp, type TestIdp } from '../../support/idp.js';
import { sealTo, startKeyService, type PublicKeyResponse, type TestKeyService } from '../../support/key-service.js';
import { writeLockRecord } from '../disk/helpers.js';

const BINDING = 'sensitivity-dke/1';
const label = (contentId: string, labelId: string) => Buffer.concat([Buffer.from(`${BINDING}\0${contentId}\0`), Buffer.from(labelId)]);

async function call(url: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Polls `f` until it returns true; fails after `ms` (config edits take effect within about a second). */
async function eventually(f: () => Promise<boolean>, ms = 10_000): Promise<number> {
  const start = Date.now();
  while (!(await f())) {
    if (Date.now() - start > ms) assert.fail(`not within ${ms} ms`);
    await sleep(100);
  }
  return Date.now() - start;
}

describe('key service', { timeout: 180_000 }, () => {
  let idp: TestIdp;
  let ks: TestKeyService;
  let bob: string;
  let alice: string;
  let admin: string;
  let pub: PublicKeyResponse;
  const KEY = 'Engineering';
  const policy = { [KEY]: { allow: { groups: ['engineering'], emails: ['admin@example.com'] } } };

  before(async () => {
    idp = await startIdp();
    ks = await startKeyService({ idp, keys: policy });
    [bob, alice, admin] = (await Promise.all(['bob@example.com', 'alice@example.com', 'admin@example.com'].map((u) => idp.tokenFor(u)))) as [
      string,
      string,
      string,
    ];
    pub = (await call(`${ks.url}/${KEY}`)).json as unknown as PublicKeyResponse;
  });
  after(async () => {
    await ks?.stop();
    await idp?.stop();
  });

  const decryptUrl = (keyId = pub.key.kid.split('/').at(-1)!) => `${ks.url}/${KEY}/${keyId}/decrypt`;
  const body = (secret: Buffer, contentId = 'c-1', labelId = 'confidential') => ({
    alg: 'RSA-OAEP-256',
    value: sealTo(pub, secret, label(contentId, labelId)),
    contentId,
    label: labelId,
  });

  it('GET /{keyName} answers in the DKE shape: an RSA 3072 key whose kid names the service, key and thumbprint', async () => {
    const { status, json } = await call(`${ks.url}/${KEY}`);
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(json).sort(), ['cache', 'key']);
    const { key, cache } = json as unknown as PublicKeyResponse;
    assert.deepEqual(Object.keys(key).sort(), ['alg', 'e', 'kid', 'kty', 'n']);
    assert.equal(key.kty, 'RSA');
    assert.equal(key.e, 65537);
    assert.equal(key.alg, 'RS256');
    assert.match(key.n, /^[A-Za-z0-9+/]+=*$/, 'standard base64, as the reference service sends');
    assert.equal(Buffer.from(key.n, 'base64').length, 384);
    const thumbprint = await calculateJwkThumbprint({ kty: 'RSA', e: 'AQAB', n: Buffer.from(key.n, 'base64').toString('base64url') } as JWK);
    assert.equal(key.kid, `${ks.url}/${KEY}/${thumbprint}`);
    assert.match(cache.exp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/, 'the reference service’s format: UTC to the second, no zone');
    assert.ok(Date.parse(`${cache.exp}Z`) > Date.now() + 3600_000, 'cacheable for the configured time (a day by default)');
  });

  it('POST …/decrypt gives back the secret to an authorised caller, bound to its content id and label', async () => {
    const secret = Buffer.from('a 32-byte organisation secret!!!');
    const r = await call(decryptUrl(), { token: bob, body: body(secret) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(Object.keys(r.json), ['value']);
    assert.equal(Buffer.from(r.json.value as string, 'base64').toString(), secret.toString());
    // Plain DKE (no content id, no label): the empty OAEP label.
    const plain = await call(decryptUrl(), { token: admin, body: { alg: 'RSA-OAEP-256', value: sealTo(pub, secret) } });
    assert.equal(plain.status, 200, JSON.stringify(plain.json));
    assert.equal(Buffer.from(plain.json.value as string, 'base64').toString(), secret.toString());
  });

  it('answers 401, 403, 404 and 400 with stable codes', async () => {
    const ok = body(Buffer.from('s'));
    const cases: [string, Promise<{ status: number; json: Record<string, unknown> }>, number, string][] = [
      ['no token', call(decryptUrl(), { body: ok }), 401, 'E_TOKEN_MISSING'],
      ['garbage token', call(decryptUrl(), { token: 'abc.def.ghi', body: ok }), 401, 'E_TOKEN_INVALID'],
      [
        'token for another audience',
        idp.tokenFor('bob@example.com', 'urn:other').then((t) => call(decryptUrl(), { token: t, body: ok })),
        401,
        'E_TOKEN_INVALID',
      ],
      ['caller not admitted', call(decryptUrl(), { token: alice, body: ok }), 403, 'E_NOT_AUTHORISED'],
      ['unknown key', call(`${ks.url}/Nope/x/decrypt`, { token: bob, body: ok }), 404, 'E_KEY_UNKNOWN'],
      ['unknown key (GET)', call(`${ks.url}/Nope`), 404, 'E_KEY_UNKNOWN'],
      ['unknown version', call(decryptUrl('A'.repeat(43)), { token: bob, body: ok }), 404, 'E_KEY_VERSION_UNKNOWN'],
      ['not JSON', call(decryptUrl(), { token: bob, body: '{' }), 400, 'E_BAD_REQUEST'],
      ['wrong alg', call(decryptUrl(), { token: bob, body: { ...ok, alg: 'RSA1_5' } }), 400, 'E_UNSUPPORTED_ALG'],
      ['value not base64', call(decryptUrl(), { token: bob, body: { ...ok, value: '%%%' } }), 400, 'E_BAD_REQUEST'],
      ['label without content id', call(decryptUrl(), { token: bob, body: { alg: ok.alg, value: ok.value, label: 'x' } }), 400, 'E_BAD_REQUEST'],
      ['a content id other than the sealed one', call(decryptUrl(), { token: bob, body: { ...ok, contentId: 'c-2' } }), 400, 'E_DECRYPT'],
      ['no content id for a bound secret', call(decryptUrl(), { token: bob, body: { alg: ok.alg, value: ok.value } }), 400, 'E_DECRYPT'],
      ['a damaged value', call(decryptUrl(), { token: bob, body: { ...ok, value: Buffer.alloc(384, 7).toString('base64') } }), 400, 'E_DECRYPT'],
      ['wrong method', call(`${ks.url}/${KEY}`, { method: 'DELETE' }), 405, 'E_METHOD'],
      ['too large', call(decryptUrl(), { token: bob, body: { ...ok, value: 'A'.repeat(70_000) } }), 413, 'E_TOO_LARGE'],
    ];
    for (const [what, p, status, code] of cases) {
      const r = await p;
      assert.equal(r.status, status, `${what}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.code, code, what);
      assert.equal(typeof r.json.reason, 'string', what);
    }
  });

  it('revocations by person, content id and label take effect within seconds of a config edit, with no restart', async (t) => {
    const secret = Buffer.from('revocable');
    const base = ks.config();
    const revokeWith = async (revoked: Record<string, string[]>, b = body(secret)) => {
      ks.writeConfig({ ...base, keys: { [KEY]: { ...policy[KEY], revoked } } });
      const ms = await eventually(async () => (await call(decryptUrl(), { token: bob, body: b })).json.code === 'E_REVOKED');
      ks.writeConfig(base);
      await eventually(async () => (await call(decryptUrl(), { token: bob, body: b })).status === 200);
      return ms;
    };
    const times = [
      await revokeWith({ people: ['bob@example.com'] }),
      await revokeWith({ contentIds: ['c-9'] }, body(secret, 'c-9')),
      await revokeWith({ labels: ['secret'] }, body(secret, 'c-3', 'secret')),
    ];
    t.diagnostic(`config edit to first refusal: ${times.join(', ')} ms (person, content id, label)`);
    for (const ms of times) assert.ok(ms < 10_000);
    // A broken config is refused: the last good one (which revokes Bob) stays in force.
    ks.writeConfig({ ...base, revoked: { people: ['bob@example.com'] } });
    await eventually(async () => (await call(decryptUrl(), { token: bob, body: body(secret) })).json.code === 'E_REVOKED');
    writeFileSync(ks.configFile, '{ "not": json');
    await eventually(async () => /config not reloaded, keeping the last good one/.test(ks.stderr()));
    assert.equal((await call(decryptUrl(), { token: bob, body: body(secret) })).json.code, 'E_REVOKED');
    ks.writeConfig(base);
    await eventually(async () => (await call(decryptUrl(), { token: bob, body: body(secret) })).status === 200);
  });

  it('rotation: GET gives the new version, the old one still decrypts until retired; retiring needs a confirmation', async () => {
    const old = pub;
    const sealedOld = body(Buffer.from('sealed under v1'));
    const rotated = ks.cli(['key', 'rotate', KEY]);
    assert.equal(rotated.code, 0, rotated.stderr);
    let fresh: PublicKeyResponse | undefined;
    await eventually(async () => {
      fresh = (await call(`${ks.url}/${KEY}`)).json as unknown as PublicKeyResponse;
      return fresh.key.kid !== old.key.kid;
    });
    const oldId = old.key.kid.split('/').at(-1)!;
    assert.equal((await call(decryptUrl(oldId), { token: bob, body: sealedOld })).status, 200);
    const refused = ks.cli(['key', 'retire', KEY, '1']);
    assert.equal(refused.code, 2, 'no terminal and no --yes: refused');
    assert.match(refused.stderr, /--yes/);
    assert.equal((await call(decryptUrl(oldId), { token: bob, body: sealedOld })).status, 200);
    const retired = ks.cli(['key', 'retire', KEY, '1', '--yes']);
    assert.equal(retired.code, 0, retired.stderr);
    const r = await call(decryptUrl(oldId), { token: admin, body: sealedOld });
    assert.equal(r.status, 404);
    assert.equal(r.json.code, 'E_KEY_RETIRED');
    const list = ks.cli(['key', 'list', KEY, '--json']);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { version: number; retired: boolean }[]).map((v) => [v.version, v.retired]),
      [
        [1, true],
        [2, false],
      ],
    );
    pub = fresh!;
    assert.equal((await call(decryptUrl(), { token: bob, body: body(Buffer.from('v2')) })).status, 200);
  });

  it('the access log has one chained line per decrypt request, verifies, and detects an edit', async () => {
    const lines = readFileSync(ks.logFile, 'utf8').trim().split('\n');
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const allowed = entries.find((e) => e.action === 'key.decrypt' && e.decision === 'allow' && e.contentId === 'c-1');
    assert.ok(allowed);
    assert.equal((allowed.actor as { email: string }).email, 'bob@example.com');
    assert.equal(allowed.keyName, KEY);
    assert.equal(allowed.label, 'confidential');
    assert.equal(allowed.client, '127.0.0.1');
    const denied = entries.find((e) => e.decision === 'deny' && e.code === 'E_REVOKED');
    assert.ok(denied, 'denials are logged with their code');
    assert.ok(entries.some((e) => e.decision === 'deny' && e.code === 'E_TOKEN_MISSING' && e.actor === null));
    assert.ok(!lines.some((l) => l.includes('a 32-byte organisation secret')), 'never a secret');
    const verified = ks.cli(['log', '--verify', ks.logFile]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, new RegExp(`${lines.length} entries, chain intact`));
    const i = lines.indexOf(JSON.stringify(allowed));
    lines[i] = lines[i]!.replace('"allow"', '"deny"');
    writeFileSync(`${ks.logFile}.edited`, lines.join('\n') + '\n');
    const broken = ks.cli(['log', '--verify', `${ks.logFile}.edited`]);
    assert.equal(broken.code, 4);
    assert.match(broken.stderr, new RegExp(`broken at line ${i + 1}`));
  });

  it('group commit: requests that wait for the log are answered only once their lines are on disk, written together, one chain', async () => {
    // Another writer (a live process: this one) holds the log's lock: the service must wait, and answer nothing meanwhile.
    writeLockRecord(`${ks.logFile}.lock`, process.pid);
    const ids = Array.from({ length: 6 }, (_, i) => `gc-${i}`);
    let answered = 0;
    const pending = ids.map((id) =>
      call(decryptUrl(), { token: bob, body: body(Buffer.from(id), id) }).then((r) => {
        answered++;
        // Its line is on disk by the time its answer arrives.
        assert.ok(readFileSync(ks.logFile, 'utf8').includes(`"contentId":"${id}"`), `no line for ${id} when it was answered`);
        return r;
      }),
    );
    try {
      await sleep(2000); // every request has been decrypted and waits for its line
      assert.equal(answered, 0, 'a decrypt was answered before its line was written');
    } finally {
      rmSync(`${ks.logFile}.lock`);
    }
    for (const [i, r] of (await Promise.all(pending)).entries()) assert.deepEqual([r.status, r.json.value], [200, Buffer.from(ids[i]!).toString('base64')]);
    const entries = readFileSync(ks.logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; ts: string; contentId?: string });
    const ours = entries.filter((e) => ids.includes(e.contentId ?? ''));
    assert.deepEqual(ours.map((e) => e.contentId).sort(), ids, 'one line each');
    assert.equal(new Set(ours.map((e) => e.ts)).size, 1, 'taken together once the lock was free: one write');
    assert.deepEqual(
      ours.map((e) => e.seq),
      ours.map((_, i) => ours[0]!.seq + i),
    );
    const v = ks.cli(['log', '--verify', ks.logFile]);
    assert.equal(v.code, 0, v.stderr);
  });

  it('a log that cannot be written fails every waiting request closed (503 E_LOG_FAILED, no value), and serving resumes once it is repaired', async () => {
    const good = readFileSync(ks.logFile, 'utf8');
    const refusedAll = async (why: string) => {
      const rs = await Promise.all(['lf-1', 'lf-2', 'lf-3', 'lf-4'].map((id) => call(decryptUrl(), { token: bob, body: body(Buffer.from(id), id) })));
      for (const r of rs) assert.deepEqual([r.status, r.json.code, r.json.value], [503, 'E_LOG_FAILED', undefined], why);
    };
    try {
      writeFileSync(ks.logFile, `${good}   \n`); // a blank last line: refused before the batch is taken
      await refusedAll('blank last line');
      writeFileSync(ks.logFile, `${good}{"not":"an entry"}\n`); // not an entry: refused once the batch is taken
      await refusedAll('last line not an entry');
    } finally {
      writeFileSync(ks.logFile, good);
    }
    assert.equal((await call(decryptUrl(), { token: bob, body: body(Buffer.from('after repair'), 'lf-5') })).status, 200);
    assert.ok(!readFileSync(ks.logFile, 'utf8').includes('"contentId":"lf-1"'), 'nothing of the refused requests was written');
    const v = ks.cli(['log', '--verify', ks.logFile]);
    assert.equal(v.code, 0, v.stderr);
  });

  it('the directory certifies a signed-in person’s own identity and serves the certificate', async () => {
    const keys = (await call(`${ks.url}/directory`)).json.keys as (JWK & { fingerprint: string })[];
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.alg, 'ES256');
    assert.match(keys[0]!.fingerprint, /^\d{5}( \d{5}){5}$/);
    const bobId = publicIdentity(await createIdentity('Bob Example', 'bob@example.com'));
    const aliceId = publicIdentity(await createIdentity('Alice Example', 'alice@example.com'));
    const r = await call(`${ks.url}/directory`, { token: bob, body: { identity: bobId } });
    assert.equal(r.status, 200, JSON.stringify(r.json) + ks.stderr());
    const v = await verifyCertificate(r.json.certificate as string, keys, { now: new Date(), issuer: ks.url, email: 'bob@example.com' });
    assert.deepEqual(v.identity, bobId);
    const notHis = await call(`${ks.url}/directory`, { token: bob, body: { identity: aliceId } });
    assert.equal(notHis.status, 403);
    assert.equal(notHis.json.code, 'E_NOT_AUTHORISED');
    assert.equal((await call(`${ks.url}/directory`, { token: bob, body: { identity: { ...bobId, id: 'x' } } })).json.code, 'E_BAD_REQUEST');
    assert.equal((await call(`${ks.url}/directory`, { body: { identity: bobId } })).json.code, 'E_TOKEN_MISSING');
    const got = await call(`${ks.url}/directory/bob@example.com`);
    assert.equal(got.status, 200);
    assert.equal(got.json.certificate, r.json.certificate);
    assert.equal((await call(`${ks.url}/directory/carol@example.com`)).status, 404);
  });

  it('log rotation (file mode): the new file continues the chain of the old one, and both verify as one', async () => {
    const rotated = `${ks.logFile}.1`;
    renameSync(ks.logFile, rotated);
    assert.equal((await call(decryptUrl(), { token: bob, body: body(Buffer.from('after rotation')) })).status, 200);
    const oldLines = readFileSync(rotated, 'utf8').trim().split('\n');
    const first = JSON.parse(readFileSync(ks.logFile, 'utf8').split('\n')[0]!) as { seq: number };
    assert.equal(first.seq, (JSON.parse(oldLines.at(-1)!) as { seq: number }).seq + 1, 'not a new chain at seq 1');
    const v = ks.cli(['log', '--verify', rotated, ks.logFile]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, new RegExp(`${oldLines.length + 1} entries, chain intact`));
  });
});
