/** Detectors one by one: true positives, near misses, positions, masking, custom types, binary sniffing. */
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SensitivityError } from '../../src/core/errors.js';
import {
  BUILTIN_TYPES,
  createScanner,
  decodeText,
  detectionProblems,
  EMAIL_LIST_THRESHOLD,
  isProbablyBinary,
  scanText,
  type Finding,
} from '../../src/core/detect/index.js';
import { cardIssuer, crc32, luhn, mod97, validIban, validSsn } from '../../src/core/detect/validators.js';
import { maskValue, shannonEntropy } from '../../src/core/detect/text.js';
import { offsetsOf } from '../../src/core/detect/detector.js';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { fakeAwsKeyId, fakeAwsSecret, fakeCard, fakeGithubToken, fakeIban, fakeJwt, fakeSsn, privateKeys, rng } from '../corpus/generate.js';

/** The findings of `type` in `text` (all confidences). */
const find = (text: string, type: string): Finding[] => scanText(text).filter((f) => f.typeId === type);
/** The matched text of a finding, for assertions only (findings never carry it). */
const matched = (text: string, f: Finding): string => text.slice(f.offset, f.offset + f.length);

/** Asserts exactly one finding of `type` covering `value`, and returns it. */
function one(text: string, type: string, value: string): Finding {
  const fs = find(text, type);
  assert.equal(fs.length, 1, `one ${type} in ${JSON.stringify(text.slice(0, 200))}, got ${JSON.stringify(fs)}`);
  assert.equal(matched(text, fs[0]!), value);
  return fs[0]!;
}

/** Asserts that nothing of `type` is reported at medium confidence or above. */
function none(text: string, type: string): void {
  const fs = find(text, type).filter((f) => f.confidence !== 'low');
  assert.deepEqual(
    fs.map((f) => [matched(text, f), f.confidence]),
    [],
    `no ${type} in ${JSON.stringify(text.slice(0, 200))}`,
  );
}

const r = rng(20240601);

describe('offsetsOf', () => {
  it('finds what a plain left-to-right search finds, whichever part of the needle it searches for', () => {
    const plain = (text: string, needle: string): number[] => {
      const out: number[] = [];
      for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) out.push(i);
      return out;
    };
    const pr = rng(7);
    for (const needle of ['-----END ', 'aaa', 'aba', 'Private-MAC: ']) {
      const alphabet = [...new Set(needle + 'x')];
      for (let t = 0; t < 300; t++) {
        const text = Array.from({ length: Math.floor(pr() * 60) }, () => (pr() < 0.1 ? needle : alphabet[Math.floor(pr() * alphabet.length)])).join('');
        for (let rareAt = 0; rareAt < needle.length; rareAt++)
          assert.deepEqual(offsetsOf(text, needle, rareAt), plain(text, needle), `${needle} ${rareAt} ${text}`);
      }
    }
  });
});

describe('validators', () => {
  it('Luhn, issuer ranges and lengths', () => {
    assert.ok(luhn('79927398713'));
    assert.ok(!luhn('79927398710'));
    assert.equal(cardIssuer('4539148803436467'), 'Visa');
    assert.equal(cardIssuer('371449635398431'), 'American Express');
    assert.equal(cardIssuer('2221000000000009'), 'Mastercard');
    assert.equal(cardIssuer('3714496353984310'), undefined, 'Amex is 15 digits');
    assert.equal(cardIssuer('1234567812345670'), undefined, 'no network starts with 1');
  });

  it('IBAN: country length, check digits, mod 97 (ISO 13616)', () => {
    assert.ok(validIban('GB82WEST12345698765432'));
    assert.ok(validIban('DE89370400440532013000'));
    assert.ok(!validIban('GB82WEST12345698765433'), 'checksum');
    assert.ok(!validIban('GB82WEST1234569876543'), 'length');
    assert.ok(!validIban('XX82WEST12345698765432'), 'country');
    assert.ok(mod97('GB82WEST12345698765432') && !mod97('GB83WEST12345698765432'));
  });

  it('US SSN: area, group, serial and voided numbers', () => {
    assert.ok(validSsn('536221234'));
    for (const bad of ['000221234', '666221234', '900221234', '999221234', '536001234', '536220000', '078051120', '123456789', '111111111']) {
      assert.ok(!validSsn(bad), bad);
    }
  });

  it('CRC-32 agrees with zlib', () => {
    for (const s of ['', 'a', 'The quick brown fox', 'x'.repeat(1000)]) assert.equal(crc32(s), zlibCrc32(s));
  });

  it('entropy: a random token scores high, a word low', () => {
    assert.ok(shannonEntropy('aZ3kQ9xL2mP8vR4tW7yB') > 4);
    assert.ok(shannonEntropy('changeme') < 3);
    assert.equal(shannonEntropy('aaaa'), 0);
  });
});

