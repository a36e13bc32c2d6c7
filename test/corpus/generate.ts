/**
 * Corpus generator for the detectors: mixed text (code, config, logs, prose, data) with planted sensitive
 * values of every built-in type and near misses beside them. Every value is made up at run time — valid
 * in shape and checksum, never a real secret. Seeded, so a failing run can be reproduced (keys aside,
 * which come from node:crypto).
 */
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

export type Rng = () => number;

/** mulberry32: a small, fast, seeded PRNG (not for secrets; these are fakes). */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
/** `n` characters drawn from `alphabet`. */
export const chars = (r: Rng, alphabet: string, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
};
export const DIGITS = '0123456789';
export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const LOWER = 'abcdefghijklmnopqrstuvwxyz';
export const ALNUM = UPPER + LOWER + DIGITS;
const B64 = ALNUM + '+/';
export const HEX = '0123456789abcdef';

/** A planted value: `text` holds it at [start, end); `typeId` is undefined for a near miss. */
export interface Snippet {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly typeId?: string | undefined;
  /** For near misses: what it imitates (a type id) and why it must not count. */
  readonly decoy?: string | undefined;
  /** For near misses: the type whose negative it is (the false-alarm rate counts per type). */
  readonly decoyOf?: string;
  /** The family of shapes met in the wild it belongs to (issue 25), when it is one of them. */
  readonly family?: string;
}

