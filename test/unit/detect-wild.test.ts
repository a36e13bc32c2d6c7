/**
 * Issue 25, rule by rule: the shapes tokens take in real code and commands (beside the documented formats of
 * detect-formats.test.ts), the near misses of each, and the placeholder and published-sample rules. Values
 * are built at run time from each format's grammar; the one published list (Google SDK keys) is tested
 * through a key of it, split so that no scanner reads this file as holding it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { scanText, type Finding } from '../../src/core/detect/index.js';
import { ALNUM, chars, DIGITS, fakeJwt, HEX, LOWER, rng, UPPER } from '../corpus/generate.js';

const r = rng(25);
const find = (text: string, type: string): Finding[] => scanText(text).filter((f) => f.typeId === type);
const matched = (text: string, f: Finding): string => text.slice(f.offset, f.offset + f.length);

/** Exactly one finding of `type` at medium or above, covering exactly `value`. */
function found(text: string, type: string, value: string): Finding {
  const fs = find(text, type).filter((f) => f.confidence !== 'low');
  assert.equal(fs.length, 1, `one ${type} in ${JSON.stringify(text)}: ${JSON.stringify(fs.map((f) => [matched(text, f), f.why]))}`);
  assert.equal(matched(text, fs[0]!), value, text);
  return fs[0]!;
}

/** Nothing at medium or above, of any type: a near miss must not reappear as another type either. */
function silent(text: string): void {
  const fs = scanText(text).filter((f) => f.confidence !== 'low');
  assert.deepEqual(
    fs.map((f) => `${f.typeId}: ${matched(text, f)}`),
    [],
    `nothing in ${JSON.stringify(text)}`,
  );
}

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const claims = (): string => b64url({ sub: chars(r, DIGITS, 8), iat: 1_700_000_000, scope: 'admin' });
const sig = (): string => randomBytes(32).toString('base64url');
const password = (): string => `${chars(r, UPPER, 2)}${chars(r, ALNUM, 10)}${chars(r, DIGITS, 2)}`;

describe('JWTs say what they are; a JOSE header without alg is still a JWT, one step lower', () => {
  const headers = [
    { typ: 'JWT' },
    { kid: 'k-1' },
    { cty: 'JWT' },
    { enc: 'A256GCM' },
    { b64: false },
    { x5t: chars(r, ALNUM, 27) },
    { jku: 'https://k.internal/jwks' },
  ];
  for (const h of headers) {
    it(`header ${JSON.stringify(h)}: signed, medium`, () => {
      const t = `${b64url(h)}.${claims()}.${sig()}`;
      const f = found(`id_token=${t}`, 'jwt', t);
      assert.equal(f.confidence, 'medium');
      assert.deepEqual(f.why.slice(0, 2), ['signed JWT, header without alg', 'header names registered JOSE parameters but no alg']);
    });
  }
  it('the first reason names the kind: signed (with its alg), unsigned, unsecured', () => {
    const signed = fakeJwt(r);
    assert.match(found(`t=${signed}`, 'jwt', signed).why[0]!, /^signed JWT \(JWS, alg HS(256|384)\)$/);
    const two = `${b64url({ alg: 'RS256' })}.${claims()}`;
    assert.equal(found(`t=${two}`, 'jwt', two).why[0], 'unsigned JWT: two parts, no signature');
    const none = `${b64url({ alg: 'none' })}.${claims()}.`;
    assert.equal(found(`t=${none} `, 'jwt', none).why[0], 'unsecured (alg none) JWT');
  });
  it('wrapped in base64 as encoders write it: standard, unpadded, URL-safe, wrapped at 76 columns and indented', () => {
    const jwt = `${b64url({ typ: 'JWT' })}.${claims()}.${sig()}`;
    const std = Buffer.from(jwt).toString('base64');
    const lines = std.match(/.{1,76}/g)!;
    assert.ok(lines.length > 1 && lines[0]!.length === 76);
    for (const w of [std, std.replace(/=+$/, ''), Buffer.from(jwt).toString('base64url'), lines.join('\n    ')]) {
      const f = found(`data:\n  token: ${w}\n  other: x`, 'jwt', w);
      assert.deepEqual(f.why.slice(0, 2), ['decodes as a base64-wrapped JWT', 'signed JWT, header without alg']);
    }
    const a = Buffer.from(fakeJwt(r)).toString('base64');
    assert.equal(found(`AUTH=${a}`, 'jwt', a).confidence, 'high');
  });
  it('near misses: a header naming no JOSE parameter, a payload that is not JSON without alg, base64 of dotted JSON', () => {
    silent(`cursor ${b64url({ page: 2 })}.${claims()}.${sig()}`);
    silent(`token ${b64url({ typ: 'JWT' })}.${chars(r, ALNUM, 40)}.${sig()}`);
    silent(`blob: ${Buffer.from(`${b64url({ page: 2 })}.${b64url({ sub: '1' })}`).toString('base64')}`);
  });
});

