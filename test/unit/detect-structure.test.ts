/**
 * Issue 25, the second outside set (TruffleHog's detector tests, ripsecrets' and semgrep's secret-rule tests):
 * look-alikes refused by their structure, each rule beside the well-formed values it must keep finding. Values
 * are built at run time from each format's grammar (test/corpus/generate.ts), never copied from those sets.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { scanText, type Finding } from '../../src/core/detect/index.js';
import {
  ALNUM,
  chars,
  DIGITS,
  fakeAwsSecret,
  fakeAzureClientSecret,
  fakeGoogle,
  fakeSas,
  fakeSlack,
  HEX,
  JOINING,
  LOWER,
  rng,
  SAMPLE_KEY_WORDS,
  sampleWordAwsSecret,
  SAS_FLAWS,
  SAS_PLACES,
  UPPER,
  URL_JOINING,
} from '../corpus/generate.js';

const r = rng(2525);
const matched = (text: string, f: Finding): string => text.slice(f.offset, f.offset + f.length);
const counted = (text: string): string[] =>
  scanText(text)
    .filter((f) => f.confidence !== 'low')
    .map((f) => `${f.typeId}: ${matched(text, f)}`);

/** Exactly one finding at medium or above, of `type`, covering exactly `value`. */
function found(text: string, type: string, value: string): Finding {
  assert.deepEqual(counted(text), [`${type}: ${value}`], text);
  return scanText(text).find((f) => f.confidence !== 'low')!;
}

/** Nothing at medium or above, of any type: a refused look-alike must not come back as another type. */
const silent = (text: string): void => assert.deepEqual(counted(text), [], `nothing in ${JSON.stringify(text)}`);

/** The `i`th of the places a SAS query is written (a blob URL, an env entry, JSON, a connection string), holding `query`. */
const sasAt = (i: number, query: string): string => SAS_PLACES[i % SAS_PLACES.length]!.replace('@@', query);

describe('Azure shared access signatures: every field by its grammar', () => {
  it('a well-formed SAS (any field order, percent-encoded or not, with sip ranges) is found at its sig=', () => {
    for (let i = 0; i < 40; i++) {
      const { query, sig } = fakeSas(r);
      const f = found(sasAt(i, query), 'azure-storage-key', sig);
      assert.deepEqual(f.why, [
        'issuer structure (shared access signature: sv= version, sig= and its fields well-formed)',
        'decodes as a 32-byte HMAC-SHA256 signature',
      ]);
    }
  });
  for (const flaw of SAS_FLAWS)
    it(`${flaw}: not a SAS, and not a generic secret either`, () => {
      for (let i = 0; i < 12; i++) silent(sasAt(i, fakeSas(r, flaw).query));
    });
  it('query parameters under a secret-like name are settings, unless one of them is named as a secret', () => {
    silent(`AZURE_BLOB_SAS_TOKEN=st=2031-01-0${1 + Math.floor(r() * 9)}T07:24:52Z&se=2031-02-01&spr=https&sv=2022-11-02&sr=c`);
    const value = `client_id=${chars(r, LOWER, 8)}&client_secret=${chars(r, ALNUM, 32)}`;
    found(`OAUTH_TOKEN=${value}`, 'secret-assignment', value);
  });
});

describe('AWS secret keys that end in a placeholder word and KEY, as the documentation sample does', () => {
  const places = ['aws_secret_access_key = @@', 'aws_secret_access_key:@@', 'AWS_SECRET_ACCESS_KEY="@@"', 'secret_key: "@@"'];
  for (const word of SAMPLE_KEY_WORDS)
    it(`…${word}KEY is a stand-in, under an AWS name or any secret name`, () => {
      for (const place of places) silent(place.replace('@@', sampleWordAwsSecret(r, word)));
    });
  it('random keys stay found, also ending in KEY after letters that spell no placeholder word', () => {
    for (let i = 0; i < 20; i++) {
      const key = i % 2 === 0 ? fakeAwsSecret(r) : `${fakeAwsSecret(r).slice(0, 33)}${chars(r, 'BCGHJNQRVWZ', 4)}KEY`;
      const f = found(`aws_secret_access_key = ${key}`, 'aws-access-key', key);
      assert.equal(f.why[0], 'assigned to an AWS secret key name');
    }
  });
});