describe('payment cards', () => {
  it('finds Luhn-valid numbers in issuer ranges, in the usual groupings', () => {
    const visa = fakeCard(r);
    for (const shown of [visa, visa.match(/.{4}/g)?.join(' '), visa.match(/.{4}/g)?.join('-')]) {
      if (!shown || visa.length !== 16) continue;
      one(`order paid: ${shown} thanks`, 'credit-card', shown);
    }
    one('amex 3714 496353 98431 on file', 'credit-card', '3714 496353 98431');
    assert.equal(one('Card number: 4539 1488 0343 6467 exp 12/26', 'credit-card', '4539 1488 0343 6467').confidence, 'high');
    assert.equal(one('ref 4539148803436467 ok', 'credit-card', '4539148803436467').confidence, 'medium');
  });

  it('finds a card followed by more digits after a space (4 groups, then an expiry)', () => {
    one('card 4539 1488 0343 6467 12 26', 'credit-card', '4539 1488 0343 6467');
  });

  it('finds a card or an SSN inside a longer run of digit groups (windows of 9 or 13–19 digits only are judged)', () => {
    // Short groups before: the windows of 3, 6, 10 digits are skipped, not the card after them.
    one('ref 12 345 4539 1488 0343 6467', 'credit-card', '4539 1488 0343 6467');
    one('call 555 123 4567 card 4539 1488 0343 6467', 'credit-card', '4539 1488 0343 6467');
    one('ssn 536 22 1234 12', 'us-ssn', '536 22 1234');
    // 13 digits (4-4-4-1) and 19 (4-4-4-4-3): the shortest and longest windows still judged.
    one('card 4539 1488 0343 3', 'credit-card', '4539 1488 0343 3');
    one('card 4539 1488 0343 6468 451', 'credit-card', '4539 1488 0343 6468 451');
    // After a country code the digits are an IBAN's, never a card.
    none('DE89 3704 0044 0532 0130 00', 'credit-card');
  });

  it('near misses: Luhn failures, no issuer, odd groupings, decimals, words, UUIDs', () => {
    none('Card number: 4539 1488 0343 6468', 'credit-card');
    none('id 1234567812345670', 'credit-card');
    none('4539 14880 343 6467', 'credit-card');
    none('pi=0.4539148803436467', 'credit-card');
    none('sku A4539148803436467', 'credit-card');
    none('id 45391488-0343-6467-4539-148803436467', 'credit-card');
    none('v1.4539148803436467', 'credit-card');
  });

  it('published test numbers are reported at low confidence only', () => {
    for (const t of ['4111 1111 1111 1111', '4242424242424242', '5555-5555-5555-4444']) {
      const f = find(`card ${t}`, 'credit-card');
      assert.deepEqual(
        f.map((x) => x.confidence),
        ['low'],
        t,
      );
    }
  });
});

describe('IBAN', () => {
  it('finds electronic and print forms, with nothing swallowed after it', () => {
    one('IBAN GB82WEST12345698765432.', 'iban', 'GB82WEST12345698765432');
    one('pay DE89 3704 0044 0532 0130 00 EUR', 'iban', 'DE89 3704 0044 0532 0130 00');
    for (let i = 0; i < 20; i++) {
      const iban = fakeIban(r);
      one(`"iban": "${iban}"`, 'iban', iban);
    }
  });

  it('near misses: checksum, length, unknown country, inside a word', () => {
    none('IBAN GB82WEST12345698765433', 'iban');
    none('IBAN GB82WEST123456987654321', 'iban');
    none('IBAN XX82WEST12345698765432', 'iban');
    none('idGB82WEST12345698765432', 'iban');
  });
});

