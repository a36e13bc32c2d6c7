/**
 * Issue 14, rule by rule: each issuer format, assignment form and command with a positive, its near misses,
 * and the reasons a finding gives for its confidence. Values are built at run time (no real secrets).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { counts, evaluate, scanText, type DetectionRule, type Finding } from '../../src/core/detect/index.js';
import { ALNUM, chars, DIGITS, fakeCard, fakeGithubToken, fakeIban, fakeJwt, HEX, rng, UPPER } from '../corpus/generate.js';

const r = rng(14);
const find = (text: string, type: string): Finding[] => scanText(text).filter((f) => f.typeId === type);
const matched = (text: string, f: Finding): string => text.slice(f.offset, f.offset + f.length);

/** Exactly one finding of `type` at medium confidence or above, covering `value`. */
function found(text: string, type: string, value: string): Finding {
  const fs = find(text, type).filter((f) => f.confidence !== 'low');
  assert.equal(fs.length, 1, `one ${type} in ${JSON.stringify(text)}: ${JSON.stringify(fs.map((f) => [matched(text, f), f.why]))}`);
  assert.equal(matched(text, fs[0]!), value, text);
  return fs[0]!;
}

/** Nothing of `type` at medium or above. */
function missed(text: string, type: string): void {
  const fs = find(text, type).filter((f) => f.confidence !== 'low');
  assert.deepEqual(
    fs.map((f) => matched(text, f)),
    [],
    `no ${type} in ${JSON.stringify(text)}`,
  );
}

const secret = (n = 32): string => chars(r, ALNUM, n);
const password = (): string => `Tq${chars(r, ALNUM, 10)}!7`;

describe('Slack: every token and webhook shape, validated by structure', () => {
  const id = () => chars(r, DIGITS, 11);
  const shapes: Record<string, string> = {
    bot: `xoxb-${id()}-${id()}-${secret(24)}`,
    user: `xoxp-${id()}-${id()}-${id()}-${chars(r, HEX, 32)}`,
    'legacy user, short segments': `xoxp-52342-234243-89012-${chars(r, HEX, 8)}`,
    'legacy session': `xoxs-${chars(r, DIGITS, 6)}-${chars(r, DIGITS, 9)}-${chars(r, DIGITS, 10)}-${chars(r, HEX, 10)}`,
    'legacy workspace, version 2': `xoxa-2-${chars(r, DIGITS, 9)}-${chars(r, DIGITS, 11)}-${chars(r, DIGITS, 13)}-${chars(r, HEX, 18)}`,
    'legacy bot': `xoxb-${chars(r, DIGITS, 10)}-${secret(24)}`,
    'app-level': `xapp-1-A${chars(r, UPPER + DIGITS, 10)}-${chars(r, DIGITS, 13)}-${chars(r, HEX, 64)}`,
    'rotating access': `xoxe.xoxp-1-${secret(166)}`,
    refresh: `xoxe-1-${secret(146)}`,
    'workspace app': `xoxa-2-${id()}-${id()}-${id()}-${secret(32)}`,
    // A random 32-hex tail of low entropy is still a token: structure decides, not an entropy threshold.
    'user, low-entropy hex tail': `xoxp-${id()}-${id()}-${id()}-${'0123456789abcdef'.repeat(2).split('').sort().join('')}`,
  };
  for (const [name, token] of Object.entries(shapes)) {
    it(name, () => {
      const f = found(`SLACK_TOKEN=${token}`, 'slack-token', token);
      assert.equal(f.confidence, 'high');
      assert.ok(
        f.why.some((w) => w.startsWith('issuer structure')),
        f.why.join(),
      );
    });
  }
  it('webhooks: incoming, workflow (four path segments), trigger, alone in their text (past the gate on k.com/)', () => {
    for (const url of [
      `hooks.slack.com/services/T${chars(r, UPPER, 8)}/B${chars(r, UPPER, 10)}/${secret(24)}`,
      `hooks.slack.com/workflows/T${chars(r, UPPER, 9)}/A${chars(r, UPPER, 10)}/${chars(r, DIGITS, 18)}/${secret(24)}`,
      `hooks.slack.com/triggers/T${chars(r, UPPER, 9)}/${chars(r, DIGITS, 13)}/${chars(r, HEX, 32)}`,
    ]) {
      assert.ok(!url.includes('xox') && !url.includes('xapp-'), 'no token prefix opens the gate instead');
      found(`url: https://${url}`, 'slack-token', url);
    }
  });
  it('near misses: placeholder, no numeric ids, unknown prefix, short webhook secret; the documentation webhook is a sample', () => {
    missed('SLACK_TOKEN=xoxb-your-token-here', 'slack-token');
    missed(`xoxb-${chars(r, 'abcdefghij', 30)}`, 'slack-token');
    missed(`xoxq-${chars(r, DIGITS, 11)}-${chars(r, DIGITS, 11)}-${secret(24)}`, 'slack-token');
    missed(`https://hooks.slack.com/services/T${chars(r, UPPER, 8)}/B${chars(r, UPPER, 10)}/${secret(10)}`, 'slack-token');
    const doc = 'https://hooks.slack.com/services/T00000000/B00000000/' + 'X'.repeat(24);
    const [f] = find(`webhook: ${doc}`, 'slack-token');
    assert.equal(f?.confidence, 'low');
    assert.equal(f.sample, true);
    assert.match(f.why.join(), /published sample \(Slack documentation\), ignored/);
  });
});