describe('Slack tokens end where their alphabet does', () => {
  it('a character outside the alphabet inside the token, then more of it: no prefix is read as a shorter token', () => {
    for (let i = 0; i < 60; i++) {
      const t = fakeSlack(r);
      const at = t.indexOf('-') + 2 + Math.floor(r() * (t.length - t.indexOf('-') - 3));
      silent(`slack token - '${t.slice(0, at)}${JOINING[i % JOINING.length]}${t.slice(at)}'`);
    }
  });
  it('a token followed by a delimiter, or by punctuation that ends the sentence, is found', () => {
    for (const after of ['?', '!', '&channel=C1', ' ', '"', '%22', '\\n']) {
      const t = fakeSlack(r);
      found(`token ${t}${after}`, 'slack-token', t);
    }
  });
});

describe('URL credentials: the scheme starts a word', () => {
  const pw = (): string => `${chars(r, ALNUM, 12)}${chars(r, DIGITS, 2)}`;
  const host = (): string => `10.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${1 + Math.floor(r() * 250)}:5432`;
  it('after a character that joins it to a word (`?ostgres://`), no URL starts', () => {
    for (const c of URL_JOINING) silent(`postgres token - '${c}ostgres://app:${pw()}@${host()}'`);
    silent(`DB_postgres://app:${pw()}@${host()}`);
  });
  it('after whitespace, quotes, brackets, =, :, / and * a URL starts', () => {
    for (const before of [' ', '"', "'", '(', '<', '=', ':', '/', '*', '`', '\t']) {
      const p = pw();
      found(`DATABASE${before}postgres://app:${p}@${host()}/shop`, 'url-credential', p);
    }
  });
});

describe('Google API keys: 39 characters, then no base64 padding', () => {
  it('a key followed by = or == is a run of base64, not a key', () => {
    for (let i = 0; i < 20; i++) silent(`value: ${fakeGoogle(r)}${i % 2 === 0 ? '=' : '=='}`);
  });
  it('a key followed by a delimiter is found', () => {
    for (const after of ['', '&libraries=places', '"', "'", ' ', ';']) {
      const k = fakeGoogle(r);
      found(`key=${k}${after}`, 'google-api-key', k);
    }
  });
});

describe('identical user and password in a URL: a default account, shown low on any host', () => {
  it('root:root, admin:admin, postgres:postgres on a private address are low, with the reason', () => {
    for (const account of ['root', 'admin', 'postgres', 'sa', chars(r, LOWER, 6)]) {
      const text = `mongodb://${account}:${account}@192.168.${Math.floor(r() * 255)}.${1 + Math.floor(r() * 250)}:27018,192.168.1.2:27019/`;
      const fs = scanText(text).filter((f) => f.typeId === 'url-credential');
      assert.deepEqual(
        fs.map((f) => [matched(text, f), f.confidence, f.why[1]]),
        [[account, 'low', 'password = user (a default account)']],
        text,
      );
      silent(text);
    }
  });
  it('the name of the field repeated (user:user, username:username) fills a template: nothing', () => {
    for (const word of ['user', 'username', 'password']) assert.deepEqual(scanText(`postgresql://${word}:${word}@db_host/app`), []);
  });
});

describe('Azure storage account keys named on the line before, in initialiser and fallback forms', () => {
  const key = (): string => randomBytes(64).toString('base64');
  it('a C++ brace initialiser, a fallback after the environment variable (||, ??), an AccessKey name', () => {
    for (const [template, why] of [
      ['static const std::string AzuriteAccountKey{\n    "@@"};', 'a storage account key name on the line before'],
      ['export const key =\n  process.env.ACCOUNT_KEY ||\n  "@@";', 'a storage account key name on the line before'],
      ['const k = process.env.STORAGE_KEY ??\n  "@@";', 'a storage account key name on the line before'],
      ['AZ_cloud_integration_azureStorageAccessKey:@@', 'a storage account key name on its line'],
    ] as const) {
      const k = key();
      assert.deepEqual(found(template.replace('@@', k), 'azure-storage-key', k).why, [why, 'decodes as a 64-byte key']);
    }
  });
  it('near misses: the name closed on its line before, a fallback two lines up', () => {
    silent(`const name = process.env.ACCOUNT_KEY || fallback;\nconst digest = "${key()}";`);
    silent(`const k = process.env.ACCOUNT_KEY ||\n  other ||\n  "${key()}";`);
  });
});