describe('Slack shapes met in the wild', () => {
  const id = (n = int(9, 13)): string => chars(r, DIGITS, n);
  function int(lo: number, hi: number): number {
    return lo + Math.floor(r() * (hi - lo + 1));
  }
  it('legacy workspace token with a version: xoxa-2-<three ids>-<hex>', () => {
    const t = `xoxa-2-${id()}-${id()}-${id()}-${chars(r, HEX, 18)}`;
    assert.equal(found(`"access_token": "${t}"`, 'slack-token', t).confidence, 'high');
  });
  it('two numeric segments and a shorter app-level secret are medium, with the shape named', () => {
    const two = `xoxb-${id(10)}-${chars(r, '123456789', 12)}`;
    assert.match(found(`token: "${two}"`, 'slack-token', two).why.join(), /two numeric segments/);
    const app = `xapp-1-A${chars(r, UPPER + DIGITS, 10)}-${id(13)}-${chars(r, HEX, 24)}`;
    const f = found(`SLACK_APP_TOKEN=${app}`, 'slack-token', app);
    assert.deepEqual([f.confidence, f.why[1]], ['medium', 'app-level token with a secret shorter than 64 hex']);
  });
  it('4-digit legacy ids are a look-alike: low, and not reported again as a generic secret', () => {
    const t = `xoxp-${id(4)}-${id(4)}-${id(4)}-${chars(r, HEX, 32)}`;
    silent(`"token3": "${t}"`);
    assert.match(find(`"token3": "${t}"`, 'slack-token')[0]!.why.join(), /look-alike/);
    silent(`token: "xoxb-${id(5)}-${id(5)}"`);
  });
});

describe('curl: headers and -u as people write them', () => {
  const key = (): string => `${chars(r, HEX, 8)}-${chars(r, HEX, 4)}-4${chars(r, HEX, 3)}-a${chars(r, HEX, 3)}-${chars(r, HEX, 12)}`;
  it('Authorization without a scheme, with Api-Token, and OpenShift sha256~ tokens', () => {
    const k = key();
    assert.deepEqual(found(`curl --header 'Authorization:  ${k}'`, 'command-credential', k).why[0], 'Authorization header without a scheme');
    const hex = chars(r, HEX, 40);
    assert.equal(found(`curl -H "Authorization: Api-Token ${hex}" https://x.internal`, 'command-credential', hex).why[0], 'Authorization: Api-Token header');
    const oc = `sha256~${chars(r, ALNUM + '_-', 43)}`;
    const f = found(`curl -H "Authorization: Bearer ${oc}"`, 'command-credential', oc);
    assert.deepEqual([f.confidence, f.why[0]], ['high', 'issuer prefix sha256~ (OpenShift OAuth token)']);
  });
  it('key headers by name: apikey, X-Api-Key, X-<Vendor>-ApiKey, Api-Token, Token, PRIVATE-TOKEN', () => {
    for (const name of ['apikey', 'X-Api-Key', 'X-Octopus-ApiKey', 'Api-Token', 'Token', 'PRIVATE-TOKEN', 'X-Auth-Token']) {
      const k = key();
      const text = `curl -X GET https://api.internal/ \\\n     -H "${name}: ${k}" \\\n     -H "Accept: application/json"`;
      assert.equal(found(text, 'command-credential', k).why[0], `curl -H "${name}: …" header`);
    }
  });
  it('Basic with an empty password (a client id as user) is medium', () => {
    const v = Buffer.from(`${chars(r, LOWER, 8)}:`).toString('base64');
    const f = found(`curl -H 'Authorization: Basic ${v}' \\`, 'command-credential', v);
    assert.deepEqual([f.confidence, f.why[1]], ['medium', 'decodes as user: with an empty password (a client id or key as user)']);
  });
  it('-u after line continuations, with an empty user or password, braces, or a quoted password part', () => {
    const pw = password();
    found(`curl -k -X POST https://s.internal/rest \\\n  -H 'Content-type: text/plain' \\\n  -d 'world' \\\n  -u developer:${pw}`, 'command-credential', pw);
    found(`curl -u ":${pw}" https://search.internal:9200`, 'command-credential', pw);
    assert.equal(found(`curl -u "${pw}:" https://search.internal:9200`, 'command-credential', pw).why[0], 'curl -u token: (empty password)');
    found(`curl -X POST --user "{${key()}}":"{${pw}}" --header "Accept: application/json"`, 'command-credential', pw);
    found(`curl --user kevin:'${pw}' -iX PATCH -H "Content-Type: application/json"`, 'command-credential', pw);
    found(`curl --user "ops":"${pw}" https://x.internal`, 'command-credential', pw);
  });
  it('near misses: placeholders, user:token, identical user and password, variables, templates, code', () => {
    for (const v of [
      'username:token',
      'username:password',
      'test:test',
      'admin:admin',
      '":"',
      'user:mypassword',
      'ci:REPLACE_WITH_PASSWORD',
      '"{username}:{password}"',
      '"${user}":"${pass}"',
      '"$(cat u):$(cat p)"',
    ])
      silent(`curl -u ${v} https://x.internal`);
    silent(`curl -u "${chars(r, LOWER, 5)}:" https://x.internal`); // a short word as user: not a token
    silent('curl -H "Authorization: Bearer XXXXXXXXXXXX" https://x.internal');
    silent('curl -H "X-Api-Key: $API_KEY" -H "apikey: <your-api-key>" https://x.internal');
    silent('curl -H "Accept: application/json" https://x.internal');
    silent('const headers = { Authorization: request.headers.authorization };');
    silent('req.Header.Set("Authorization", getToken())');
  });
});