describe('GitHub, AWS, Azure, Google', () => {
  it('GitHub classic: the CRC-32 checksum is the reason for high confidence; a bad one is a look-alike', () => {
    const t = fakeGithubToken(r, 'ghp');
    assert.deepEqual(found(`token ${t}`, 'github-token', t).why, ['issuer prefix ghp_ (personal access token)', 'CRC-32 checksum passed']);
    const bad = t.slice(0, -1) + (t.endsWith('a') ? 'b' : 'a');
    assert.equal(find(`token ${bad}`, 'github-token')[0]?.confidence, 'low');
  });
  it('GitHub fine-grained tokens as issued today; too short is not one', () => {
    const t = `github_pat_11${chars(r, UPPER, 7)}0${secret(12)}_${secret(59)}`;
    assert.equal(found(`GH_TOKEN=${t}`, 'github-token', t).confidence, 'high');
    missed(`GH_TOKEN=github_pat_${secret(22)}_${secret(40)}`, 'github-token');
  });
  it('AWS: every access key id prefix; unique ids of users and roles are not keys; the documentation pair is a sample', () => {
    for (const prefix of ['AKIA', 'ASIA', 'ABIA', 'ACCA']) {
      const id = prefix + chars(r, UPPER + '234567', 16);
      assert.match(found(`id ${id}`, 'aws-access-key', id).why.join(), new RegExp(`issuer prefix ${prefix}`));
    }
    for (const prefix of ['AIDA', 'AROA', 'AGPA', 'ANPA']) missed(`"UserId": "${prefix}${chars(r, UPPER + '234567', 16)}"`, 'aws-access-key');
    const sample = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
    const [f] = find(`aws_access_key_id = ${sample}`, 'aws-access-key');
    assert.deepEqual([f?.confidence, f?.sample], ['low', true]);
  });
  it('Azure AD client secrets: version digit and Q~; near misses without them or too short', () => {
    const s = `${secret(3)}8Q~${chars(r, ALNUM + '_~.-', 34)}`;
    found(`"clientSecret": "${s}"`, 'azure-client-secret', s);
    missed(`id ${secret(3)}xQ~${secret(34)}`, 'azure-client-secret');
    missed(`id ${secret(3)}8Q~${secret(20)}`, 'azure-client-secret');
  });
  it('Google: a published sample key is reported as a sample, not flagged', () => {
    const sample = ['AIzaSyDaGmWKa4JsXZ', '-HjGw7ISLn_3namBGewQe'].join('');
    const [f] = find(`apiKey: "${sample}"`, 'google-api-key');
    assert.deepEqual([f?.confidence, f?.sample, f?.why], ['low', true, ['published sample (Google Maps Platform samples), ignored']]);
    const key = `AIza${chars(r, ALNUM + '_-', 35)}`;
    assert.equal(found(`key=${key}`, 'google-api-key', key).confidence, 'high');
  });
  it('a sample never triggers a rule, whatever confidence the rule asks for', () => {
    const sample = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
    const findings = scanText(`aws_access_key_id = ${sample}`);
    const rule: DetectionRule = { types: ['aws-access-key'], minLabel: 'secret', action: 'recommend', minConfidence: 'low' };
    assert.equal(findings.filter((f) => counts(rule, f)).length, 0);
    assert.equal(evaluate(findings, undefined, { rank: () => 1, rules: [rule] }).action, 'none');
  });
});