describe('a bare key name: only a random token in a map entry', () => {
  const token = (): string => `${chars(r, ALNUM, 26)}${chars(r, UPPER, 2)}${chars(r, LOWER, 2)}${chars(r, DIGITS, 2)}`;
  it('"key": …, \'key\': …, key: … with capitals, small letters and digits, 20 to 64 characters, is medium', () => {
    for (const place of ['"key": "@@"', '\'key\': "@@"', '  key: @@', '{ key: "@@" }']) {
      const v = token();
      const f = found(place.replace('@@', v), 'secret-assignment', v);
      assert.deepEqual([f.confidence, f.why[0]], ['medium', 'assigned to a bare key name, random value']);
    }
  });
  it('near misses: key= (a query parameter, an XML attribute), words, digests, UUIDs, public keys, templates', () => {
    silent(`https://maps.internal/api/js?key=${token()}&libraries=places`);
    const secret = `${chars(r, ALNUM, 28)}${chars(r, DIGITS, 2)}`;
    found(`<add key="ApiToken" value="${secret}" />`, 'secret-assignment', secret);
    for (const v of [
      'settings.profile.title',
      'HomePage_Title_Main',
      chars(r, HEX, 64),
      `${chars(r, HEX, 8)}-${chars(r, HEX, 4)}-4${chars(r, HEX, 3)}-a${chars(r, HEX, 3)}-${chars(r, HEX, 12)}`,
      `AAAAC3NzaC1lZDI1NTE5AAAAI${randomBytes(32).toString('base64').replace(/=+$/, '')}`,
      `\${{ runner.os }}-node-\${{ hashFiles('package-lock.json') }}`,
      chars(r, LOWER + DIGITS, 30),
    ])
      silent(`"key": "${v}"`);
  });
});

describe('PAT names a personal access token after a forge name', () => {
  it('GITHUB_PAT, GitHubPAT, GITLAB_PAT, ADO_PAT, AZURE_DEVOPS_PAT, gh_PAT with a random value', () => {
    for (const name of ['GITHUB_PAT', 'GitHubPAT', 'GITLAB_PAT', 'ADO_PAT', 'AZURE_DEVOPS_PAT', 'gh_PAT', 'GITEA_PAT_PROD']) {
      const v = chars(r, HEX, 40);
      const f = found(`${name} = "${v}"`, 'secret-assignment', v);
      assert.equal(f.why[0], 'assigned to a secret-like name');
    }
  });
  it('near misses: PAT after other words (URL_PAT, a pattern), PATH, PATTERN', () => {
    for (const name of ['URL_PAT', 'TORNADO_PAT', 'GITHUB_PATTERN', 'PATH', 'MATCH_PAT']) silent(`${name} = "${chars(r, HEX, 40)}"`);
  });
});

describe('Entra ID client secrets: the three characters before the version digit come from the whole alphabet', () => {
  it('a secret starting with - is found as one, also inside a form-encoded request body', () => {
    for (let i = 0; i < 20; i++) {
      const s = `-${fakeAzureClientSecret(r).slice(1)}`;
      const text = i % 2 === 0 ? `client_id=${chars(r, HEX, 32)}\\u0026client_secret=${s}\\u0026scope=x` : `--password ${s}`;
      const hits = scanText(text).filter((f) => f.typeId === 'azure-client-secret');
      assert.deepEqual(
        hits.map((f) => [matched(text, f), f.confidence]),
        [[s, 'high']],
        text,
      );
    }
  });
});

describe('URL hosts: a Unix socket path, percent-encoded, is a host', () => {
  it('a host that is a percent-encoded Unix socket path (MongoDB, libpq) still has a host', () => {
    const p = `${chars(r, ALNUM, 12)}${chars(r, DIGITS, 2)}`;
    found(`mongodb://app:${p}@%2Ftmp%2Fmongodb-27017.sock/test`, 'url-credential', p);
    found(`postgresql://app:${p}@%2Fvar%2Frun%2Fpostgresql/shop`, 'url-credential', p);
    silent(`mongodb://app:${p}@%zz/test`);
  });
});