describe('Azure storage keys outside AccountKey=', () => {
  const key = (): string => randomBytes(64).toString('base64');
  it('by a storage account key name on the line (dictionary, assert, CLI flag, env) or ending the line before', () => {
    for (const template of [
      'var s = new Dictionary<string, string> { { "AccountName", "acct" }, { "AccountKey", "@@" } };',
      'Assert.AreEqual("@@", credentials.AccountKey);',
      'az storage blob upload --account-name acct --account-key "@@" -f build.zip',
      'AZURE_STORAGE_KEY=@@',
      'storage_account_key =\n    "@@"',
    ]) {
      const k = key();
      const f = found(template.replace('@@', k), 'azure-storage-key', k);
      assert.deepEqual([f.confidence, f.why[1]], ['high', 'decodes as a 64-byte key']);
    }
  });
  it('base64-encoded again in a Kubernetes Secret (azurestorageaccountkey)', () => {
    const k = Buffer.from(key()).toString('base64');
    const f = found(`kind: Secret\ndata:\n  azurestorageaccountname: YWNjdA==\n  azurestorageaccountkey: ${k}\n`, 'azure-storage-key', k);
    assert.match(f.why[1]!, /Kubernetes Secret/);
  });
  it('a shared access key of a Service Bus, Event Hubs or IoT Hub connection string (32 bytes beside SharedAccessKeyName=)', () => {
    for (const host of [`sb://${chars(r, LOWER, 8)}.servicebus.windows.net/`, `${chars(r, LOWER, 8)}.azure-devices.net`]) {
      const k = randomBytes(32).toString('base64');
      const f = found(
        `${host.startsWith('sb:') ? 'Endpoint' : 'HostName'}=${host};SharedAccessKeyName=${chars(r, LOWER, 6)};SharedAccessKey=${k}`,
        'azure-storage-key',
        k,
      );
      assert.deepEqual(f.why, ['SharedAccessKey= beside SharedAccessKeyName= (Service Bus, Event Hubs, IoT Hub)', 'decodes as a 32-byte key']);
    }
    silent('Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=<your-key>');
    assert.deepEqual(find(`SharedAccessKeyName=Root;SharedAccessKey=${randomBytes(33).toString('base64')}`, 'azure-storage-key'), []);
  });
  it('near misses: no key name near it, a name two lines up or closed on its line, a value of another length', () => {
    silent(`"signature": "${key()}",`);
    silent(`AccountName=acct;AccountKey=x;\n\n"signature": "${key()}"`);
    silent(`storageKeyName = "primary"\n"signature": "${key()}"`);
    // 63 bytes is no account key (a random value under that name stays a generic secret).
    assert.deepEqual(find(`AccountKey=${randomBytes(63).toString('base64')}`, 'azure-storage-key'), []);
  });
});

