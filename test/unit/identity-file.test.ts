/** The passphrase-protected identity file: round trip, wrong passphrase, malformed input, and python3-jwcrypto interop. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { base64url, CompactEncrypt, decodeProtectedHeader } from 'jose';
import { isSensitivityError, type ErrorCode } from '../../src/core/errors.js';
import { createIdentity, type Identity } from '../../src/core/identity.js';
import { exportIdentity, IDENTITY_FILE_CTY, importIdentity, PBES2_ITERATIONS } from '../../src/core/identity-file.js';
import { MIN_PASSPHRASE_BITS, passphraseBits } from '../../src/core/passphrase.js';

const PASS = 'correct horse battery staple';
const PYTHON = '/usr/bin/python3';

async function rejectsCode(p: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isSensitivityError(e, code), `expected ${code}, got ${String(e)}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** A JWE like ours, with header fields and payload of the test's choosing (to reach the checks after the header). */
async function craft(payload: string, header: Record<string, unknown> = {}, p2c = PBES2_ITERATIONS, pass = PASS): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(payload))
    .setProtectedHeader({ alg: 'PBES2-HS512+A256KW', enc: 'A256GCM', cty: IDENTITY_FILE_CTY, ...header })
    .setKeyManagementParameters({ p2c })
    .encrypt(new TextEncoder().encode(pass));
}

const hasJwcrypto = () => spawnSync(PYTHON, ['-c', 'import jwcrypto'], { encoding: 'utf8' }).status === 0;

let alice: Identity;
let file: string;

before(async () => {
  alice = await createIdentity('Alice', 'alice@example.com');
  file = await exportIdentity(alice, PASS);
});

