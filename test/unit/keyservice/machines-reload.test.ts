/**
 * `oidc.serviceAccounts` is a live setting (issue 21; docs/KEY-SERVICE.md, "Machines", "Config reference"): a
 * running `key-service serve` admits a machine within seconds of the config naming its subject, and refuses it
 * again within seconds of the name being removed — even though it had remembered the machine's token — with
 * no restart and no "takes effect after a restart" on stderr.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MACHINE_CLIENT_ID, MACHINE_CLIENT_SECRET, startIdp } from '../../support/idp.js';
import { sealTo, startKeyService, type PublicKeyResponse } from '../../support/key-service.js';

const KEY = 'Finance';

test('service accounts added and removed in the config take effect without a restart', { timeout: 120_000 }, async () => {
  const idp = await startIdp();
  try {
    const ks = await startKeyService({ idp, keys: { [KEY]: { allow: { groups: ['finance'], serviceAccounts: ['deploy-bot'] } } }, directory: false });
    try {
      const res = await fetch(`${idp.issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${MACHINE_CLIENT_ID}:${MACHINE_CLIENT_SECRET}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: idp.audience }),
      });
      const machine = ((await res.json()) as { access_token: string }).access_token;
      const pub = (await (await fetch(`${ks.url}/${KEY}`)).json()) as PublicKeyResponse;
      const body = JSON.stringify({ alg: 'RSA-OAEP-256', value: sealTo(pub, Buffer.alloc(32, 3)) });
      const decrypt = async () => {
        const r = await fetch(`${ks.url}/${KEY}/${pub.key.kid.split('/').at(-1)!}/decrypt`, {
          method: 'POST',
          headers: { authorization: `Bearer ${machine}` },
          body,
        });
        return `${r.status} ${((await r.json()) as { code?: string }).code ?? ''}`.trim();
      };
      const until = async (want: string) => {
        let got = await decrypt();
        for (const end = Date.now() + 10_000; got !== want && Date.now() < end; await sleep(200)) got = await decrypt();
        return got;
      };
      const pid = ks.process.pid;
      const config = ks.config();
      const oidc = config.oidc as Record<string, unknown>;

      assert.equal(await decrypt(), '401 E_TOKEN_INVALID', 'a machine the config does not name');
      ks.writeConfig({ ...config, oidc: { ...oidc, serviceAccounts: { 'deploy-bot': MACHINE_CLIENT_ID } } });
      assert.equal(await until('200'), '200', 'named in the config: admitted without a restart');
      ks.writeConfig({ ...config, oidc: { ...oidc, serviceAccounts: {} } });
      assert.equal(await until('401 E_TOKEN_INVALID'), '401 E_TOKEN_INVALID', 'removed from the config: refused again, its remembered token forgotten');

      assert.equal(ks.process.pid, pid);
      assert.equal(ks.process.exitCode, null);
      assert.match(ks.stderr(), /config reloaded/);
      assert.doesNotMatch(ks.stderr(), /take effect after a restart/);
    } finally {
      await ks.stop();
    }
  } finally {
    await idp.stop();
  }
});