/** Shuffles `xs` in place (Fisher–Yates) and returns it. */
function shuffle<T>(r: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = int(r, 0, i);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** Builds a snippet from a template whose `@@` marks where `value` goes. */
function snip(template: string, value: string, typeId?: string, decoy?: string): Snippet {
  const at = template.indexOf('@@');
  return { text: template.slice(0, at) + value + template.slice(at + 2), start: at, end: at + value.length, typeId, decoy };
}

// ---- fake values ------------------------------------------------------------------------------

function luhnDigit(partial: string): string {
  let sum = 0;
  for (let i = 0; i < partial.length; i++) {
    let d = Number(partial[partial.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

/** Issuer prefixes and lengths as the networks publish them: Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, UATP, Dankort, Mir, RuPay, Troy, Verve, BORICA. */
const CARD_PREFIXES: readonly [string, number][] = [
  ['4', 16],
  ['4', 13],
  ['51', 16],
  ['55', 16],
  ['2221', 16],
  ['2720', 16],
  ['34', 15],
  ['37', 15],
  ['6011', 16],
  ['65', 16],
  ['3528', 16],
  ['36', 14],
  ['62', 16],
  ['4', 19],
  ['1', 15],
  ['5019', 16],
  ['2200', 16],
  ['81', 16],
  ['9792', 16],
  ['506099', 19],
  ['2205', 16],
];

/** A Luhn-valid number in a real issuer range (not a published test number). */
export function fakeCard(r: Rng): string {
  const [prefix, len] = pick(r, CARD_PREFIXES);
  const body = prefix + chars(r, DIGITS, len - prefix.length - 1);
  return body + luhnDigit(body);
}

function formatCard(r: Rng, digits: string): string {
  const sep = pick(r, ['', ' ', '-']);
  if (sep === '') return digits;
  if (digits.length === 15) return [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10)].join(sep);
  if (digits.length === 14) return [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10)].join(sep);
  return digits.match(/.{1,4}/g)!.join(sep);
}

const IBAN_SPECS: readonly [string, number, 'n' | 'a'][] = [
  ['DE', 22, 'n'],
  ['FR', 27, 'n'],
  ['GB', 22, 'a'],
  ['NL', 18, 'a'],
  ['ES', 24, 'n'],
  ['IT', 27, 'a'],
  ['BE', 16, 'n'],
  ['CH', 21, 'n'],
  ['AT', 20, 'n'],
  ['PL', 28, 'n'],
  ['NO', 15, 'n'],
  ['SE', 24, 'n'],
  ['MT', 31, 'a'],
];

function ibanCheck(country: string, bban: string): string {
  const s = (bban + country + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let r = 0;
  for (const ch of s) r = (r * 10 + Number(ch)) % 97;
  return String(98 - r).padStart(2, '0');
}

/** A mod-97-valid IBAN of a real country length (compact form). */
export function fakeIban(r: Rng): string {
  const [country, len, kind] = pick(r, IBAN_SPECS);
  const bban = kind === 'a' ? chars(r, UPPER, 4) + chars(r, DIGITS, len - 8) : chars(r, DIGITS, len - 4);
  return country + ibanCheck(country, bban) + bban;
}

const printIban = (iban: string): string => iban.match(/.{1,4}/g)!.join(' ');

/** A US SSN in valid ranges. */
export function fakeSsn(r: Rng): string {
  let area = int(r, 1, 899);
  if (area === 666) area = 667;
  return `${String(area).padStart(3, '0')}-${String(int(r, 1, 99)).padStart(2, '0')}-${String(int(r, 1, 9999)).padStart(4, '0')}`;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A GitHub token whose checksum is right (CRC-32 from node:zlib, independent of the detector's). */
export function fakeGithubToken(r: Rng, prefix = pick(r, ['ghp', 'gho', 'ghu', 'ghs', 'ghr'])): string {
  const random = chars(r, ALNUM, 30);
  let c = crc32(random);
  let sum = '';
  for (let i = 0; i < 6; i++) {
    sum = BASE62[c % 62] + sum;
    c = Math.floor(c / 62);
  }
  return `${prefix}_${random}${sum}`;
}

export const fakeAwsKeyId = (r: Rng): string => pick(r, ['AKIA', 'ASIA']) + chars(r, UPPER + '234567', 16);
export const fakeAwsSecret = (r: Rng): string => {
  for (;;) {
    const s = chars(r, B64, 40);
    if (/[A-Z]/.test(s) && /[a-z]/.test(s) && /\d/.test(s)) return s;
  }
};
const slackId = (r: Rng): string => chars(r, DIGITS, int(r, 10, 13));
/** Slack's token shapes (api.slack.com "Token types"), current and legacy. */
export const fakeSlack = (r: Rng): string =>
  pick(r, [
    () => `xoxb-${slackId(r)}-${slackId(r)}-${chars(r, ALNUM, 24)}`,
    () => `xoxp-${slackId(r)}-${slackId(r)}-${slackId(r)}-${chars(r, HEX, 32)}`,
    () => `xoxp-${chars(r, DIGITS, int(r, 5, 10))}-${chars(r, DIGITS, int(r, 5, 10))}-${chars(r, DIGITS, int(r, 5, 10))}-${chars(r, HEX, int(r, 6, 12))}`,
    () => `xoxs-${chars(r, DIGITS, int(r, 5, 10))}-${chars(r, DIGITS, int(r, 5, 10))}-${chars(r, DIGITS, int(r, 5, 10))}-${chars(r, HEX, int(r, 6, 64))}`,
    () => `xoxb-${chars(r, DIGITS, int(r, 8, 12))}-${chars(r, ALNUM, 24)}`,
    () => `xapp-1-A${chars(r, UPPER + DIGITS, 10)}-${chars(r, DIGITS, 13)}-${chars(r, HEX, 64)}`,
    () => `xoxe.xoxp-1-${chars(r, ALNUM, 166)}`,
    () => `xoxe-1-${chars(r, ALNUM, 146)}`,
    () => `${pick(r, ['xoxa', 'xoxr'])}-${chars(r, ALNUM, int(r, 20, 48))}`,
    () => `${pick(r, ['xoxa', 'xoxb', 'xoxp'])}-${slackId(r)}-${slackId(r)}-${chars(r, ALNUM, 24)}`,
  ])();
/** Incoming webhooks, workflow webhooks (four path segments) and workflow triggers. */
const fakeWebhook = (r: Rng): string =>
  pick(r, [
    () => `https://hooks.slack.com/services/T${chars(r, UPPER + DIGITS, 8)}/B${chars(r, UPPER + DIGITS, 10)}/${chars(r, ALNUM, 24)}`,
    () => `https://hooks.slack.com/workflows/T${chars(r, UPPER + DIGITS, 9)}/A${chars(r, UPPER + DIGITS, 10)}/${chars(r, DIGITS, 18)}/${chars(r, ALNUM, 24)}`,
    () => `https://hooks.slack.com/triggers/T${chars(r, UPPER + DIGITS, 9)}/${chars(r, DIGITS, 13)}/${chars(r, HEX, 32)}`,
  ])();
/** A GitHub fine-grained personal access token: `github_pat_`, a 22-character id, `_`, 59 characters. */
const fakeGithubPat = (r: Rng): string => `github_pat_11${chars(r, UPPER + DIGITS, 7)}0${chars(r, ALNUM, 12)}_${chars(r, ALNUM, 59)}`;
/** An Entra ID (Azure AD) client secret: 3 characters, a version digit, `Q~`, 34 characters. */
export const fakeAzureClientSecret = (r: Rng): string => `${chars(r, ALNUM + '_~.-', 3)}${pick(r, ['7', '8'])}Q~${chars(r, ALNUM + '_~.-', 34)}`;
const fakeStripe = (r: Rng): string => `${pick(r, ['sk', 'rk'])}_live_${chars(r, ALNUM, pick(r, [24, 99]))}`;
export const fakeGoogle = (r: Rng): string => `AIza${chars(r, ALNUM + '_-', 35)}`;
const fakeAzureKey = (r: Rng): string => Buffer.from(Array.from({ length: 64 }, () => int(r, 0, 255))).toString('base64');
const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An HS256 JWT over made-up claims. */
export function fakeJwt(r: Rng): string {
  const head = b64url({ alg: pick(r, ['HS256', 'HS384']), typ: 'JWT' });
  const body = b64url({ sub: chars(r, DIGITS, 8), name: pick(r, NAMES), iat: 1_700_000_000 + int(r, 0, 9e6) });
  const sig = createHmac('sha256', chars(r, ALNUM, 16))
    .update(`${head}.${body}`)
    .digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** An unsigned JWT: RFC 7519 §6 unsecured (`alg: none`, empty signature) or cut to its two first parts. */
function fakeUnsignedJwt(r: Rng): string {
  const body = b64url({ sub: chars(r, DIGITS, 8), scope: pick(r, ['read', 'admin', 'write']), exp: 1_700_000_000 + int(r, 0, 9e6) });
  return r() < 0.5 ? `${b64url({ alg: 'none', typ: 'JWT' })}.${body}.` : `${b64url({ alg: 'HS256', typ: 'JWT' })}.${body}`;
}

const fakeSecret = (r: Rng): string =>
  pick(r, [() => chars(r, ALNUM, int(r, 20, 48)), () => chars(r, HEX, pick(r, [32, 40, 64])), () => chars(r, B64, int(r, 24, 44))])();
const fakePassword = (r: Rng): string => {
  const word = pick(r, ['Summer', 'Blue', 'Tiger', 'Maple', 'Orbit', 'Falcon', 'River', 'Copper']);
  return pick(r, [
    () => `${word}${int(r, 10, 9999)}${pick(r, ['!', '#', '$', '%', '&'])}`,
    () => chars(r, ALNUM, 1) + chars(r, ALNUM + '!#%&*', int(r, 9, 19)),
  ])(); // YAML reads a leading ! or & as syntax
};

// ---- private keys (real key material from node:crypto, used for nothing) ------------------------

/** Builds an unencrypted openssh-key-v1 file (OpenSSH PROTOCOL.key) around an Ed25519 key. */
function opensshKey(): string {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const priv = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const str = (b: Buffer | string): Buffer => {
    const v = typeof b === 'string' ? Buffer.from(b) : b;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(v.length);
    return Buffer.concat([len, v]);
  };
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const pubBlob = Buffer.concat([str('ssh-ed25519'), str(pub)]);
  const check = randomBytes(4);
  let privBlock = Buffer.concat([check, check, str('ssh-ed25519'), str(pub), str(Buffer.concat([priv, pub])), str('corpus@example.invalid')]);
  const pad = Array.from({ length: (8 - (privBlock.length % 8)) % 8 }, (_, i) => i + 1);
  privBlock = Buffer.concat([privBlock, Buffer.from(pad)]);
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0'), str('none'), str('none'), str(''), u32(1), str(pubBlob), str(privBlock)]);
  const lines = body
    .toString('base64')
    .match(/.{1,70}/g)!
    .join('\n');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines}\n-----END OPENSSH PRIVATE KEY-----`;
}

let keyPool: string[] | undefined;

/** A few private keys in every PEM flavour, made once per process (RSA generation is slow). */
export function privateKeys(): readonly string[] {
  if (keyPool) return keyPool;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const ed = generateKeyPairSync('ed25519').privateKey;
  keyPool = [
    rsa.export({ type: 'pkcs1', format: 'pem' }) as string,
    rsa.export({ type: 'pkcs8', format: 'pem' }) as string,
    ec.export({ type: 'sec1', format: 'pem' }) as string,
    ed.export({ type: 'pkcs8', format: 'pem' }) as string,
    ec.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'corpus' }) as string,
    opensshKey(),
  ].map((k) => k.trim());
  return keyPool;
}

// ---- filler ------------------------------------------------------------------------------------

const NAMES = [
  'Ada Lovelace',
  'Alan Turing',
  'Grace Hopper',
  'Edsger Dijkstra',
  'Barbara Liskov',
  'Ken Thompson',
  'Frances Allen',
  'Donald Knuth',
  'Margaret Hamilton',
  'Dennis Ritchie',
  'Émilie du Châtelet',
  'Sofía Kovalévskaya',
];
const WORDS =
  'the of and to in is that for it as with was on be by this are from or have an they which one you were her all she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my now such like our over man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(
    ' ',
  );
const IDENTS = [
  'user',
  'order',
  'item',
  'count',
  'index',
  'value',
  'result',
  'config',
  'options',
  'request',
  'response',
  'buffer',
  'handler',
  'cache',
  'queue',
  'node',
  'token',
  'parser',
  'state',
  'session',
  'client',
  'service',
  'record',
  'entry',
  'path',
  'name',
  'size',
  'limit',
  'offset',
  'timeout',
];
const PROSE_EXTRA = ['naïve café', 'Zürich straße', 'façade déjà vu', '東京の天気', 'Привет мир', 'emoji 🚀 rocket', 'über-cool'];

function sentence(r: Rng, unicode = true): string {
  const n = int(r, 6, 18);
  const ws: string[] = [];
  for (let i = 0; i < n; i++) ws.push(pick(r, WORDS));
  if (unicode && r() < 0.1) ws.splice(int(r, 0, ws.length), 0, pick(r, PROSE_EXTRA));
  const s = ws.join(' ');
  return s[0]!.toUpperCase() + s.slice(1) + pick(r, ['.', '.', '.', '?', '!']);
}

const uuid = (r: Rng): string =>
  `${chars(r, HEX, 8)}-${chars(r, HEX, 4)}-4${chars(r, HEX, 3)}-${pick(r, ['8', '9', 'a', 'b'])}${chars(r, HEX, 3)}-${chars(r, HEX, 12)}`;
const camel = (r: Rng): string => pick(r, IDENTS) + pick(r, IDENTS)[0]!.toUpperCase() + pick(r, IDENTS).slice(1);
const ip = (r: Rng): string => `${int(r, 10, 223)}.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 1, 254)}`;
const iso = (r: Rng): string =>
  `2024-${String(int(r, 1, 12)).padStart(2, '0')}-${String(int(r, 1, 28)).padStart(2, '0')}T${String(int(r, 0, 23)).padStart(2, '0')}:${String(int(r, 0, 59)).padStart(2, '0')}:${String(int(r, 0, 59)).padStart(2, '0')}.${int(r, 100, 999)}Z`;

/** One line of ordinary, non-sensitive text in one of several styles; `unicode` lets prose leave ASCII. */
export function fillerLine(r: Rng, unicode = true): string {
  switch (int(r, 0, 11)) {
    case 0:
    case 1:
      return sentence(r, unicode) + ' ' + sentence(r, unicode);
    case 2:
      return `  const ${camel(r)} = ${pick(r, IDENTS)}.${camel(r)}(${pick(r, IDENTS)}, ${int(r, 0, 4096)});`;
    case 3:
      return `  if (${pick(r, IDENTS)}.${pick(r, IDENTS)} > ${int(r, 0, 1e6)} && ${camel(r)} !== null) { return ${r() * 1000}; }`;
    case 4:
      return `${iso(r)} ${pick(r, ['INFO', 'WARN', 'DEBUG', 'ERROR'])} [${pick(r, IDENTS)}] request_id=${uuid(r)} ip=${ip(r)} duration=${int(r, 1, 9999)}ms path=/api/v${int(r, 1, 3)}/${pick(r, IDENTS)}/${int(r, 1, 1e9)}`;
    case 5:
      return `  {"id": ${int(r, 1, 1e12)}, "${pick(r, IDENTS)}": "${pick(r, WORDS)}", "sha": "${chars(r, HEX, 40)}", "ratio": ${r()}, "ts": ${1_700_000_000_000 + int(r, 0, 1e10)}},`;
    case 6:
      return `${int(r, 1, 99999)},${pick(r, WORDS)},${(r() * 1e5).toFixed(2)},${int(r, 0, 1)},${iso(r).slice(0, 10)},${pick(r, ['EUR', 'USD', 'GBP'])}`;
    case 7:
      return `${pick(r, IDENTS)}_${pick(r, IDENTS)}: ${pick(r, ['true', 'false', String(int(r, 0, 65535)), pick(r, WORDS), `"${pick(r, WORDS)}-${pick(r, WORDS)}"`])}`;
    case 8:
      return `    # ${sentence(r, unicode)} See https://docs.${pick(r, WORDS)}.dev/${pick(r, WORDS)}/${int(r, 1, 99)}#${pick(r, WORDS)}`;
    case 9:
      return `  "${pick(r, IDENTS)}": "data:image/png;base64,${chars(r, B64, int(r, 40, 160))}",`;
    case 10:
      return `def ${pick(r, IDENTS)}_${pick(r, IDENTS)}(self, ${pick(r, IDENTS)}=None, retries=${int(r, 1, 9)}):  # v${int(r, 0, 9)}.${int(r, 0, 30)}.${int(r, 0, 99)}`;
    default:
      return `call +1 ${int(r, 200, 999)}-${int(r, 200, 999)}-${String(int(r, 0, 9999)).padStart(4, '0')} or fax ${int(r, 100, 999)} ${int(r, 100, 999)} ${int(r, 1000, 9999)}; order #${int(r, 1e5, 1e9)} ref ${uuid(r)}`;
  }
}

// ---- planted items: positives and near misses per type -----------------------------------------

type Maker = (r: Rng) => Snippet;

/** The assignment syntax of each language and format a workspace holds (the detector's FORMS table, from the other side). */
const languageStyles = (name: string): string[] => {
  const camelName = name.replace(/_(.)/g, (_, c: string) => c.toUpperCase());
  const upper = name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  return [
    `var ${camelName} string = "@@"`, // Go
    `\t${camelName} := "@@"`, // Go
    `$${name} .= "@@";`, // PHP
    `$config['${name}'] = '@@';`, // PHP
    `${upper} ::= @@`, // GNU Make
    `${upper} :::= @@`, // GNU Make
    `${upper} ?= @@`, // Make
    `System.setProperty("${upper}", "@@");`, // Java
    `os.Setenv("${upper}", "@@")`, // Go
    `<${camelName}>\n    @@\n</${camelName}>`, // XML, value on the next line
    `<add key="${camelName}" value="@@" />`, // .NET app.config
    `  "env": ["${upper}=@@", "DEBUG=1"],`, // JSON, KEY=value in a string
    `const ${upper}: &str = "@@";`, // Rust
    `private val ${camelName}: String = "@@"`, // Kotlin
    `private const string ${camelName} = @"@@";`, // C#
    `ENV['${upper}'] = '@@'`, // Ruby
    `  :${name} => '@@',`, // Ruby hash
    `${name} = "@@"`, // TOML, HCL
    `ENV ${upper} @@`, // Dockerfile, space form
    `ARG ${upper}=@@`, // Dockerfile
    `${camelName}: "@@"`, // YAML
    `os.environ["${upper}"] = "@@"`, // Python
    `  ${camelName}: '@@',`, // TypeScript/JavaScript object
  ];
};

const assignStyles = (name: string): string[] => [
  `${name.toUpperCase()}=@@`,
  `export ${name.toUpperCase()}="@@"`,
  `  ${name}: "@@"`,
  `  "${name}": "@@",`,
  `const ${name.replace(/_(.)/g, (_, c: string) => c.toUpperCase())} = '@@';`,
  `${name} = "@@"  # set by ops`,
  `  ${name}: @@`,
];

/** Positives in the formats as documented: each makes one snippet holding one value of its type. */
const DOCUMENTED: Readonly<Record<string, Maker>> = {
  'credit-card': (r) =>
    snip(
      pick(r, ['Card number: @@ exp 04/27', 'cc=@@', '"pan": "@@",', 'Paid with VISA @@ on 2024-03-02', '@@', 'customer,@@,ok']),
      formatCard(r, fakeCard(r)),
      'credit-card',
    ),
  iban: (r) => {
    const i = fakeIban(r);
    const grouped = (sep: string) => i.match(/.{1,4}/g)!.join(sep);
    return snip(
      pick(r, ['IBAN: @@', 'Bank account @@ (EUR)', '"iban": "@@"', 'Pay to @@ by Friday']),
      pick(r, [i, printIban(i), grouped('-'), grouped('.'), grouped('\u00a0')]),
      'iban',
    );
  },
  'us-ssn': (r) => {
    const s = fakeSsn(r);
    return pick(r, [
      () => snip(pick(r, ['SSN: @@', 'applicant ssn @@ verified', '@@', 'employee,@@,active']), s, 'us-ssn'),
      () => snip('Social Security number @@', s.replace(/-/g, pick(r, [' ', ''])), 'us-ssn'),
      () => snip(pick(r, ['@@', 'Applicant: Ada Lovelace, @@', 'name,@@,dob', 'SSN @@']), s.replace(/-/g, pick(r, [' ', '.'])), 'us-ssn'),
    ])();
  },
  'private-key': (r) => {
    const k = pick(r, privateKeys());
    return pick(r, [() => snip('@@\n', k, 'private-key'), () => snip('  "private_key": "@@\\n",', k.replace(/\n/g, '\\n'), 'private-key')])();
  },
  'aws-access-key': (r) =>
    pick(r, [
      () => snip(pick(r, ['aws_access_key_id = @@', 'AWS_ACCESS_KEY_ID=@@', '"AccessKeyId": "@@",']), fakeAwsKeyId(r), 'aws-access-key'),
      () => snip(pick(r, ['aws_secret_access_key = @@', 'AWS_SECRET_ACCESS_KEY="@@"']), fakeAwsSecret(r), 'aws-access-key'),
    ])(),
  'github-token': (r) =>
    snip(
      pick(r, ['GITHUB_TOKEN=@@', 'git clone https://x-access-token:@@@github.com/o/r', '  token: @@', 'Authorization: token @@']),
      r() < 0.7 ? fakeGithubToken(r) : fakeGithubPat(r),
      'github-token',
    ),
  'slack-token': (r) =>
    r() < 0.6
      ? snip(pick(r, ['SLACK_BOT_TOKEN=@@', 'slack_token: "@@"', 'client = WebClient(token="@@")', 'SLACK_APP_TOKEN=@@']), fakeSlack(r), 'slack-token')
      : snip(pick(r, ['webhook_url: @@', 'curl -X POST -d @payload.json @@']), fakeWebhook(r), 'slack-token'),
  'azure-client-secret': (r) =>
    snip(
      pick(r, ['AZURE_CLIENT_SECRET=@@', '"clientSecret": "@@",', '  client_secret: @@', '$secret = "@@"']),
      fakeAzureClientSecret(r),
      'azure-client-secret',
    ),
  'stripe-key': (r) => snip(pick(r, ['STRIPE_SECRET_KEY=@@', 'stripe.api_key = "@@"', "Stripe::Client.new('@@')"]), fakeStripe(r), 'stripe-key'),
  'google-api-key': (r) =>
    snip(
      pick(r, ['GOOGLE_API_KEY=@@', '<script src="https://maps.googleapis.com/maps/api/js?key=@@"></script>', '"apiKey": "@@",']),
      fakeGoogle(r),
      'google-api-key',
    ),
  'azure-storage-key': (r) =>
    snip(
      `"Storage": "DefaultEndpointsProtocol=https;AccountName=${chars(r, LOWER, 10)};AccountKey=@@;EndpointSuffix=core.windows.net"`,
      fakeAzureKey(r),
      'azure-storage-key',
    ),
  'connection-string-credential': (r) =>
    snip(
      pick(r, [
        'Server=tcp:db.internal,1433;Initial Catalog=shop;User ID=app;Password=@@;Encrypt=True;',
        'Host=pg.internal;Port=5432;Database=app;Username=svc;Password=@@',
        '"Data Source=sql01;Initial Catalog=crm;User Id=crm;Pwd=@@;"',
        'psql "host=pg.internal port=5432 dbname=app user=svc password=@@ sslmode=require"',
      ]),
      fakePassword(r),
      'connection-string-credential',
    ),
  'command-credential': (r) =>
    pick(r, [
      () =>
        snip(
          pick(r, [
            'curl -u deploy:@@ https://ci.internal/api',
            'curl --user "svc:@@" -X POST https://api.internal/v1',
            '  wget --user=svc --password=@@ https://files.internal/x',
          ]),
          fakePassword(r).replace(/[!#$%&*]/g, '9'),
          'command-credential',
        ),
      () =>
        snip(
          pick(r, ['curl -H "Authorization: Basic @@" https://api.internal/', 'Authorization: Basic @@', '  "Authorization": "Basic @@",']),
          Buffer.from(`svc:${fakePassword(r)}`).toString('base64'),
          'command-credential',
        ),
      () =>
        snip(
          pick(r, ['curl -H "Authorization: Bearer @@" https://api.internal/', '  authorization = "Bearer @@"']),
          fakeSecret(r).replace(/[+/]/g, 'x'),
          'command-credential',
        ),
      () =>
        snip(
          pick(r, [
            'docker login -u ci -p @@ registry.internal',
            'echo ok && podman login registry.internal --username ci --password @@',
            'mysql -h db.internal -u root -p@@ shop',
            'sshpass -p @@ ssh deploy@10.0.0.4',
          ]),
          fakePassword(r).replace(/[!#$%&*]/g, 'x'),
          'command-credential',
        ),
    ])(),
  'url-credential': (r) =>
    snip(
      `${pick(r, ['postgres', 'mysql', 'redis', 'amqp', 'https', 'mongodb+srv'])}://${pick(r, ['app', 'svc', 'deploy', ''])}:@@@${pick(r, ['db', 'cache', 'mq', 'api'])}.${pick(r, ['internal', 'corp.net', 'prod.io'])}:5432/x`,
      encodeURIComponent(fakePassword(r)),
      'url-credential',
    ),
  'secret-assignment': (r) => {
    const [name, value] = pick(r, [
      () => [pick(r, ['db_password', 'admin_password', 'smtp_pass', 'passwd', 'userPassword']), fakePassword(r)] as const,
      () =>
        [
          pick(r, [
            'api_key',
            'client_secret',
            'auth_token',
            'secret_key',
            'access_token',
            'signing_key',
            'webhook_secret',
            'user_auth',
            'token1',
            'apiToken',
            'accesstoken',
          ]),
          fakeSecret(r),
        ] as const,
    ])();
    return snip(pick(r, r() < 0.5 ? assignStyles(name) : languageStyles(name)), value, 'secret-assignment');
  },
  jwt: (r) =>
    pick(r, [
      () =>
        snip(pick(r, ['Authorization: Bearer @@', 'id_token=@@', '"access_token": "@@"', 'curl -H "X-Token: @@" https://api.internal/']), fakeJwt(r), 'jwt'),
      () => snip(pick(r, ['id_token=@@', '"token": "@@"']), fakeUnsignedJwt(r), 'jwt'),
      () => snip(pick(r, ['  token: @@', 'data:\n  id-token: @@']), Buffer.from(fakeJwt(r)).toString('base64'), 'jwt'),
    ])(),
};

/** Near misses of the documented formats: the shape of a type without being one (must not be reported at medium or high). */
const DOCUMENTED_NEAR_MISSES: Readonly<Record<string, Maker>> = {
  'credit-card': (r) =>
    pick(r, [
      () => {
        const c = fakeCard(r);
        return snip('Card number: @@', c.slice(0, -1) + String((Number(c.at(-1)) + int(r, 1, 9)) % 10), undefined, 'Luhn failure');
      },
      () => {
        const body = pick(r, ['1', '7']) + chars(r, DIGITS, 14);
        return snip('id @@', body + luhnDigit(body), undefined, 'no issuer');
      },
      () => {
        // An invalid IBAN whose digits hold a Luhn-valid card: neither an IBAN nor a card.
        const card = '4' + chars(r, DIGITS, 14);
        const digits = card + luhnDigit(card) + chars(r, DIGITS, 2);
        return snip('IBAN: @@', `DE00 ${digits.match(/.{1,4}/g)!.join(' ')}`, undefined, 'invalid IBAN holding a card number');
      },
      () => snip('test card @@', pick(r, ['4111 1111 1111 1111', '4242424242424242', '5555-5555-5555-4444']), undefined, 'test number'),
      () => snip('ratio=0.@@', fakeCard(r), undefined, 'decimal digits'),
      () =>
        snip(
          'uuid @@',
          `${chars(r, DIGITS, 8)}-${chars(r, DIGITS, 4)}-${chars(r, DIGITS, 4)}-${chars(r, DIGITS, 4)}-${chars(r, DIGITS, 12)}`,
          undefined,
          'UUID of digits',
        ),
    ])(),
  iban: (r) =>
    pick(r, [
      () => {
        const i = fakeIban(r);
        const bad = i.slice(0, 2) + String((Number(i.slice(2, 4)) + int(r, 1, 50)) % 97).padStart(2, '0') + i.slice(4);
        return snip('IBAN: @@', bad === i ? i.slice(0, -1) + 'X' : bad, undefined, 'checksum');
      },
      () => snip('IBAN: @@', fakeIban(r).slice(0, -1), undefined, 'length'),
      () => snip('code @@', 'XQ' + chars(r, DIGITS, 20), undefined, 'country'),
    ])(),
  'us-ssn': (r) =>
    pick(r, [
      () =>
        snip(
          'SSN: @@',
          `${pick(r, ['000', '666', String(int(r, 900, 999))])}-${String(int(r, 1, 99)).padStart(2, '0')}-${String(int(r, 1, 9999)).padStart(4, '0')}`,
          undefined,
          'area',
        ),
      () => snip('SSN: @@', `${String(int(r, 1, 665)).padStart(3, '0')}-00-${String(int(r, 1, 9999)).padStart(4, '0')}`, undefined, 'group'),
      () => snip('SSN: @@', `${String(int(r, 1, 665)).padStart(3, '0')}-${String(int(r, 1, 99)).padStart(2, '0')}-0000`, undefined, 'serial'),
      () => snip('SSN: @@', pick(r, ['078-05-1120', '123-45-6789', '219-09-9999']), undefined, 'voided example'),
      () => snip('build @@ done', fakeSsn(r).replace(/-/g, ''), undefined, 'bare digits without keyword'),
      () =>
        snip(
          pick(r, ['phone @@', 'Order No. @@', 'version @@']),
          fakeSsn(r).replace(/-/g, pick(r, [' ', '.'])),
          undefined,
          '3-2-4 in a phone/order/version context',
        ),
      () =>
        snip(
          'SSN: @@',
          `${String(int(r, 900, 999))}.${String(int(r, 1, 99)).padStart(2, '0')}.${String(int(r, 1, 9999)).padStart(4, '0')}`,
          undefined,
          'dotted, invalid area',
        ),
    ])(),
  'private-key': (r) =>
    pick(r, [
      () => snip('@@', '-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----', undefined, 'placeholder'),
      () => snip('Paste the line starting with @@ here.', '-----BEGIN OPENSSH PRIVATE KEY-----', undefined, 'mention'),
      () => snip('@@', `-----BEGIN PUBLIC KEY-----\nMIIB${chars(r, B64, 60)}\n${chars(r, B64, 64)}\n-----END PUBLIC KEY-----`, undefined, 'public key'),
      () => snip('@@', `-----BEGIN CERTIFICATE-----\nMIIC${chars(r, B64, 60)}\n${chars(r, B64, 64)}\n-----END CERTIFICATE-----`, undefined, 'certificate'),
    ])(),
  'aws-access-key': (r) =>
    pick(r, [
      () => snip('aws_access_key_id = @@', 'AKIAIOSFODNN7EXAMPLE', undefined, 'documentation example'),
      () => snip('key @@', 'AKIA' + chars(r, UPPER, 15), undefined, 'too short'),
      () => snip('id @@', 'XAKIA' + chars(r, UPPER, 16), undefined, 'inside a longer token'),
      () => snip('sha1 @@', chars(r, HEX, 40), undefined, 'hex digest'),
      () => snip('"UserId": "@@"', pick(r, ['AIDA', 'AROA', 'AGPA', 'ANPA']) + chars(r, UPPER + '234567', 17), undefined, 'a unique id, not a key'),
    ])(),
  'github-token': (r) =>
    pick(r, [
      () => {
        const t = fakeGithubToken(r);
        return snip('token @@', t.slice(0, -1) + (t.at(-1) === 'a' ? 'b' : 'a'), undefined, 'bad checksum');
      },
      () => snip('GITHUB_TOKEN=@@', 'ghp_' + 'x'.repeat(36), undefined, 'placeholder'),
      () => snip('token @@', 'ghx_' + chars(r, ALNUM, 36), undefined, 'unknown prefix'),
      () => snip('token @@', 'ghp_' + chars(r, ALNUM, 30), undefined, 'too short'),
      () => snip('token @@', `github_pat_${chars(r, ALNUM, 22)}_${chars(r, ALNUM, 40)}`, undefined, 'fine-grained too short'),
    ])(),
  'slack-token': (r) =>
    pick(r, [
      () => snip('SLACK_TOKEN=@@', 'xoxb-your-token-here', undefined, 'placeholder'),
      () => snip('url: @@', 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX', undefined, 'documentation webhook'),
      () => snip('@@', 'xoxb-' + chars(r, LOWER, 30), undefined, 'no numeric ids'),
      () => snip('@@', `xoxq-${chars(r, DIGITS, 11)}-${chars(r, DIGITS, 11)}-${chars(r, ALNUM, 24)}`, undefined, 'unknown prefix'),
      () =>
        snip(
          'url: @@',
          `https://hooks.slack.com/services/T${chars(r, UPPER, 8)}/B${chars(r, UPPER, 10)}/${chars(r, ALNUM, 12)}`,
          undefined,
          'webhook secret too short',
        ),
      () => snip('@@', `xapp-1-A${chars(r, UPPER, 10)}-${chars(r, DIGITS, 13)}-xxxxxxxxxxxxxxxxxxxx`, undefined, 'placeholder secret'),
    ])(),
  'azure-client-secret': (r) =>
    pick(r, [
      () => snip('object id @@', `${chars(r, ALNUM, 3)}${chars(r, UPPER + LOWER, 1)}Q~${chars(r, ALNUM, 34)}`, undefined, 'no version digit'),
      () => snip('value @@', `${chars(r, ALNUM, 3)}8Q~${chars(r, ALNUM, 20)}`, undefined, 'too short'),
      () => snip('see @@ for the marker', 'Q~', undefined, 'mention'),
      () => snip('AZURE_CLIENT_SECRET=@@', `abc8Q~${'x'.repeat(34)}`, undefined, 'placeholder'),
    ])(),
  'stripe-key': (r) =>
    pick(r, [
      () => snip('STRIPE_KEY=@@', 'sk_test_' + chars(r, ALNUM, 24), undefined, 'test key'),
      () => snip('publishable: @@', 'pk_live_' + chars(r, ALNUM, 24), undefined, 'publishable key'),
      () => snip('key @@', 'sk_live_' + 'x'.repeat(24), undefined, 'placeholder'),
    ])(),
  'google-api-key': (r) =>
    pick(r, [
      () => snip('key=@@', 'AIza' + chars(r, ALNUM, 30), undefined, 'too short'),
      () => snip('key=@@', 'AIzaSy' + 'X'.repeat(33), undefined, 'placeholder'),
      () => snip('apiKey: "@@"', 'AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe', undefined, 'published sample'),
    ])(),
  'azure-storage-key': (r) =>
    pick(r, [
      () => snip('AccountName=x;AccountKey=@@;', '<your-account-key>', undefined, 'placeholder'),
      () =>
        snip(
          'AccountName=devstoreaccount1;AccountKey=@@;',
          'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
          undefined,
          'published emulator key',
        ),
    ])(),
  'connection-string-credential': (r) =>
    pick(r, [
      () =>
        snip(
          'Server=db;Database=app;User Id=sa;Password=@@;',
          pick(r, ['{your_password}', '<password>', '$(DB_PASSWORD)', '********', '%s']),
          undefined,
          'placeholder',
        ),
      () => snip('Set Password=@@ in the dialog.', fakePassword(r), undefined, 'no connection string around it'),
    ])(),
  'command-credential': (r) =>
    pick(r, [
      () =>
        snip(
          'curl -u @@ https://api.internal/',
          pick(r, ['"$USER:$PASS"', '${CI_USER}:${CI_TOKEN}', 'admin:<password>', 'user:password']),
          undefined,
          'variables or placeholder',
        ),
      () => snip('echo "$TOKEN" | docker login -u ci @@ registry.internal', '--password-stdin', undefined, 'password from stdin'),
      () => snip('Authorization: Bearer @@', pick(r, ['${TOKEN}', '<token>', 'YOUR_TOKEN_HERE', '$ACCESS_TOKEN']), undefined, 'template'),
      () => snip('Authorization: Basic @@', Buffer.from(chars(r, ALNUM, 18)).toString('base64'), undefined, 'Basic without user:password'),
      () => snip('mysql -h db -u root @@ shop', '-p', undefined, 'prompts for the password'),
      () => snip('ssh @@ deploy@host', '-p 2222', undefined, 'port, not a password'),
    ])(),
  'url-credential': (r) =>
    pick(r, [
      () => snip('postgres://@@@db.internal/app', 'user', undefined, 'no password'),
      () => snip('https://user:@@@example.com/', fakePassword(r), undefined, 'documentation host'),
      () => snip('DATABASE_URL=postgres://${DB_USER}:@@@db:5432/app', '${DB_PASS}', undefined, 'template'),
      () => snip('redis://:@@@cache.internal:6379', 'password', undefined, 'placeholder'),
    ])(),
  'secret-assignment': (r) =>
    pick(r, [
      () => snip('password = "@@"', pick(r, ['changeme', 'password', 'secret', '<password>', 'xxxxxxxx', 'your-password-here']), undefined, 'placeholder'),
      () =>
        snip(
          pick(r, ['api_key = @@', 'token: @@,', 'const secret = @@;']),
          pick(r, ['config.apiKey', 'process.env.API_TOKEN', 'getSecret()', "os.environ['TOKEN']", 'options.token']),
          undefined,
          'code reference',
        ),
      () =>
        snip(
          pick(r, ['token_type = "@@"', 'password_hash: "@@"', 'secretName: "@@"', 'tokenizer = "@@"']),
          pick(r, ['bearer', `${chars(r, HEX, 32)}`, 'my-app-secret', 'whitespace']),
          undefined,
          'not a secret name',
        ),
      () => snip('TOKEN_TTL=@@', String(int(r, 60, 86400)), undefined, 'number'),
      () => snip('api_key: "@@"', 'abcabcabcabcabcabc', undefined, 'low entropy'),
      () => snip('  secret: ${{ secrets.@@ }}', 'DEPLOY_KEY', undefined, 'CI template'),
      () =>
        snip(
          pick(r, [
            'csrf_token = "@@"',
            '<input type="hidden" name="authenticity_token" value="@@">',
            'publicKey: "@@"',
            'NEXT_PAGE_TOKEN=@@',
            'xsrfToken: "@@"',
            'STRIPE_PUBLISHABLE_KEY=@@',
          ]),
          fakeSecret(r),
          undefined,
          'public or CSRF token',
        ),
      () =>
        snip(
          pick(r, ['api_key = "@@"', 'AUTH_TOKEN=@@', 'password: "@@"']),
          pick(r, ['dummy-token-for-tests', 'not-a-real-secret-123', 'fake_api_key_1234567', 'placeholder-value-01', 'REDACTED']),
          undefined,
          'placeholder word',
        ),
      () => snip(pick(r, ['if (token == "@@") {', 'assert password != "@@"', 'expect(apiKey).toBe(@@)']), fakeSecret(r), undefined, 'comparison'),
      () =>
        snip(
          pick(r, ['authorMail = "@@"', 'auth_url = "@@"', 'tokenizerPath = "@@"']),
          `https://${chars(r, LOWER, 8)}.internal/${chars(r, ALNUM, 20)}`,
          undefined,
          'not a secret name',
        ),
    ])(),
  jwt: (r) =>
    pick(r, [
      () => snip('token @@', `eyJ${chars(r, ALNUM, 20)}.${chars(r, ALNUM, 30)}.${chars(r, ALNUM, 43)}`, undefined, 'header is not JSON'),
      () => snip('token @@', `${b64url({ ver: 2 })}.${b64url({ sub: '1' })}.${chars(r, ALNUM, 43)}`, undefined, 'no alg and no JOSE parameter'),
      () => snip('data @@', `${b64url({ alg: 'HS256' })}.${b64url({ sub: '1' })}.abc`, undefined, 'signature too short'),
      () => snip('part @@', `${b64url({ alg: 'HS256', typ: 'JWT' })}.${chars(r, ALNUM, 40)}`, undefined, 'unsigned, payload not JSON'),
      () => snip('blob: @@', Buffer.from(`eyJ${chars(r, ALNUM, 40)}`).toString('base64'), undefined, 'base64 of a non-JWT'),
    ])(),
};

// ---- shapes met in the wild (issue 25) ----------------------------------------------------------
// Families generated from each issuer's grammar as tokens appear in real code and commands, beside near
// misses of the same families. Only outside cases (other projects' test suites) measure generalisation:
// these check that the rules hold across a family, not that they fit unseen data.

/** A family: a name and a maker; the snippet it makes carries the family's name. */
const family =
  (name: string, make: Maker): Maker =>
  (r) => ({ ...make(r), family: name });

/** The IANA JOSE header parameters a header without `alg` may carry instead (RFC 7515 §4.1, RFC 7516 §4.1, RFC 7797). */
const joseHeaderWithoutAlg = (r: Rng): Record<string, unknown> =>
  pick(r, [
    () => ({ typ: pick(r, ['JWT', 'at+jwt', 'JOSE']) }),
    () => ({ kid: `${chars(r, LOWER, 4)}-${chars(r, HEX, 8)}` }),
    () => ({ cty: 'JWT', typ: 'JWT' }),
    () => ({ enc: pick(r, ['A256GCM', 'A128CBC-HS256']) }),
    () => ({ b64: false, crit: ['b64'] }),
    () => ({ x5t: chars(r, ALNUM, 27) }),
    () => ({ jku: `https://${chars(r, LOWER, 6)}.internal/jwks.json` }),
  ])();
/** A JWT whose JOSE header names registered parameters but no `alg`, signed or two-part. */
const fakeJwtWithoutAlg = (r: Rng): string => {
  const body = b64url({ sub: chars(r, DIGITS, 8), iat: 1_700_000_000 + int(r, 0, 9e6), scope: pick(r, ['read', 'admin']) });
  return `${b64url(joseHeaderWithoutAlg(r))}.${body}${r() < 0.8 ? `.${Buffer.from(chars(r, ALNUM, 32)).toString('base64url')}` : ''}`;
};
/** base64 of `v` as encoders write it: standard, unpadded, URL-safe, or wrapped at 76 columns (GNU base64, MIME). */
const wrapBase64 = (r: Rng, v: string): string => {
  const std = Buffer.from(v).toString('base64');
  return pick(r, [() => std, () => std.replace(/=+$/, ''), () => Buffer.from(v).toString('base64url'), () => std.match(/.{1,76}/g)!.join('\n    ')])();
};
const slackId5 = (r: Rng): string => chars(r, DIGITS, int(r, 5, 13));
/** A random 64-byte key, base64: what an Azure storage account key decodes to. */
const keyHeader = (r: Rng): string =>
  pick(r, ['X-Api-Key', 'x-api-key', 'apikey', 'Api-Token', 'Token', `X-${pick(r, ['Octopus', 'Acme', 'Vault'])}-ApiKey`, 'X-Auth-Token', 'PRIVATE-TOKEN']);
/** A value with digits and letters, as API keys are: hex, a UUID, or base62. */
const apiKeyValue = (r: Rng): string => pick(r, [() => chars(r, HEX, int(r, 16, 40)), () => uuid(r), () => chars(r, ALNUM, int(r, 20, 40)) + int(r, 0, 9)])();
const urlPassword = (r: Rng): string => chars(r, ALNUM, int(r, 10, 20));

// ---- malformed look-alikes (issue 25, second outside set) ---------------------------------------
// Each rule refuses a value by its structure: the generators below write a well-formed value from the
// issuer's grammar and, for near misses, break exactly one part of it.

/** Permission letters of a service SAS (learn.microsoft.com, "Create a service SAS"); letters outside the set. */
const SAS_PERMISSIONS = 'racwdxyltfmeopi';
const NOT_SAS_PERMISSIONS = 'bghjknqsvz';
/** What a near miss breaks in a shared access signature: one field off its grammar, or no signature at all. */
export const SAS_FLAWS = [
  'no sig=',
  'a permission letter outside the set',
  'a permission letter twice',
  'sip= not an IPv4 address or range',
  'st= or se= not an ISO 8601 UTC time',
  'sig= not 32 bytes',
] as const;
export type SasFlaw = (typeof SAS_FLAWS)[number];

const sasTime = (r: Rng): string => {
  const t = pick(r, [() => iso(r).slice(0, 10), () => `${iso(r).slice(0, 16)}Z`, () => `${iso(r).slice(0, 19)}Z`, () => iso(r)])();
  return r() < 0.3 ? t.replace(/:/g, '%3A') : t;
};
const sasSig = (r: Rng, bytes: number): string => {
  const b64 = randomBytes(bytes).toString('base64');
  return r() < 0.5 ? b64 : b64.replace(/\+/g, '%2B').replace(/\//g, '%2F').replace(/=/g, '%3D');
};

/**
 * A shared access signature's query: `sv`, `sp`, `st`, `se`, maybe `sip`, `spr`, `sr` in any order and `sig=`
 * (an HMAC-SHA256, 32 bytes in base64), as Azure writes it; `flaw` breaks one part. Returns the query and the
 * signature as written in it (empty when there is none).
 */
export function fakeSas(r: Rng, flaw?: SasFlaw): { query: string; sig: string } {
  let sp = shuffle(r, [...SAS_PERMISSIONS])
    .slice(0, int(r, 1, 6))
    .join('');
  if (flaw === 'a permission letter outside the set') {
    const at = int(r, 0, sp.length);
    sp = sp.slice(0, at) + pick(r, [...NOT_SAS_PERMISSIONS]) + sp.slice(at);
  }
  if (flaw === 'a permission letter twice') sp += sp[int(r, 0, sp.length - 1)];
  let se = sasTime(r);
  if (flaw === 'st= or se= not an ISO 8601 UTC time')
    se = pick(r, [() => `2025-${int(r, 13, 19)}-0${int(r, 1, 9)}`, () => `${iso(r).slice(0, 11)}24:00:00Z`, () => iso(r).slice(0, 19)])();
  const fields = [`sv=20${int(r, 15, 25)}-${String(int(r, 1, 12)).padStart(2, '0')}-0${int(r, 1, 9)}`, `sp=${sp}`, `st=${sasTime(r)}`, `se=${se}`];
  if (flaw === 'sip= not an IPv4 address or range') {
    const octets = ip(r).split('.');
    fields.push(`sip=${r() < 0.5 ? octets.slice(0, 3).join('.') : [int(r, 256, 999), ...octets.slice(1)].join('.')}`);
  } else if (r() < 0.3) fields.push(`sip=${ip(r)}${r() < 0.5 ? `-${ip(r)}` : ''}`);
  if (r() < 0.5) fields.push(`spr=${pick(r, ['https', 'https,http'])}`);
  fields.push(`sr=${pick(r, ['b', 'c', 'bs'])}`);
  shuffle(r, fields);
  const sig = flaw === 'no sig=' ? '' : sasSig(r, flaw === 'sig= not 32 bytes' ? pick(r, [31, 33]) : 32);
  if (sig) fields.push(`sig=${sig}`);
  return { query: fields.join('&'), sig };
}
/** Where a SAS query is written: a blob URL, an environment entry, JSON, a storage connection string. */
export const SAS_PLACES = [
  'https://acct.blob.core.windows.net/container/file.txt?@@',
  'AZURE_STORAGE_SAS_TOKEN=@@',
  '"sasToken": "?@@",',
  'BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=@@',
];

/** Capital placeholder words that end a key the way AWS's documentation secret ends in EXAMPLEKEY. */
export const SAMPLE_KEY_WORDS = ['SAMPLE', 'TEST', 'FAKE', 'DUMMY', 'MOCK', 'DEMO'] as const;
/** A 40-character secret access key in AWS's documentation style: random, then a placeholder word and `KEY`. */
export const sampleWordAwsSecret = (r: Rng, word: string = pick(r, SAMPLE_KEY_WORDS)): string => `${fakeAwsSecret(r).slice(0, 37 - word.length)}${word}KEY`;
/** Characters that join a token to what follows, so that no prefix of the run is the token (`xoxr-8334…?2461…`). */
export const JOINING = ['?', '!', '^', '~', '$', '*'] as const;
/** Characters that join a word to a URL scheme after them (`?ostgres://`): no URL starts there. */
export const URL_JOINING = ['?', '!', '#', '$', '%', '^', '~', '&', '@'] as const;

const WILD: Readonly<Record<string, readonly Maker[]>> = {
  jwt: [
    family('JWT, JOSE header without alg', (r) => snip(pick(r, ['id_token=@@', '"access_token": "@@"', 'Cookie: session=@@']), fakeJwtWithoutAlg(r), 'jwt')),
    family('JWT wrapped in base64 (standard, unpadded, URL-safe, 76 columns)', (r) =>
      snip(pick(r, ['data:\n  token: @@', 'AUTH_COOKIE=@@', '  "blob": "@@"']), wrapBase64(r, r() < 0.5 ? fakeJwt(r) : fakeJwtWithoutAlg(r)), 'jwt'),
    ),
  ],
  'slack-token': [
    family('Slack legacy token, version and three ids', (r) =>
      snip(
        'SLACK_TOKEN=@@',
        `${pick(r, ['xoxa', 'xoxr', 'xoxp'])}-2-${slackId5(r)}-${slackId5(r)}-${slackId5(r)}-${chars(r, HEX, int(r, 10, 40))}`,
        'slack-token',
      ),
    ),
    family('Slack two numeric segments', (r) =>
      snip('token: "@@"', `${pick(r, ['xoxa', 'xoxb', 'xoxo'])}-${chars(r, DIGITS, int(r, 8, 12))}-${chars(r, DIGITS, int(r, 10, 13))}`, 'slack-token'),
    ),
    family('Slack app-level token, shorter secret', (r) =>
      snip('SLACK_APP_TOKEN=@@', `xapp-1-A${chars(r, UPPER + DIGITS, 10)}-${chars(r, DIGITS, 13)}-${chars(r, HEX, int(r, 20, 60))}`, 'slack-token'),
    ),
  ],
  'command-credential': [
    family('curl Authorization header without a scheme', (r) =>
      snip(pick(r, ['curl -H "Authorization: @@" https://api.internal/v1', "curl --header 'Authorization:  @@'"]), apiKeyValue(r), 'command-credential'),
    ),
    family('curl Authorization: Api-Token', (r) =>
      snip('curl -H "Authorization: Api-Token @@" --request PUT https://api.internal/', chars(r, HEX, 40), 'command-credential'),
    ),
    family('curl key header (apikey, X-…-ApiKey, Token)', (r) =>
      snip(`curl -X GET https://api.internal/ \\\n     -H "${keyHeader(r)}: @@" \\\n     -H "Accept: application/json"`, apiKeyValue(r), 'command-credential'),
    ),
    family('curl Authorization: Basic, empty password', (r) =>
      snip(
        "curl -H 'Authorization: Basic @@' https://auth.internal/token",
        Buffer.from(`${chars(r, LOWER, int(r, 6, 12))}:`).toString('base64'),
        'command-credential',
      ),
    ),
    family('curl OpenShift sha256~ token', (r) =>
      snip('curl -H "Authorization: @@" https://api.cluster.internal:6443/apis', `sha256~${chars(r, ALNUM + '_-', 43)}`, 'command-credential'),
    ),
    family('curl -u after a line continuation', (r) =>
      snip(
        `curl -k -X POST https://svc.internal/rest \\\n  -H 'Content-type: text/plain' \\\n  ${pick(r, ['-u', '--user'])} ${pick(r, ['dev', 'svc'])}:@@`,
        urlPassword(r),
        'command-credential',
      ),
    ),
    family('curl -u with an empty user or password', (r) => {
      const v = urlPassword(r);
      return r() < 0.5
        ? snip('curl -u ":@@" https://search.internal:9200', v, 'command-credential')
        : snip('curl -u "@@:" https://search.internal:9200', v, 'command-credential');
    }),
    family('curl -u with braces or a quoted password part', (r) =>
      pick(r, [
        () => snip(`curl -X POST --user "{${uuid(r)}}":"{@@}" https://api.internal/`, urlPassword(r), 'command-credential'),
        () => snip(`curl --user ${pick(r, ['kevin', 'ops'])}:'@@' -X PATCH https://api.internal/`, urlPassword(r), 'command-credential'),
        () => snip(`curl --user "${pick(r, ['kevin', 'ops'])}":"@@" https://api.internal/`, urlPassword(r), 'command-credential'),
      ])(),
    ),
  ],
  'azure-storage-key': [
    family('Azure storage key outside an assignment', (r) => {
      const key = fakeAzureKey(r);
      return pick(r, [
        () => snip('var settings = new Dictionary<string, string> { { "AccountName", "acct" }, { "AccountKey", "@@" } };', key, 'azure-storage-key'),
        () => snip('Assert.AreEqual("@@", credentials.AccountKey);', key, 'azure-storage-key'),
        () => snip('storage_account_key =\n    "@@"', key, 'azure-storage-key'),
        () => snip('static const std::string AccountKey{\n    "@@"};', key, 'azure-storage-key'),
        () => snip('export const key =\n  process.env.AZURE_STORAGE_KEY ||\n  "@@";', key, 'azure-storage-key'),
        () => snip('azureStorageAccessKey: @@', key, 'azure-storage-key'),
        () => snip('az storage blob upload --account-name acct --account-key "@@" -f build.zip', key, 'azure-storage-key'),
        () =>
          snip(
            'kind: Secret\ndata:\n  azurestorageaccountname: YWNjdA==\n  azurestorageaccountkey: @@',
            Buffer.from(key).toString('base64'),
            'azure-storage-key',
          ),
        () =>
          snip(
            `Endpoint=sb://${chars(r, LOWER, 8)}.servicebus.windows.net/;SharedAccessKeyName=${pick(r, ['RootManageSharedAccessKey', 'send', 'listen'])};SharedAccessKey=@@`,
            Buffer.from(Array.from({ length: 32 }, () => int(r, 0, 255))).toString('base64'),
            'azure-storage-key',
          ),
      ])();
    }),
    family('Azure shared access signature, fields well-formed', (r) => {
      const { query, sig } = fakeSas(r);
      return snip(pick(r, SAS_PLACES).replace('@@', query.replace(sig, '@@')), sig, 'azure-storage-key');
    }),
  ],
  'url-credential': [
    family('URL credentials, host without a dot', (r) =>
      snip(
        `${pick(r, ['postgres', 'amqp', 'redis', 'mongodb'])}://${pick(r, ['app', 'svc'])}:@@@${pick(r, ['pgmaster', 'rabbit', 'cache01', 'db'])}:${int(r, 1000, 9999)}/x`,
        urlPassword(r),
        'url-credential',
      ),
    ),
  ],
  'connection-string-credential': [
    family('JDBC ;user=…;password=… without Server=', (r) =>
      snip(
        `jdbc:sqlserver://${pick(r, ['dbhost', 'sql01.internal'])}:1433;databaseName=shop;user=${pick(r, ['svc', 'app'])};password=@@;encrypt=true`,
        urlPassword(r),
        'connection-string-credential',
      ),
    ),
  ],
  'secret-assignment': [
    family('PAT after a forge name', (r) =>
      snip(
        `${pick(r, ['GITHUB_PAT', 'GitHubPAT', 'GITLAB_PAT', 'ADO_PAT', 'AZURE_DEVOPS_PAT'])}${pick(r, [' = "@@"', '=@@', ': "@@"'])}`,
        pick(r, [() => chars(r, HEX, 40), () => chars(r, ALNUM, int(r, 30, 52)) + int(r, 0, 9)])(),
        'secret-assignment',
      ),
    ),
    family('bare key name, random token in a map entry', (r) =>
      snip(
        pick(r, ['"key": "@@"', '\'key\': "@@"', '  key: @@']),
        `${chars(r, ALNUM, int(r, 18, 40))}${chars(r, UPPER, 1)}${chars(r, LOWER, 1)}${chars(r, DIGITS, 1)}`,
        'secret-assignment',
      ),
    ),
  ],
  'github-token': [
    family('GitHub stateless installation token ghs_<app id>_<JWT>', (r) =>
      snip('GITHUB_TOKEN=@@', `ghs_${chars(r, DIGITS, int(r, 5, 8))}_${fakeJwt(r)}`, 'github-token'),
    ),
    family('GitHub ghs_ longer than 36 characters', (r) => snip('  token: @@', `ghs_${chars(r, ALNUM, int(r, 80, 120))}`, 'github-token')),
  ],
};

const WILD_NEAR_MISSES: Readonly<Record<string, readonly Maker[]>> = {
  jwt: [
    family('JWT, JOSE header without alg', (r) =>
      snip(
        'cursor @@',
        `${b64url({ [pick(r, ['page', 'offset', 'v'])]: int(r, 1, 99) })}.${b64url({ sub: '1' })}.${chars(r, ALNUM, 43)}`,
        undefined,
        'header names no JOSE parameter',
      ),
    ),
    family('JWT wrapped in base64 (standard, unpadded, URL-safe, 76 columns)', (r) =>
      snip('blob: @@', wrapBase64(r, `${b64url({ page: 2 })}.${b64url({ sub: '1' })}`), undefined, 'base64 of dotted JSON that is no JWT'),
    ),
  ],
  'slack-token': [
    family('Slack legacy token, version and three ids', (r) =>
      snip('token = "@@"', `xoxp-${chars(r, DIGITS, 4)}-${chars(r, DIGITS, 4)}-${chars(r, DIGITS, 4)}-${chars(r, HEX, 32)}`, undefined, '4-digit legacy ids'),
    ),
    family('Slack two numeric segments', (r) => snip('token: "@@"', `xoxb-${chars(r, DIGITS, 5)}-${chars(r, DIGITS, 5)}`, undefined, 'segments too short')),
    family('Slack token run on over a joining character', (r) => {
      const t = fakeSlack(r);
      const at = int(r, t.indexOf('-') + 2, t.length - 2);
      return snip("slack token - '@@'", `${t.slice(0, at)}${pick(r, JOINING)}${t.slice(at)}`, undefined, 'a character outside the token alphabet inside it');
    }),
  ],
  'command-credential': [
    family('curl -u with an empty user or password', (r) =>
      snip(
        'curl -u @@ https://api.internal/',
        pick(r, ['username:token', 'username:password', 'admin:admin', '":"', 'user:mypassword', 'ci:REPLACE_WITH_PASSWORD']),
        undefined,
        'placeholder or identical user and password',
      ),
    ),
    family('curl Authorization header without a scheme', (r) =>
      snip(
        pick(r, ['headers = { Authorization: @@ }', 'req.Header.Set("Authorization", @@)']),
        pick(r, ['request.headers.authorization', 'getToken()', 'this.session.accessToken']),
        undefined,
        'code, not a token',
      ),
    ),
    family('curl key header (apikey, X-…-ApiKey, Token)', (r) =>
      snip(
        `curl -H "${keyHeader(r)}: @@" https://api.internal/`,
        pick(r, ['$API_KEY', '<your-api-key>', 'YOUR_API_KEY', '${TOKEN}']),
        undefined,
        'variable or placeholder',
      ),
    ),
  ],
  'azure-storage-key': [
    family('Azure storage key outside an assignment', (r) =>
      snip('"signature": "@@",', fakeAzureKey(r), undefined, 'a 64-byte value with no storage key name near it'),
    ),
    family('Azure shared access signature, fields well-formed', (r) => {
      const flaw = pick(r, SAS_FLAWS);
      return snip(pick(r, SAS_PLACES), fakeSas(r, flaw).query, undefined, flaw);
    }),
  ],
  'url-credential': [
    family('URL credentials, host without a dot', (r) =>
      snip(
        `${pick(r, ['postgres', 'redis'])}://@@@db:5432/x`,
        pick(r, ['username:password', 'user:mypassword', 'app:REPLACE_WITH_PASSWORD', 'admin:changeme']),
        undefined,
        'placeholder credentials',
      ),
    ),
    family('URL scheme glued to the word before it', (r) =>
      snip(
        `${pick(r, ['token', 'url', 'dsn'])} - '@@'`,
        `${pick(r, [...URL_JOINING])}${pick(r, ['ostgres', 'ysql', 'edis', 'ongodb'])}://${pick(r, ['app', 'svc'])}:${urlPassword(r)}@${ip(r)}:${int(r, 1000, 9999)}`,
        undefined,
        'a joining character before the scheme',
      ),
    ),
  ],
  'aws-access-key': [
    family('AWS key id placeholder', (r) =>
      snip('aws_access_key_id = @@', `${pick(r, ['AKIA', 'ASIA'])}${pick(r, ['X', 'Y', '0'])!.repeat(16)}`, undefined, 'one character repeated'),
    ),
    family('AWS secret key ending in a sample word', (r) =>
      snip(
        pick(r, ['aws_secret_access_key = @@', 'aws_secret_access_key:@@', 'AWS_SECRET_ACCESS_KEY="@@"']),
        sampleWordAwsSecret(r),
        undefined,
        'a placeholder word and KEY at the end',
      ),
    ),
  ],
  'google-api-key': [
    family('Google API key followed by base64 padding', (r) =>
      snip(pick(r, ['@@', 'value: @@']), `${fakeGoogle(r)}${pick(r, ['=', '=='])}`, undefined, 'a run of base64 ending in padding'),
    ),
  ],
  'secret-assignment': [
    family('PAT after a forge name', (r) =>
      snip(`${pick(r, ['URL_PAT', 'MATCH_PAT', 'GITHUB_PATTERN', 'PATH'])} = "@@"`, chars(r, HEX, 40), undefined, 'PAT after no forge name, or PATH'),
    ),
    family('bare key name, random token in a map entry', (r) =>
      pick(r, [
        () => snip('https://maps.internal/api/js?key=@@&libraries=places', chars(r, ALNUM, 30) + int(r, 0, 9), undefined, 'key= is a query parameter'),
        () => snip('"key": "@@"', pick(r, ['settings.profile.title', 'HomePage_Title_Main', 'orders/2024/summary']), undefined, 'words'),
        () => snip('"key": "@@"', pick(r, [() => chars(r, HEX, 64), () => uuid(r), () => chars(r, LOWER + DIGITS, 30)])(), undefined, 'a digest, UUID or id'),
        () => snip('"key": "@@"', `AAAAC3NzaC1lZDI1NTE5AAAAI${randomBytes(32).toString('base64').replace(/=+$/, '')}`, undefined, 'an SSH public key'),
      ])(),
    ),
    family('resource names and flags under secret-like names', (r) =>
      pick(r, [
        () =>
          snip(
            `${pick(r, ['kubernetesSecrets', 'APP_SECRETS', 'vaultSecrets'])} = "@@"`,
            `${pick(r, ['prod', 'stage'])}-db-credentials-${chars(r, HEX, 10)}`,
            undefined,
            'a name ending in Secrets names resources',
          ),
        () =>
          snip(
            `${pick(r, ['PROXY_URL_NO_AUTH', 'REGISTRY_NO_AUTH'])} = "@@"`,
            `${pick(r, ['socks5', 'http', 'tcp'])}://${chars(r, LOWER, 6)}.internal:${int(r, 1000, 9999)}`,
            undefined,
            '_NO_AUTH: a URL without credentials',
          ),
        () =>
          snip(
            `${pick(r, ['DB_PASSWORD', 'password', 'smtp_pass'])}=@@`,
            pick(r, ['mypassword', 'REPLACE_WITH_PASSWORD', 'replace-with-your-password', 'my_secret_123']),
            undefined,
            'placeholder',
          ),
        () => snip(`this.${pick(r, ['reset', 'add', 'change'])}Password = "@@";`, `#${pick(r, ['reset', 'add', 'change'])}-password`, undefined, 'a selector'),
        () => snip('ChangePassword = "@@"', `arn:aws:iam::${chars(r, DIGITS, 12)}:policy/${chars(r, UPPER, 1)}${chars(r, LOWER, 8)}`, undefined, 'an ARN'),
        () =>
          snip(`${pick(r, ['DB_PASSWORD', 'API_TOKEN'])}="@@"`, `'$${chars(r, UPPER, 8)}_${pick(r, ['PASSWORD', 'TOKEN'])}'`, undefined, 'a shell variable'),
      ])(),
    ),
  ],
  'github-token': [
    family('GitHub stateless installation token ghs_<app id>_<JWT>', (r) =>
      snip('token @@', `ghs_${chars(r, DIGITS, 6)}_eyJ${chars(r, ALNUM, 30)}.${chars(r, ALNUM, 20)}`, undefined, 'not a JWT after the app id'),
    ),
  ],
};

/** Half the time a documented shape, half a wild family where the type has any. */
const mixed = (documented: Readonly<Record<string, Maker>>, wild: Readonly<Record<string, readonly Maker[]>>): Readonly<Record<string, Maker>> =>
  Object.fromEntries(Object.entries(documented).map(([type, make]) => [type, (r: Rng) => (wild[type] && r() < 0.5 ? pick(r, wild[type])(r) : make(r))]));

/** Positives: each makes one snippet holding one value of its type, documented or wild. */
export const POSITIVES = mixed(DOCUMENTED, WILD);
/** Near misses: the shape of a type without being one (must not be reported at medium or high). */
export const NEAR_MISSES = mixed(DOCUMENTED_NEAR_MISSES, WILD_NEAR_MISSES);

/** A CSV of people with more distinct addresses than the email-list threshold. */
export function emailListSnippets(r: Rng, n = int(r, 12, 40)): Snippet[] {
  const out: Snippet[] = [];
  for (let i = 0; i < n; i++) {
    const first = pick(r, ['ada', 'alan', 'grace', 'ken', 'barbara', 'donald', 'frances', 'linus', 'margaret', 'dennis']);
    // Internationalised domains (RFC 5890) in Unicode and punycode form, top-level domains included.
    const domain =
      r() < 0.8
        ? `${pick(r, ['mail', 'corp', 'post', 'inbox'])}${pick(r, ['', '-eu', '-us'])}.${pick(r, ['com', 'net', 'org', 'de', 'io'])}`
        : pick(r, ['bücher.de', 'xn--bcher-kva.de', 'почта.рф', 'mail.xn--p1ai', '例え.jp', 'correo.españa.es']);
    const email = `${first}.${chars(r, LOWER, 5)}${int(r, 1, 99)}@${domain}`;
    out.push(snip(`${i + 1},${first},@@,${pick(r, ['active', 'pending', 'closed'])}`, email, 'email-list'));
  }
  return out;
}

/** A few addresses (below the threshold) or addresses at reserved example domains. */
export function emailNearMiss(r: Rng): Snippet[] {
  return r() < 0.5
    ? Array.from({ length: int(r, 1, 5) }, (_, i) =>
        snip(`Contact ${i}: @@`, `${pick(r, ['help', 'sales', 'ada'])}${i}@${pick(r, ['corp', 'mail'])}.com`, undefined, 'few addresses'),
      )
    : Array.from({ length: 15 }, (_, i) => snip(`user${i}: @@`, `user${i}@example.com`, undefined, 'reserved domain'));
}

/** A generated document and the truth about it. */
export interface Doc {
  readonly text: string;
  /** Planted spans: positives carry typeId, near misses carry decoy. */
  readonly planted: readonly (Snippet & { readonly offset: number })[];
}

/** Joins filler lines and snippets into one document, tracking where each snippet landed. */
export function compose(r: Rng, snippets: readonly Snippet[], fillerPerSnippet: number): Doc {
  const parts: string[] = [];
  const planted: (Snippet & { offset: number })[] = [];
  let length = 0;
  const push = (s: string): void => {
    parts.push(s, '\n');
    length += s.length + 1;
  };
  for (const s of snippets) {
    for (let i = int(r, 0, fillerPerSnippet * 2); i > 0; i--) push(fillerLine(r));
    planted.push({ ...s, offset: length });
    push(s.text);
  }
  for (let i = int(r, 1, fillerPerSnippet); i > 0; i--) push(fillerLine(r));
  return { text: parts.join(''), planted };
}

/**
 * The labelled corpus for precision/recall: per built-in type `perType` positives and as many near
 * misses, spread over documents with filler between them; plus email lists and their near misses.
 */
export function labelledCorpus(seed: number, perType = 60): Doc[] {
  const r = rng(seed);
  const docs: Doc[] = [];
  for (const type of Object.keys(POSITIVES)) {
    for (let d = 0; d < 6; d++) {
      const snippets: Snippet[] = [];
      for (let i = 0; i < perType / 6; i++) snippets.push(POSITIVES[type]!(r), { ...NEAR_MISSES[type]!(r), decoyOf: type });
      // Shuffle, so positives and near misses sit in any order.
      docs.push(compose(r, shuffle(r, snippets), 3));
    }
  }
  for (let d = 0; d < 6; d++)
    docs.push(
      compose(r, emailListSnippets(r), 1),
      compose(
        r,
        emailNearMiss(r).map((s) => ({ ...s, decoyOf: 'email-list' })),
        2,
      ),
    );
  return docs;
}

/**
 * Mixed text for throughput: filler with a planted sensitive value or near miss about every `spacing`
 * characters on average (default 20 KB). Returns roughly `size` characters; with `unicode`, some prose
 * leaves ASCII (accents, Cyrillic, CJK, emoji), as in a minority of real files.
 */
export function mixedText(r: Rng, size: number, { spacing = 20_000, unicode = true } = {}): string {
  const parts: string[] = [];
  let length = 0;
  const types = Object.keys(POSITIVES);
  while (length < size) {
    const line = r() * spacing < 80 ? (r() < 0.5 ? POSITIVES[pick(r, types)]! : NEAR_MISSES[pick(r, types)]!)(r).text : fillerLine(r, unicode);
    parts.push(line);
    length += line.length + 1;
  }
  return parts.join('\n') + '\n';
}
