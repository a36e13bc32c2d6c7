/**
 * nginx fails over on a replica's token fault (docs/KEY-SERVICE.md, "When the token fails", "Operations"):
 * two replicas behind Debian's nginx with the docs' configuration (test/support/nginx.ts), each with its own
 * copy of one SoftHSM2 token (the same keys, as two HSMs of one cluster). Replica A's token storage vanishes:
 * A answers 503 E_HSM_UNAVAILABLE, nginx moves every request to B (`proxy_next_upstream … http_503`), and no
 * client sees a failure; when the storage is back, A serves again without a restart.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startIdp, type TestIdp } from '../../support/idp.js';
import { freePort, sealTo, startKeyService, type PublicKeyResponse, type TestKeyService } from '../../support/key-service.js';
import { hasNginx, startNginx, type TestNginx } from '../../support/nginx.js';
import type { SoftHsm } from '../../support/softhsm.js';

const KEY = 'Finance';

/** A second token folder with the same objects (SoftHSM2's file store copied), under its own SOFTHSM2_CONF. */
function copyToken(hsm: SoftHsm): SoftHsm {
  const dir = mkdtempSync(join(tmpdir(), 'softhsm-copy-'));
  cpSync(join(hsm.dir, 'tokens'), join(dir, 'tokens'), { recursive: true });
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  return { ...hsm, dir, env: { ...hsm.env, SOFTHSM2_CONF: conf }, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('key service: nginx fails over when a replica’s token fails', { timeout: 180_000, skip: !hasNginx() && 'nginx is not installed' }, () => {
  let idp: TestIdp;
  let a: TestKeyService;
  let b: TestKeyService;
  let hsmB: SoftHsm;
  let nginx: TestNginx;
  let token: string;
  let pub: PublicKeyResponse;

  before(async () => {
    idp = await startIdp();
    const lbPort = await freePort();
    const baseUrl = `http://127.0.0.1:${lbPort}`;
    const keys = { [KEY]: { allow: { groups: ['finance'] } } };
    a = await startKeyService({ idp, keys, baseUrl, directory: false });
    hsmB = copyToken(a.hsm);
    b = await startKeyService({ idp, keys, baseUrl, directory: false, hsm: hsmB, dir: a.dir });
    nginx = await startNginx(join(a.dir, 'nginx'), lbPort, [a.port, b.port]);
    token = await idp.tokenFor('alice@example.com');
    pub = (await (await fetch(`${nginx.url}/${KEY}`)).json()) as PublicKeyResponse;
  });
  after(async () => {
    await nginx?.stop();
    await b?.stop();
    await a?.stop();
    hsmB?.dispose();
    await idp?.stop();
  });

  const decrypt = async (base: string) => {
    const r = await fetch(`${base}/${KEY}/${pub.key.kid.split('/').at(-1)!}/decrypt`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ alg: 'RSA-OAEP-256', value: sealTo(pub, Buffer.alloc(32, 4)) }),
    });
    return { status: r.status, code: ((await r.json().catch(() => ({}))) as { code?: string }).code };
  };

  it('A’s token gone: A says 503, every request through nginx is answered by B; A recovers by itself', async () => {
    const tokens = join(a.hsm.dir, 'tokens');
    renameSync(tokens, `${tokens}.away`);
    try {
      // Until A has noticed (its listing is reused for up to a second), it may still answer; then 503.
      for (let start = Date.now(); (await decrypt(a.url)).status !== 503; await sleep(100)) {
        assert.ok(Date.now() - start < 10_000, 'replica A did not report its token fault within 10 s');
      }
      const answers = await Promise.all(Array.from({ length: 24 }, () => decrypt(nginx.url)));
      assert.deepEqual(
        answers.filter((x) => x.status !== 200),
        [],
        'no client sees the fault',
      );
    } finally {
      renameSync(`${tokens}.away`, tokens);
    }
    for (let start = Date.now(); (await decrypt(a.url)).status !== 200; await sleep(100)) {
      assert.ok(Date.now() - start < 10_000, 'replica A did not recover within 10 s');
    }
    assert.equal(a.process.exitCode, null);
  });
});