describe('US SSN', () => {
  it('finds dashed numbers; a keyword raises confidence; bare digits need the keyword right before', () => {
    const s = fakeSsn(r);
    assert.equal(one(`employee ${s} active`, 'us-ssn', s).confidence, 'medium');
    assert.equal(one(`SSN: ${s}`, 'us-ssn', s).confidence, 'high');
    one('SSN 536221234', 'us-ssn', '536221234');
    one('social security number 536 22 1234', 'us-ssn', '536 22 1234');
  });

  it('near misses: invalid area, group, serial, voided examples, bare digits alone, phone numbers', () => {
    for (const bad of ['000-22-1234', '666-22-1234', '912-22-1234', '536-00-1234', '536-22-0000', '078-05-1120', '123-45-6789']) {
      none(`SSN: ${bad}`, 'us-ssn');
    }
    none('build 536221234 done', 'us-ssn');
    none('SSN field.\nbuild 536221234 done', 'us-ssn');
    none('call 555-123-4567', 'us-ssn');
  });
});

describe('email lists', () => {
  const list = (n: number, domain = 'corp.io') => Array.from({ length: n }, (_, i) => `user${i}@${domain}`).join('\n');

  it(`reports every address once there are ${EMAIL_LIST_THRESHOLD} distinct ones`, () => {
    none(list(EMAIL_LIST_THRESHOLD - 1), 'email-list');
    const text = list(EMAIL_LIST_THRESHOLD);
    assert.equal(find(text, 'email-list').length, EMAIL_LIST_THRESHOLD);
  });

  it('does not count repeats, reserved domains, URL user info, file names or versions', () => {
    none(Array.from({ length: 30 }, () => 'ada@corp.io').join(', '), 'email-list');
    none(list(30, 'example.com'), 'email-list');
    none(Array.from({ length: 12 }, (_, i) => `postgres://u${i}:pw${i}x@db${i}.corp.io/app`).join('\n'), 'email-list');
    none(Array.from({ length: 12 }, (_, i) => `icon${i}@2x.png lodash@4.17.${i} @scope/pkg${i}`).join('\n'), 'email-list');
  });
});

describe('private keys', () => {
  it('finds every PEM flavour and OpenSSH, from BEGIN to END, at high confidence', () => {
    for (const key of privateKeys()) {
      const text = `config:\n${key}\nend\n`;
      const f = one(text, 'private-key', key);
      assert.equal(f.confidence, 'high', key.split('\n')[0]);
    }
  });

  it('finds a key inside a JSON string (service-account files escape newlines)', () => {
    const key = privateKeys()[1]!.replace(/\n/g, '\\n');
    one(`{"type": "service_account", "private_key": "${key}\\n"}`, 'private-key', key);
  });

  it('finds a truncated key whose body decodes, at medium confidence', () => {
    const key = privateKeys()[0]!;
    const cut = key.slice(0, key.indexOf('\n', 200));
    const f = find(`log: ${cut}`, 'private-key');
    assert.deepEqual(
      f.map((x) => x.confidence),
      ['medium'],
    );
  });

  it('finds a PuTTY key file', () => {
    const body = randomBytes(96).toString('base64');
    const ppk = `PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: k\nPublic-Lines: 1\n${body}\nPrivate-Lines: 1\n${body}\nPrivate-MAC: ${randomBytes(20).toString('hex')}`;
    one(ppk, 'private-key', ppk);
  });

  it('near misses: a mention, a placeholder, a public key, a certificate, code building a PuTTY file', () => {
    none('Paste the line -----BEGIN OPENSSH PRIVATE KEY----- here.', 'private-key');
    none('-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----', 'private-key');
    const pub = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    none(pub, 'private-key');
    none(`-----BEGIN CERTIFICATE-----\nMIIC${randomBytes(90).toString('base64')}\n-----END CERTIFICATE-----`, 'private-key');
    none("var ppk = 'PuTTY-User-Key-File-2: ' + alg;\nppk += 'Private-Lines: ' + n;\nppk += 'Private-MAC: ' + mac;", 'private-key');
  });
});