describe('assignments in the syntax of every common language', () => {
  const v = secret(32);
  const forms: Record<string, string> = {
    'TypeScript/JavaScript': `const apiToken = '${v}';`,
    'TypeScript typed': `const apiToken: string = "${v}";`,
    Python: `API_TOKEN = "${v}"`,
    'Python environ': `os.environ["API_TOKEN"] = "${v}"`,
    'Go var with type': `var apiToken string = "${v}"`,
    'Go :=': `\tapiToken := "${v}"`,
    'Go Setenv': `os.Setenv("API_TOKEN", "${v}")`,
    Java: `private static final String API_TOKEN = "${v}";`,
    'Java System.setProperty': `System.setProperty("X_TOKEN", "${v}");`,
    Kotlin: `private val apiToken: String = "${v}"`,
    'C#': `private const string ApiToken = "${v}";`,
    'C# verbatim string': `var apiToken = @"${v}";`,
    Ruby: `ENV['API_TOKEN'] = '${v}'`,
    'Ruby hash': `  :api_token => '${v}',`,
    PHP: `$api_token = "${v}";`,
    'PHP .=': `$api_token .= "${v}";`,
    Rust: `const API_TOKEN: &str = "${v}";`,
    shell: `export API_TOKEN="${v}"`,
    'Make :=': `API_TOKEN := ${v}`,
    'Make ::=': `API_TOKEN ::= ${v}`,
    'Make :::=': `API_TOKEN :::= ${v}`,
    'Make ?=': `API_TOKEN ?= ${v}`,
    YAML: `  apiToken: ${v}`,
    TOML: `api_token = "${v}"`,
    'INI/.env': `API_TOKEN=${v}`,
    JSON: `  "api_token": "${v}",`,
    'JSON, KEY=value inside a string': `  "env": ["API_TOKEN=${v}", "DEBUG=1"],`,
    XML: `<apiToken>${v}</apiToken>`,
    'XML, value on the next line': `<apiToken>\n    ${v}\n</apiToken>`,
    'XML key/value attributes': `<add key="ApiToken" value="${v}" />`,
    HCL: `  api_token = "${v}"`,
    'Dockerfile ENV': `ENV API_TOKEN ${v}`,
    'Dockerfile ARG': `ARG API_TOKEN=${v}`,
  };
  for (const [language, line] of Object.entries(forms)) {
    it(language, () => {
      const f = found(line, 'secret-assignment', v);
      assert.ok(f.why.includes('assigned to a secret-like name') && f.why.some((w) => w.startsWith('entropy ')), f.why.join());
    });
  }
  it('secret-name vocabulary: auth, token1-style numbers, camelCase, compound words', () => {
    for (const name of ['user_auth', 'AUTH', 'token1', 'TOKEN_2', 'githubApiToken', 'accesstoken', 'dbPassword'])
      found(`${name} = "${v}"`, 'secret-assignment', v);
  });
  it('public, CSRF and paging tokens and placeholder words are not secrets', () => {
    for (const name of [
      'csrf_token',
      'csrfToken',
      'xsrf_token',
      '_csrf',
      'authenticity_token',
      'public_key',
      'publishableKey',
      'next_page_token',
      'continuationToken',
      'STRIPE_PUBLISHABLE_KEY',
    ]) {
      missed(`${name} = "${v}"`, 'secret-assignment');
    }
    for (const value of [
      'dummy-token-for-tests',
      'not-a-real-secret-123',
      'fake_api_key_1234567',
      'placeholder-value-01',
      'REDACTED',
      'changeme-please-now',
      'your-api-key-here',
    ]) {
      missed(`api_key = "${value}"`, 'secret-assignment');
    }
  });
  it('near misses per form: comparisons, code, types without a value, other names', () => {
    missed(`if (token == "${v}") {`, 'secret-assignment');
    missed(`if token != "${v}":`, 'secret-assignment');
    missed('const apiToken: string = getToken();', 'secret-assignment');
    missed('apiToken := os.Getenv("API_TOKEN")', 'secret-assignment');
    missed(`System.setProperty("X_TOKEN", token);`, 'secret-assignment');
    missed(`<apiToken>\n  <nested>${v}</nested>\n</apiToken>`, 'secret-assignment');
    missed(`"env": ["TOKEN_TTL=3600"]`, 'secret-assignment');
    missed(`std::string token::${v}`, 'secret-assignment');
    missed(`tokenizer = "${v}"`, 'secret-assignment');
    missed(`ENV API_TOKEN_FILE /run/secrets/${v}`, 'secret-assignment');
  });
});