describe('URLs, JDBC and GitHub in the wild', () => {
  it('URL credentials with a host without a dot', () => {
    const pw = password();
    found(`DATABASE_URL=postgres://app:${pw}@pgmaster:5432/app`, 'url-credential', pw);
  });
  it('JDBC ;user=…;password=… without Server=', () => {
    const pw = password();
    assert.equal(
      found(`jdbc:sqlserver://dbhost:1433;databaseName=shop;user=svc;password=${pw};encrypt=true`, 'connection-string-credential', pw).confidence,
      'high',
    );
  });
  it('ghs_<app id>_<JWT> (stateless installation token) and ghs_ far longer than 36', () => {
    const stateless = `ghs_${chars(r, DIGITS, 7)}_${fakeJwt(r)}`;
    assert.match(found(`GITHUB_TOKEN=${stateless}`, 'github-token', stateless).why.join(), /stateless installation token/);
    const long = `ghs_${chars(r, ALNUM, 116)}`;
    const f = found(`  token: ${long}`, 'github-token', long);
    assert.deepEqual([f.confidence, f.why[1]], ['medium', '116 characters, longer than the 36 of the 2021 format: no published checksum']);
  });
  it('near misses: ghs_<id>_ and no JWT after it; one repeated character', () => {
    silent(`token ghs_${chars(r, DIGITS, 6)}_eyJ${chars(r, ALNUM, 30)}.${chars(r, ALNUM, 20)}`);
    silent(`token ghs_${'a'.repeat(120)}`);
  });
});

describe('placeholders and published samples, by rule and by a sourced list', () => {
  it('an all-X AWS key id is a sample (placeholder), shown low and never counted', () => {
    const [f] = find(`aws_access_key_id = ${'AKIA'}${'X'.repeat(16)}`, 'aws-access-key');
    assert.deepEqual([f?.confidence, f?.sample, f?.why], ['low', true, ['placeholder (one character repeated), ignored']]);
  });
  it('a Google API key that Google SDKs publish is a sample with its source', () => {
    const published = ['AIzaSyA4UrcGxgwQFT', 'faI3no3t7Lt1sjmdnP5sQ'].join('');
    const [f] = find(`apiKey: "${published}"`, 'google-api-key');
    assert.deepEqual([f?.confidence, f?.sample, f?.why], ['low', true, ['published sample (Google SDK test key (firebase-android-sdk)), ignored']]);
  });
  it('instructions, possessive names, identical user and password, username:password', () => {
    for (const v of ['REPLACE_WITH_PASSWORD', 'mypassword', 'my_secret_123', 'the-api-key', 'replace-with-your-token', 'to_be_filled'])
      silent(`DB_PASSWORD=${v}`);
    silent('postgres://username:password@db/app');
    const same = `svc_${chars(r, LOWER, 6)}`;
    silent(`Server=db;Database=app;User Id=${same};Password=${same};`);
    silent(`psql "host=db dbname=app user=${same} password=${same}"`);
    silent('redis://app:mypassword@cache:6379');
    assert.ok(find('postgres://postgres:postgres@db:5432/app', 'url-credential').every((f) => f.confidence === 'low'));
  });
  it('labels, selectors, ARNs and shell variables under password names are not passwords', () => {
    silent(`${chars(r, LOWER, 6)}Label:"Username:",passwordLabel:"Password:",rememberLabel:"Remember me:"`);
    silent(`this.resetPassword = "#reset-password";`);
    silent(`ChangePassword = "arn:aws:iam::${chars(r, DIGITS, 12)}:policy/ChangePassword"`);
    silent(`- echo 'export DB_PASSWORD="'$${chars(r, UPPER, 8)}_PASSWORD'"' >> .env`);
    const pw = `su${chars(r, LOWER, 3)}$${chars(r, LOWER, 5)}${chars(r, DIGITS, 2)}`;
    found(`password = "${pw}"`, 'secret-assignment', pw); // a '$' inside a password is still a password
  });
  it('a name ending in Secrets names resources; a _NO_AUTH name with a URL without credentials is an address', () => {
    silent(`kubernetesSecrets = "prod-db-credentials-${chars(r, HEX, 10)}"`);
    silent(`HTTP_PROXY_NO_AUTH = "socks5://proxy.corp.internal:1080"`);
    const pw = password();
    found(`PROXY_NO_AUTH = "socks5://u:${pw}@proxy.corp.internal:1080"`, 'url-credential', pw);
  });
});