describe('cloud and service tokens', () => {
  it('AWS key ids, and the secret key beside them', () => {
    const id = fakeAwsKeyId(r);
    const secret = fakeAwsSecret(r);
    one(`aws_access_key_id = ${id}`, 'aws-access-key', id);
    const text = `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`;
    assert.deepEqual(
      find(text, 'aws-access-key').map((f) => matched(text, f)),
      [id, secret],
    );
    const csv = `Access key ID,Secret access key\n${id},${secret}\n`;
    assert.deepEqual(
      find(csv, 'aws-access-key').map((f) => matched(csv, f)),
      [id, secret],
    );
  });

  it('AWS near misses: the documentation key, too short, inside a token, a hex digest beside an id', () => {
    none('aws_access_key_id = AKIAIOSFODNN7EXAMPLE', 'aws-access-key');
    none('key AKIAQWERTYUIOPASDF2', 'aws-access-key');
    none('id XAKIAQWERTYUIOPASDF23', 'aws-access-key');
    const text = `id ${fakeAwsKeyId(r)}\nsha ${'0123456789abcdef'.repeat(2)}01234567`;
    assert.equal(find(text, 'aws-access-key').length, 1);
  });

  it('GitHub tokens: the checksum decides between high and low', () => {
    for (const prefix of ['ghp', 'gho', 'ghu', 'ghs', 'ghr']) {
      const t = fakeGithubToken(r, prefix);
      assert.equal(one(`GITHUB_TOKEN=${t}`, 'github-token', t).confidence, 'high');
      const bad = t.slice(0, -1) + (t.endsWith('a') ? 'b' : 'a');
      assert.equal(one(`token ${bad}`, 'github-token', bad).confidence, 'low');
    }
    const pat = `github_pat_${'A1b2C3d4E5f6G7h8I9j0K1'}_${'x9Y8w7V6u5T4s3R2q1P0o9N8m7L6k5J4i3H2g1F0e9D8c7B6a5Z4y3X2w1V0u'}`.slice(0, 93);
    one(`token: ${pat}`, 'github-token', pat);
  });

  it('GitHub near misses: placeholder, unknown prefix, wrong length', () => {
    none(`GITHUB_TOKEN=ghp_${'x'.repeat(36)}`, 'github-token');
    none(`token ghx_${fakeGithubToken(r).slice(4)}`, 'github-token');
    none(`token ${fakeGithubToken(r).slice(0, 38)}`, 'github-token');
    none(`token ${fakeGithubToken(r)}Z`, 'github-token');
  });

  it('Slack tokens and webhooks; placeholders are not', () => {
    const bot = 'xoxb-2748315620134-2748315620999-Zq8KmW3xR7tY2pL9vN4bC6dF';
    one(`SLACK_BOT_TOKEN=${bot}`, 'slack-token', bot);
    const hook = 'https://hooks.slack.com/services/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';
    one(`webhook: ${hook.slice(8)}`, 'slack-token', hook.slice(8));
    none('SLACK_TOKEN=xoxb-your-token-here-please-fill-in', 'slack-token');
    none('https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX', 'slack-token');
  });

  it('Stripe live secret and restricted keys; test and publishable keys are not', () => {
    for (const k of ['sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'rk_live_9fK2mQ7xZ3pL8vB1nR6tW4yH']) one(`key=${k}`, 'stripe-key', k);
    none('sk_test_4eC39HqLyjWDarjtT1zdp7dc', 'stripe-key');
    none('pk_live_4eC39HqLyjWDarjtT1zdp7dc', 'stripe-key');
    none(`sk_live_${'x'.repeat(24)}`, 'stripe-key');
  });

  it('Google API keys are exactly 39 characters', () => {
    one('key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY&x', 'google-api-key', 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY');
    none('key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBW', 'google-api-key');
    none('key=AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWYZ', 'google-api-key');
  });

  it('Azure storage account keys and shared access signatures; the emulator key is only a hint', () => {
    const key = randomBytes(64).toString('base64');
    const f = one(`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${key};EndpointSuffix=core.windows.net`, 'azure-storage-key', key);
    assert.equal(f.confidence, 'high');
    const sas =
      'https://acct.blob.core.windows.net/c/f?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00:00:00Z&sig=Qm9vM2ZpcnN0c2lnbmF0dXJlX3ZhbHVlX2hlcmUxMjM%3D';
    one(sas, 'azure-storage-key', 'Qm9vM2ZpcnN0c2lnbmF0dXJlX3ZhbHVlX2hlcmUxMjM%3D');
    none(
      'AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;',
      'azure-storage-key',
    );
    none('AccountName=x;AccountKey=<your-account-key>;', 'azure-storage-key');
  });
});

describe('credentials in URLs and connection strings', () => {
  it('finds the password of scheme://user:password@host', () => {
    one('DATABASE_URL=postgres://app:Xk29fLq7Tz@db.internal:5432/shop', 'url-credential', 'Xk29fLq7Tz');
    one('redis://:R3d1sS3cret!@cache.prod.io:6379', 'url-credential', 'R3d1sS3cret!');
  });

  it('URL near misses: no password, documentation hosts, templates, placeholders; localhost is a hint', () => {
    none('postgres://app@db.internal/shop', 'url-credential');
    none('https://user:Xk29fLq7Tz@example.com/', 'url-credential');
    none('postgres://${DB_USER}:${DB_PASS}@db:5432/app', 'url-credential');
    none('redis://:password@cache.internal:6379', 'url-credential');
    assert.deepEqual(
      find('postgres://postgres:postgres@localhost:5432/dev', 'url-credential').map((f) => f.confidence),
      ['low'],
    );
  });

  it('finds Password= and Pwd= in connection strings', () => {
    one('Server=tcp:db.internal,1433;Initial Catalog=shop;User ID=app;Password=Tr0ub4dor&3x;Encrypt=True;', 'connection-string-credential', 'Tr0ub4dor&3x');
    one('"Data Source=sql01;Initial Catalog=crm;User Id=crm;Pwd=Blue9484#;"', 'connection-string-credential', 'Blue9484#');
  });

  it('connection string near misses: placeholders and a Password= outside any connection string', () => {
    for (const p of ['{your_password}', '<password>', '$(DB_PASSWORD)', '********', '%s'])
      none(`Server=db;Database=app;User Id=sa;Password=${p};`, 'connection-string-credential');
    none('Set Password=Tr0ub4dor&3x in the dialog.', 'connection-string-credential');
  });
});

describe('secrets assigned to secret-like names', () => {
  const token = 'q7Zk2mX9vB4nR8tW3yL6pD1s';
  it('finds high-entropy values in env, YAML, JSON, JavaScript and Python assignments', () => {
    for (const line of [
      `API_KEY=${token}`,
      `export CLIENT_SECRET="${token}"`,
      `  auth_token: ${token}`,
      `  "secret_key": "${token}",`,
      `const apiKey = '${token}';`,
      `signing_key = "${token}"  # prod`,
    ]) {
      one(line, 'secret-assignment', token);
    }
    one('DB_PASSWORD=Summer2024!', 'secret-assignment', 'Summer2024!');
    one('SMTP_PASS=!G22tX#iccDkQ%%', 'secret-assignment', '!G22tX#iccDkQ%%');
  });

  it('near misses: placeholders and low-entropy stand-ins (changeme is not a secret we report)', () => {
    for (const v of ['changeme', 'password', '<password>', 'xxxxxxxx', 'your-api-key-here', '${API_KEY}', 'abcabcabcabcabcabc', '{{ secrets.TOKEN }}']) {
      none(`password = "${v}"`, 'secret-assignment');
      none(`api_key: "${v}"`, 'secret-assignment');
    }
  });

  it('near misses: code references, non-secret names, numbers, paths, data URIs', () => {
    for (const line of [
      'api_key = config.apiKey',
      'const secret = getSecret();',
      'token: process.env.API_TOKEN,',
      "password = os.environ['DB_PASSWORD']",
      '  token: hashedToken,',
      '  credential: OAuth2TokenCredential<TFlows>;',
      `token_type = "bearer"`,
      `password_hash: "${'ab12'.repeat(16)}"`,
      `tokenizer = "${token}"`,
      `secretName: "my-app-secret"`,
      'TOKEN_TTL=86400',
      "PWD: '/Users/someone/projects'",
      `"token": "data:image/png;base64,${randomBytes(60).toString('base64')}"`,
      'if (password == "Summer2024!") {',
      '  allPass: "overEvery",',
    ]) {
      none(line, 'secret-assignment');
    }
  });

  it('a specific type wins over the generic assignment on the same value', () => {
    const t = fakeGithubToken(r);
    const text = `GITHUB_TOKEN=${t}\nurl=https://x-access-token:${t}@github.com/o/r\n`;
    assert.deepEqual(
      scanText(text).map((f) => f.typeId),
      ['github-token', 'github-token'],
    );
    const jwt = fakeJwt(r);
    assert.deepEqual(
      scanText(`id_token: "${jwt}"`).map((f) => f.typeId),
      ['jwt'],
    );
  });
});

describe('JWT', () => {
  const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

  it('finds signed JWTs whose header decodes to JSON with alg', () => {
    const jwt = fakeJwt(r);
    assert.equal(one(`Authorization: Bearer ${jwt}`, 'jwt', jwt).confidence, 'high');
    const none_ = `${b64url({ alg: 'none' })}.${b64url({ sub: '1' })}.`;
    one(`t=${none_} `, 'jwt', none_);
  });

  it('near misses: header not JSON, no JOSE parameter at all, signature too short', () => {
    none(`eyJhbGciOiJIUzI1.eyJzdWIiOiIx.${'a'.repeat(43)}`, 'jwt');
    const sig = createHmac('sha256', 'k').update('x').digest('base64url');
    none(`${b64url({ page: 2 })}.${b64url({ sub: '1' })}.${sig}`, 'jwt');
    none(`${b64url({ alg: 'HS256' })}.${b64url({ sub: '1' })}.abc`, 'jwt');
  });
});

describe('findings', () => {
  it('carry exact offsets and 0-based line/column ranges, also across CRLF and multi-line keys', () => {
    const key = privateKeys()[2]!;
    const text = `first line\r\nsecond: DE89 3704 0044 0532 0130 00\r\n${key}\r\ntail AKIAQWERTYUIOPASDF23`;
    const fs = scanText(text);
    assert.deepEqual(
      fs.map((f) => f.typeId),
      ['iban', 'private-key', 'aws-access-key'],
    );
    const lines = text.split('\n');
    for (const f of fs) {
      assert.equal(lines[f.line]!.slice(f.column).startsWith(matched(text, f).split(/\r?\n/)[0]!), true);
      const endLineStart = text.split('\n').slice(0, f.endLine).join('\n').length + (f.endLine > 0 ? 1 : 0);
      assert.equal(endLineStart + f.endColumn, f.offset + f.length);
    }
    assert.deepEqual([fs[0]!.line, fs[0]!.column, fs[0]!.endLine, fs[0]!.endColumn], [1, 8, 1, 35]);
    assert.equal(fs[1]!.endLine - fs[1]!.line, key.split('\n').length - 1);
  });

  it('count UTF-16 code units, as editors do', () => {
    const text = '🔑 émoji: AKIAQWERTYUIOPASDF23';
    const [f] = scanText(text);
    assert.equal(f!.column, text.indexOf('AKIA'));
  });

  it('never carry the secret: excerpts mask all but a public prefix and at most 4 characters', () => {
    const samples = [
      `card 4539 1488 0343 6467`,
      `IBAN DE89370400440532013000`,
      `SSN: ${fakeSsn(r)}`,
      privateKeys()[0]!,
      `${fakeAwsKeyId(r)} ${fakeAwsSecret(r)}`,
      fakeGithubToken(r),
      'xoxb-2748315620134-2748315620999-Zq8KmW3xR7tY2pL9vN4bC6dF',
      'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
      'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY',
      `AccountKey=${randomBytes(64).toString('base64')};`,
      'postgres://app:Xk29fLq7Tz@db.internal/x',
      'Server=db;Database=a;User Id=u;Password=Tr0ub4dor&3x;',
      'API_KEY=q7Zk2mX9vB4nR8tW3yL6pD1s',
      fakeJwt(r),
      Array.from({ length: 12 }, (_, i) => `person${i}.name@corp.io`).join(' '),
    ];
    let checked = 0;
    for (const text of samples) {
      for (const f of scanText(text)) {
        const value = matched(text, f);
        assert.ok(!f.excerpt.includes(value), `${f.typeId} excerpt ${f.excerpt} holds the value`);
        const prefix = /^(?:-----BEGIN [A-Z ]+-----|AKIA|ASIA|gh[pousr]_|xox[a-z]-|[sr]k_live_|AIza|eyJ|[A-Z]{2}(?=\d))/.exec(value)?.[0] ?? '';
        const shown = f.excerpt.slice(prefix.length).replace(/[*… -]/g, '');
        // An address shows its first character, '@' and its top-level domain.
        const allowed = f.typeId === 'email-list' ? 2 + f.excerpt.length - f.excerpt.lastIndexOf('.') : 4;
        assert.ok(shown.length <= allowed, `${f.typeId}: ${f.excerpt} shows ${shown.length} characters`);
        checked++;
      }
    }
    assert.ok(checked >= samples.length);
  });

  it('maskValue keeps a card number shape and never more than a quarter of the value', () => {
    assert.equal(maskValue('4539 1488 0343 6467', { keepEnd: 4, keepShape: true }), '**** **** **** 6467');
    assert.equal(maskValue('abcdefgh', { keepEnd: 4 }), '******gh');
    assert.equal(maskValue('abc', { keepEnd: 4 }), '***');
  });

  it('every built-in type has an id, a name and a description', () => {
    const ids = BUILTIN_TYPES.map((t) => t.id);
    assert.deepEqual(new Set(ids).size, ids.length);
    for (const id of [
      'private-key',
      'aws-access-key',
      'github-token',
      'slack-token',
      'stripe-key',
      'google-api-key',
      'azure-storage-key',
      'connection-string-credential',
      'url-credential',
      'secret-assignment',
      'jwt',
      'credit-card',
      'iban',
      'us-ssn',
      'email-list',
    ]) {
      assert.ok(ids.includes(id), id);
    }
    for (const t of BUILTIN_TYPES) assert.ok(t.name && t.description);
  });
});

describe('adversarial input', () => {
  it('takes time linear in the input: many starts without an end are not rescanned', () => {
    const n = 256 * 1024;
    const cases = {
      jwtStarts: 'eyJ'.repeat(n / 3),
      keywords: 'key_'.repeat(n / 4),
      pemBegins: '-----BEGIN RSA PRIVATE KEY-----\n'.repeat(n / 32),
      puttyHeaders: 'PuTTY-User-Key-File-2: '.repeat(n / 23),
      urlsThenAt: 'http://a.b/ '.repeat(n / 12) + '@',
      digitPairs: '12 '.repeat(n / 3),
      oneLongLine: 'Server=x;Password=abc;'.repeat(n / 22),
      xmlOpenings: '<password>'.repeat(n / 10),
      clientSecretMarks: 'ab1Q~'.repeat(n / 5),
      wrappedJwtStarts: 'ZXlK '.repeat(n / 5),
      oneLongBase64: 'ZXlK' + 'A'.repeat(n),
      commandsWithoutValues: 'docker login mysql curl -u sshpass --password '.repeat(n / 46),
      authorizationHeaders: 'Authorization: Bearer '.repeat(n / 22),
      slackStarts: 'xoxe.xoxp-1-'.repeat(n / 12),
      dottedDigits: '123.45.'.repeat(n / 7),
      ibanDashes: 'DE89-3704-'.repeat(n / 10),
      dockerEnv: '\nENV TOKEN '.repeat(n / 11),
      typedNames: 'token: string '.repeat(n / 14),
      storageKeyNames: 'AccountKey = \n'.repeat(n / 14),
      storageKeyRuns: 'account_key ' + 'A'.repeat(n),
      statelessGithubStarts: 'ghs_1_eyJ'.repeat(n / 9),
      longGithubRun: 'ghs_' + 'a'.repeat(n),
      wrappedBase64Lines: ('ZXlK' + 'A'.repeat(72) + '\n').repeat(n / 77),
      continuedCurlLines: 'curl \\\n'.repeat(n / 8) + ' -u a:b',
      curlHeaders: 'curl -H "X-Api-Key: '.repeat(n / 20),
      curlUserQuotes: 'curl -u "'.repeat(n / 9),
      sasVersionsOnOneLine: '&sv=2020-01-01&'.repeat(n / 15),
      sasFieldsWithoutSig: '?sv=2020-01-01&sp=r&st=2020-01-01&se=2020-01-02&sip=1.2.3.4'.repeat(n / 58),
      patNames: 'GITHUB_PAT='.repeat(n / 11),
      bareKeys: '"key": "'.repeat(n / 8),
      schemesAfterJoins: '?ostgres://a:b'.repeat(n / 14) + '@',
    };
    for (const [name, text] of Object.entries(cases)) {
      const t = performance.now();
      scanText(text);
      const ms = performance.now() - t;
      // Linear work is tens of milliseconds here; quadratic work would be minutes.
      assert.ok(ms < 3000, `${name}: ${ms.toFixed(0)} ms`);
    }
  });
});

describe('custom types from the policy', () => {
  it('pattern, flags, keywords within a distance, validator and confidence', () => {
    const scanner = createScanner({
      customTypes: [
        { id: 'employee-id', name: 'Employee id', pattern: 'EMP-\\d{6}', flags: 'i', keywords: ['employee', 'staff'], keywordDistance: 20, confidence: 'high' },
        { id: 'loyalty-card', name: 'Loyalty card', pattern: '\\b7\\d{15}\\b', validator: 'luhn' },
      ],
    });
    const near = scanner.scan('staff record emp-123456');
    assert.deepEqual(
      near.map((f) => [f.typeId, f.typeName, f.confidence, f.excerpt]),
      [['employee-id', 'Employee id', 'high', '********56']],
    );
    assert.deepEqual(scanner.scan(`emp-123456 ${'.'.repeat(30)} employee`), [], 'keyword too far');
    assert.deepEqual(scanner.scan('EMP-123456 alone'), [], 'no keyword');
    const body = '700000000000000';
    const good = body + [...Array(10).keys()].find((d) => luhn(body + d));
    assert.deepEqual(
      scanner.scan(`loyalty ${good}`).map((f) => f.typeId),
      ['loyalty-card'],
    );
    assert.deepEqual(scanner.scan(`loyalty ${body}${(Number(good.at(-1)) + 1) % 10}`), []);
    assert.ok(scanner.types.some((t) => t.id === 'loyalty-card'));
  });

  it('validators mod97, ssn and entropy', () => {
    const s = createScanner({
      customTypes: [
        { id: 'acct', name: 'Account', pattern: 'ACCT:([A-Z0-9]+)', validator: 'mod97' },
        { id: 'tax', name: 'Tax id', pattern: 'TAX \\d{3}-\\d{2}-\\d{4}', validator: 'ssn' },
        { id: 'blob', name: 'Blob', pattern: 'blob=\\S+', validator: 'entropy' },
      ],
    });
    const acct = s.scan('ACCT:GB82WEST12345698765432 ACCT:GB82WEST12345698765433').filter((f) => f.typeId === 'acct');
    assert.deepEqual(
      acct.map((f) => [f.offset, f.length]),
      [[5, 22]],
      'group 1 is the value: validated and reported',
    );
    assert.equal(s.scan('TAX 536-22-1234 TAX 666-22-1234').filter((f) => f.typeId === 'tax').length, 1);
    assert.deepEqual(
      s.scan('blob=q7Zk2mX9vB4nR8tW3yL6pD1s blob=aaaaaaaaaaaaaaaa').map((f) => f.typeId),
      ['blob'],
    );
  });

  it('bad definitions are reported, and createScanner refuses them with E_POLICY_INVALID', () => {
    const bad = {
      customTypes: [
        { id: 'credit-card', name: 'dup', pattern: 'x' },
        { id: 'Bad Id', name: 'x', pattern: '(' },
        { id: 'empty', name: 'e', pattern: 'a*' },
      ],
    };
    const problems = detectionProblems(bad);
    assert.equal(problems.length, 4, problems.join('\n'));
    assert.throws(
      () => createScanner(bad),
      (e: unknown) => e instanceof SensitivityError && e.code === 'E_POLICY_INVALID',
    );
    assert.deepEqual(detectionProblems({}), []);
  });
});

describe('binary or text', () => {
  it('NUL bytes or many control characters mean binary; UTF-8 and UTF-16 with a BOM are text', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    assert.ok(isProbablyBinary(png));
    assert.ok(isProbablyBinary(new Uint8Array(200).map((_, i) => (i % 3 === 0 ? 1 : 65))));
    assert.ok(!isProbablyBinary(new TextEncoder().encode('naïve café, 東京\n\ttabs\r\n')));
    const utf16 = new Uint8Array([0xff, 0xfe, ...new Uint8Array(Buffer.from('IBAN GB82WEST12345698765432', 'utf16le'))]);
    assert.ok(!isProbablyBinary(utf16));
    assert.equal(find(decodeText(utf16), 'iban').length, 1);
    assert.equal(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), 'A');
  });
});