describe('credentials in commands and headers', () => {
  it('curl -u, --user, wget --password, docker/podman login -p, mysql -p, sshpass -p', () => {
    for (const [template, why] of [
      ['curl -u deploy:@@ https://ci.internal/api', 'curl -u user:password'],
      ['curl --user "svc:@@" https://ci.internal/api', 'curl -u user:password'],
      ['wget --user=svc --password=@@ https://files.internal/x', 'a --password/--token flag'],
      ['docker login -u ci -p @@ registry.internal', 'registry login -p (docker, podman, helm)'],
      ['podman login registry.internal --username ci --password @@', 'registry login -p (docker, podman, helm)'],
      ['helm registry login registry.internal -u ci -p @@', 'registry login -p (docker, podman, helm)'],
      ['mysql -h db -u root -p@@ shop', 'mysql -p<password>'],
      ['sshpass -p @@ ssh deploy@10.0.0.4', 'sshpass -p'],
    ] as const) {
      const pw = password().replace('!', 'x');
      const text = template.replace('@@', pw);
      assert.equal(found(text, 'command-credential', pw).why[0], why, text);
    }
  });
  it('Authorization headers: Basic decodes as user:password, Bearer must look random', () => {
    const basic = Buffer.from(`svc:${password()}`).toString('base64');
    assert.deepEqual(found(`curl -H "Authorization: Basic ${basic}" https://x.internal/`, 'command-credential', basic).why, [
      'Authorization: Basic header',
      'decodes as user:password',
    ]);
    const bearer = secret(40);
    found(`  "Authorization": "Bearer ${bearer}",`, 'command-credential', bearer);
    found(`authorization = "Bearer ${bearer}"`, 'command-credential', bearer);
  });
  it('near misses: variables, stdin, prompts, templates, Basic without a password', () => {
    missed('curl -u "$USER:$PASS" https://x.internal', 'command-credential');
    missed('curl -u ${CI_USER}:${CI_TOKEN} https://x.internal', 'command-credential');
    missed('echo "$T" | docker login -u ci --password-stdin registry.internal', 'command-credential');
    missed('mysql -h db -u root -p shop', 'command-credential');
    missed('Authorization: Bearer ${TOKEN}', 'command-credential');
    missed('Authorization: Bearer YOUR_TOKEN_HERE', 'command-credential');
    missed(`Authorization: Basic ${Buffer.from(secret(18)).toString('base64')}`, 'command-credential');
    missed(`git log -u ${secret(8)}:${secret(12)}`, 'command-credential');
    missed('ssh login@bastion.internal -p 2222', 'command-credential');
    missed('docker build --secret id=npmrc,src=$HOME/.npmrc .', 'command-credential');
    missed('mysql -h db -P 3306 -u root -p shop', 'command-credential');
  });
  it('libpq connection strings separated by spaces', () => {
    const pw = password();
    found(`psql "host=pg.internal dbname=app user=svc password=${pw} sslmode=require"`, 'connection-string-credential', pw);
    missed(`host=pg.internal dbname=app user=svc password=<password>`, 'connection-string-credential');
  });
});