describe('identity file', () => {
  it('round-trips: import gives back the same identity', async () => {
    assert.deepEqual(await importIdentity(file, PASS), alice);
    assert.deepEqual(await importIdentity(`\n  ${file}\n`, PASS), alice, 'surrounding whitespace is ignored');
  });

  it('is one compact JWE: PBES2-HS512+A256KW, A256GCM, our cty, p2c 600000 and a 16-byte salt, nothing readable', () => {
    assert.equal(file.split('.').length, 5);
    const h = decodeProtectedHeader(file);
    assert.equal(h.alg, 'PBES2-HS512+A256KW');
    assert.equal(h.enc, 'A256GCM');
    assert.equal(h.cty, IDENTITY_FILE_CTY);
    assert.equal(h.p2c, 600_000);
    assert.ok(PBES2_ITERATIONS >= 600_000);
    assert.equal(base64url.decode(String(h.p2s)).length, 16);
    for (const secret of [alice.sigPrivate.d, alice.encPrivate.d, alice.email, alice.name]) assert.ok(!file.includes(secret));
  });

  it('two exports differ (fresh salt, key and IV) and both import', async () => {
    const again = await exportIdentity(alice, PASS);
    assert.notEqual(again, file);
    assert.equal((await importIdentity(again, PASS)).id, alice.id);
  });

  it('the same passphrase in another Unicode normalization opens it (NFC)', async () => {
    const composed = 'pässphrase-\u00e9t\u00e9';
    const decomposed = composed.normalize('NFD');
    assert.notEqual(composed, decomposed);
    const f = await exportIdentity(alice, composed);
    assert.equal((await importIdentity(f, decomposed)).id, alice.id);
  });

  it('a wrong passphrase is E_PASSPHRASE', async () => {
    await rejectsCode(importIdentity(file, 'correct horse battery stapler'), 'E_PASSPHRASE', /wrong passphrase/);
  });

  it('an altered ciphertext or tag is E_PASSPHRASE (AES-KW and GCM cannot tell it from a wrong passphrase)', async () => {
    const parts = file.split('.');
    const flip = (s: string) => base64url.encode(base64url.decode(s).map((b, i) => (i === 0 ? b ^ 1 : b)));
    for (const i of [1, 3, 4]) {
      const edited = parts.map((p, j) => (j === i ? flip(p) : p)).join('.');
      await rejectsCode(importIdentity(edited, PASS), 'E_PASSPHRASE');
    }
  });

  it('refuses a short or guessable passphrase on export (E_USAGE) and an empty one on import', async () => {
    for (const weak of ['short', '12345678', '1234567890123', 'password2024!', 'Password!2024', 'aaaaaaaaaaaaaaaa', 'qwertyuiop12']) {
      await rejectsCode(exportIdentity(alice, weak), 'E_USAGE', /too easy to guess/);
    }
    for (const strong of ['correct horse battery', 'kT9#mPx2$wLq']) assert.ok(passphraseBits(strong) >= MIN_PASSPHRASE_BITS, strong);
    await rejectsCode(importIdentity(file, ''), 'E_USAGE');
  });

  it('refuses to export an identity that would not import', async () => {
    await rejectsCode(exportIdentity({ ...alice, sigPrivate: { ...alice.sigPrivate, d: alice.encPrivate.d } }, PASS), 'E_IDENTITY_INVALID');
  });

  const malformed: [string, () => Promise<string>, RegExp][] = [
    ['an empty file', async () => '', /not a compact JWE/],
    ['a JSON identity instead of a JWE', async () => JSON.stringify(alice).slice(0, 50), /not a compact JWE/],
    ['a compact JWS (three segments)', async () => file.split('.').slice(0, 3).join('.'), /not a compact JWE/],
    ['a header that is not JSON', async () => ['bm90IGpzb24', ...file.split('.').slice(1)].join('.'), /unreadable header/],
    ['another content type', () => craft('{}', { cty: 'JWT' }), /content type "JWT"/],
    ['a p2c below 600000', () => craft('{}', {}, 1000), /PBES2 count 1000 outside/],
    [
      'an absurd p2c (would hang the importer)',
      async () => {
        const [h, ...rest] = file.split('.');
        const header = { ...JSON.parse(new TextDecoder().decode(base64url.decode(h!))), p2c: 2 ** 31 };
        return [base64url.encode(JSON.stringify(header)), ...rest].join('.');
      },
      /PBES2 count 2147483648 outside/,
    ],
    ['a payload that is not JSON', () => craft('not json'), /the content is not JSON/],
    [
      'a payload that is a public identity only',
      async () => craft(JSON.stringify({ ...alice, sigPrivate: undefined, encPrivate: undefined })),
      /\/sigPrivate: is required/,
    ],
  ];
  for (const [name, make, message] of malformed) {
    it(`refuses ${name} (E_IDENTITY_INVALID)`, { timeout: 30_000 }, async () => {
      await rejectsCode(importIdentity(await make(), PASS), 'E_IDENTITY_INVALID', message);
    });
  }

  it('another algorithm is refused before any key derivation', async () => {
    const dir = await new CompactEncrypt(new TextEncoder().encode('{}'))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: IDENTITY_FILE_CTY })
      .encrypt(new Uint8Array(32));
    await rejectsCode(importIdentity(dir, PASS), 'E_IDENTITY_INVALID', /algorithms dir\/A256GCM/);
  });
});

describe('identity file: interoperability with python3-jwcrypto', () => {
  it(
    'jwcrypto decrypts our file with the passphrase; a file jwcrypto 1.1 writes (p2c fixed at 8192) is refused as too weak',
    { timeout: 60_000 },
    async (t) => {
      if (!hasJwcrypto()) return t.skip('python3-jwcrypto is not installed (.ci/run installs it)');
      const script = `
import json, sys
from jwcrypto import jwe, jwk
from jwcrypto.common import json_encode
data = json.load(sys.stdin)
key = jwk.JWK.from_password(data['pass'])
token = jwe.JWE()
token.deserialize(data['file'], key=key)
ident = json.loads(token.payload)
out = jwe.JWE(json.dumps(ident).encode(), json_encode({'alg': 'PBES2-HS512+A256KW', 'enc': 'A256GCM', 'cty': data['cty']}))
out.add_recipient(key)
print(json.dumps({'id': ident['id'], 'd': ident['sigPrivate']['d'], 'file': out.serialize(compact=True)}))
`;
      const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify({ pass: PASS, file, cty: IDENTITY_FILE_CTY }), encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { id: string; d: string; file: string };
      assert.equal(out.id, alice.id);
      assert.equal(out.d, alice.sigPrivate.d);
      await rejectsCode(importIdentity(out.file, PASS), 'E_IDENTITY_INVALID', /PBES2 count 8192 outside 600000/);
    },
  );
});