describe('JWTs: signed, unsigned, base64-wrapped', () => {
  const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const claims = b64url({ sub: '42', scope: 'admin' });
  it('unsigned two-part and unsecured tokens at medium, with the reason', () => {
    const two = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${claims}`;
    assert.match(found(`id_token=${two}`, 'jwt', two).why.join(), /two parts, no signature/);
    const none = `${b64url({ alg: 'none' })}.${claims}.`;
    assert.match(found(`"token": "${none}"`, 'jwt', none.slice(0, -1) + '.').why.join(), /unsecured \(alg none\)/);
  });
  it('a JWT wrapped in base64 (Kubernetes secrets, cookies)', () => {
    const wrapped = Buffer.from(fakeJwt(r)).toString('base64');
    const f = found(`  id-token: ${wrapped}`, 'jwt', wrapped);
    assert.equal(f.why[0], 'decodes as a base64-wrapped JWT');
    assert.equal(f.confidence, 'high');
  });
  it('near misses: two parts without JSON claims, base64 of something else', () => {
    missed(`part ${b64url({ alg: 'HS256' })}.${secret(40)}`, 'jwt');
    missed(`blob: ${Buffer.from(`eyJ${secret(40)}`).toString('base64')}`, 'jwt');
  });
});

describe('PII in its real spellings', () => {
  it('SSNs with spaces or dots, without a keyword; with a keyword they rise to high', () => {
    assert.equal(found('Applicant: Ada, 123 45 6780', 'us-ssn', '123 45 6780').confidence, 'medium');
    assert.equal(found('ssn 123.45.6780', 'us-ssn', '123.45.6780').confidence, 'high');
    missed('phone 123 45 6780', 'us-ssn');
    missed('Order No. 123.45.6780', 'us-ssn');
    missed('version 123.45.6780', 'us-ssn');
    missed('SSN 912.45.6780', 'us-ssn');
  });
  it('card schemes by issuer range: UATP (15 digits starting 1), Dankort, Mir, RuPay, Troy, Verve', () => {
    const luhnDigit = (body: string) => {
      let sum = 0;
      for (let i = 0; i < body.length; i++) {
        let d = Number(body[body.length - 1 - i]);
        if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
      }
      return String((10 - (sum % 10)) % 10);
    };
    for (const [prefix, length, issuer] of [
      ['1', 15, 'UATP'],
      ['5019', 16, 'Dankort'],
      ['2201', 16, 'Mir'],
      ['8172', 16, 'RuPay'],
      ['9792', 16, 'Troy'],
      ['506100', 19, 'Verve'],
    ] as const) {
      const body = prefix + chars(r, DIGITS, length - prefix.length - 1);
      const card = body + luhnDigit(body);
      assert.ok(found(`card ${card}`, 'credit-card', card).why.includes(`${issuer} issuer range and length`), issuer);
    }
  });
  it('an invalid IBAN is neither an IBAN nor a card, though its digits pass Luhn', () => {
    const card = fakeCard(r).padEnd(16, '0').slice(0, 16);
    const text = `IBAN: DE00 ${(card + '12').match(/.{1,4}/g)!.join(' ')}`;
    missed(text, 'credit-card');
    missed(text, 'iban');
  });
  it('IBANs with any separator: space, dash, dot, no-break space', () => {
    const iban = fakeIban(r);
    for (const sep of [' ', '-', '.', '\u00a0']) {
      const printed = iban.match(/.{1,4}/g)!.join(sep);
      assert.deepEqual(found(`IBAN ${printed}.`, 'iban', printed).why, ['ISO 13616 mod-97 checksum passed', `${iban.slice(0, 2)} length ${iban.length}`]);
    }
  });
  it('email lists with internationalised domains, Unicode and punycode', () => {
    const domains = ['bücher.de', 'xn--bcher-kva.de', 'почта.рф', 'mail.xn--p1ai', '例え.jp'];
    const text = Array.from({ length: 12 }, (_, i) => `${i},user${i}@${domains[i % domains.length]}`).join('\n');
    assert.equal(find(text, 'email-list').length, 12);
  });
});

describe('why a finding has its confidence', () => {
  it('every built-in finding in a mixed text gives reasons, none of which holds the value', () => {
    const values = [fakeGithubToken(r), fakeJwt(r), fakeCard(r), fakeIban(r), `xoxb-${chars(r, DIGITS, 11)}-${chars(r, DIGITS, 11)}-${secret(24)}`];
    const text = values.map((v, i) => `item ${i}: ${v}`).join('\n');
    const fs = scanText(text);
    assert.ok(fs.length >= values.length);
    for (const f of fs) {
      assert.ok(f.why.length > 0, f.typeId);
      for (const v of values) assert.ok(!f.why.join().includes(v.slice(4, -4)));
    }
    // Hashes of the values never appear either (a reason is words, not data).
    for (const v of values) assert.ok(!JSON.stringify(fs).includes(createHash('sha256').update(v).digest('hex').slice(0, 12)));
  });
});
