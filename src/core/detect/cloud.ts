/** Cloud credentials: AWS access key ids and secret keys, Azure storage keys, SAS tokens and Entra ID client secrets. */
import { decodeBase64, isPlaceholder, shannonEntropy } from './text.js';
import {
  P_TOKEN,
  TYPES,
  WHY,
  bounded,
  forEach,
  indexWithin,
  isAlnum,
  isB64Code,
  lineAround,
  lineStartNear,
  type Detector,
  type Hit,
  type Verdict,
} from './detector.js';
import { placeholderVerdict, sampleVerdict } from './samples.js';

// ---- AWS ---------------------------------------------------------------------------------------

/**
 * Access key id prefixes (IAM User Guide, "Unique identifiers"): AKIA long-term access key, ASIA temporary
 * (STS) key, ABIA STS service bearer token, ACCA context-specific credential. Ids of
 * users, roles, groups and policies (AIDA, AROA, AGPA, ANPA, …) identify, they do not authenticate.
 */
const AWS_ID = /(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}/g;
const AWS_PREFIX: Readonly<Record<string, string>> = {
  AKIA: 'AKIA (access key)',
  ASIA: 'ASIA (temporary STS key)',
  ABIA: 'ABIA (STS bearer token)',
  ACCA: 'ACCA (context credential)',
};
const AWS_SECRET = /[A-Za-z0-9/+]{40}/g;
const AWS_NEAR = 400;

/** A 40-character AWS secret access key: base64 alphabet, mixed classes, random-looking. */
export function awsSecretLike(v: string): boolean {
  return /[A-Z]/.test(v) && /[a-z]/.test(v) && /\d/.test(v) && shannonEntropy(v) >= 4.2 && !isPlaceholder(v);
}

/** The verdict on a 40-character secret access key found by its context (`context` says which). */
export function awsSecretVerdict(v: string, context: string): Verdict | undefined {
  return sampleVerdict(v) ?? (awsSecretLike(v) ? { confidence: 'high', why: [context, WHY.entropy(shannonEntropy(v))] } : undefined);
}

export const aws: Detector = {
  types: [TYPES.aws],
  candidates: [AWS_ID],
  find(text, out) {
    forEach(AWS_ID, text, (m) => {
      const start = m.index;
      const end = start + 20;
      if (!bounded(text, start, end, isAlnum)) return;
      const sample = sampleVerdict(m[0]) ?? placeholderVerdict(m[0].slice(4));
      const prefix = AWS_PREFIX[m[0].slice(0, 4)]!;
      out.push({
        type: TYPES.aws,
        start,
        end,
        priority: P_TOKEN,
        reveal: { keepStart: 4, keepEnd: 2 },
        ...(sample ?? { confidence: 'high', why: [WHY.prefix(prefix), WHY.structure('20 characters, base32 alphabet')] }),
      });
      if (sample) return;
      // The secret key has no prefix of its own: look for it beside the key id.
      const from = Math.max(0, start - AWS_NEAR);
      const window = text.slice(from, Math.min(text.length, end + AWS_NEAR));
      forEach(AWS_SECRET, window, (s) => {
        const at = from + s.index;
        // On the key id's line (a credentials CSV) or on a line that says "secret" (env, ini, JSON).
        const line = lineAround(text, at, at + 40, 200);
        const sameLine = !text.slice(Math.min(at, start), Math.max(at, end)).includes('\n');
        if (!bounded(text, at, at + 40, isB64Code) || !(sameLine || /secret/i.test(line))) return;
        const verdict = awsSecretVerdict(s[0], 'beside an AWS access key id');
        if (verdict) out.push({ type: TYPES.aws, start: at, end: at + 40, priority: P_TOKEN, reveal: { keepEnd: 2 }, ...verdict });
      });
    });
  },
};

// ---- Azure -------------------------------------------------------------------------------------

/** How far from `sv=` a shared access signature's other fields may be, in the same query. */
const SAS_REACH = 800;
const SAS_VERSION = /[?&;"'= \t]sv=20\d\d-\d\d-\d\d[&"';]/g;
/** A field of the query around `sv=`, where a name may start (not inside a longer name: `resp=`, `ssig=`). */
const SAS_FIELD = /(?:^|[^A-Za-z0-9_])(sp|sip|st|se|sig)=([^&\s"'`;<>,]*)/g;
/** What ends the query around `sv=`: whitespace, quotes, angle brackets (a URL in text, JSON, XML, a connection string). */
const isQueryEnd = (c: number): boolean => c <= 32 || c === 34 || c === 39 || c === 96 || c === 60 || c === 62;
/**
 * Permissions (`sp=`), one letter each at most once, from the documented sets: service SAS `racwdxyltfmeopi`,
 * account SAS adds `u` (update) and `p` (process); table and queue SAS use `raud`/`raup`.
 */
const SAS_PERMISSION = /^[racwdxyltfmeopiu]{1,16}$/;
/** `st=`/`se=`: UTC ISO 8601 as the SAS accepts it, `YYYY-MM-DD`, `…Thh:mmZ`, `…Thh:mm:ss[.fffffff]Z`, colons maybe as `%3A`. */
const SAS_TIME = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:T(?:[01]\d|2[0-3])(?::|%3A)[0-5]\d(?:(?::|%3A)[0-5]\d(?:\.\d{1,7})?)?Z)?$/i;
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`;
/** `sip=`: one IPv4 address or a range of two. */
const SAS_IP = new RegExp(`^${IPV4}(?:-${IPV4})?$`);
/** Each field's grammar; `sig=` is the base64 (percent-encoded or not) of an HMAC-SHA256: 32 bytes, 44 characters. */
const SAS_FIELD_OK: Readonly<Record<string, (value: string) => boolean>> = {
  sp: (v) => SAS_PERMISSION.test(v) && new Set(v).size === v.length,
  sip: (v) => SAS_IP.test(v),
  st: (v) => SAS_TIME.test(v),
  se: (v) => SAS_TIME.test(v),
  sig: (v) => {
    const b64 = v.replace(/%2B/gi, '+').replace(/%2F/gi, '/').replace(/%3D/gi, '=');
    return /^[A-Za-z0-9+/]{43}=$/.test(b64) && decodeBase64(b64)?.length === 32;
  },
};

/**
 * Where the signature is in `query` (the query around an `sv=`), or undefined when that query is no shared
 * access signature: it needs a `sig=`, and every `sp`, `sip`, `st`, `se` and `sig` field in it must follow its
 * grammar (learn.microsoft.com, "Create a service SAS", "Create an account SAS"). Without `sig=` a query holds
 * the fields a signature would cover, not a credential; a malformed field means it is not one Azure issued.
 */
function sasSignature(query: string): { start: number; end: number } | undefined {
  let sig: { start: number; end: number } | undefined;
  SAS_FIELD.lastIndex = 0;
  for (let m = SAS_FIELD.exec(query); m; m = SAS_FIELD.exec(query)) {
    const name = m[1]!;
    const value = m[2]!;
    if (!SAS_FIELD_OK[name]!(value)) return undefined;
    const end = m.index + m[0].length;
    if (name === 'sig') sig ??= { start: end - value.length, end };
  }
  return sig;
}

/**
 * What the pass looks for first: the padding that ends every key (88 base64 characters of 64 bytes, or 120
 * when encoded again). Also the candidate ripgrep runs: `[…]{86}==` beside the other patterns made it 20× slower.
 */
const KEY_END = /[A-Za-z0-9+/]==/g;
/**
 * A name that says "storage account key" wherever the key sits: `AccountKey=`, `{ "AccountKey", "…" }`,
 * `--account-key`, `AZURE_STORAGE_KEY`, `azureStorageAccessKey`, `azurestorageaccountkey:` (Kubernetes' Azure
 * Files secret).
 */
const KEY_NAME = /(?:ccount|torage)[-_ ]?(?:access[-_ ]?)?key/i;
/**
 * The name at the end of the line before the key, the value to come: `AccountKey =`, `{ "AccountKey",`, a C++
 * brace initialiser `AccountKey{`, or a fallback after the environment variable of that name
 * (`process.env.ACCOUNT_KEY ||`, `??`).
 */
const KEY_NAME_OPEN = /(?:ccount|torage)[-_ ]?(?:access[-_ ]?)?key["'`]?[ \t]*(?:[:=,({[]|\|\||\?\?)?[ \t]*\r?$/i;
const LATIN1 = new TextDecoder('latin1');
const isB64Body = (c: number): boolean => isAlnum(c) || c === 43 || c === 47;

/** Is `run` an account key (88 base64 characters of 64 bytes), or that key base64-encoded again? Says which. */
function accountKey(run: string): string | undefined {
  if (run.length === 88) return decodeBase64(run)?.length === 64 ? WHY.decodes('a 64-byte key') : undefined;
  const inner = decodeBase64(run);
  const text = inner && LATIN1.decode(inner);
  return text?.length === 88 && /^[A-Za-z0-9+/]{86}==$/.test(text) && decodeBase64(text)?.length === 64
    ? WHY.decodes('a base64-encoded 64-byte key (a Kubernetes Secret field)')
    : undefined;
}

/** Why the key at [start, end) is a storage account key by its context, or undefined: a key name on its line or ending the line before. */
function keyContext(text: string, start: number, end: number): string | undefined {
  const ls = lineStartNear(text, start, 300);
  const le = indexWithin(text, '\n', end, 300);
  const line = text.slice(ls, le === -1 ? Math.min(text.length, end + 300) : le);
  if (/[Aa]ccount[Kk]ey[ \t]{0,8}=[ \t]{0,8}$/.test(text.slice(Math.max(ls, start - 32), start))) return 'AccountKey= field';
  if (KEY_NAME.test(line)) return 'a storage account key name on its line';
  if (ls > 0 && KEY_NAME_OPEN.test(text.slice(lineStartNear(text, ls - 1, 300), ls - 1))) return 'a storage account key name on the line before';
  return undefined;
}

export const azure: Detector = {
  types: [TYPES.azure],
  candidates: [KEY_END, SAS_VERSION],
  find(text, out) {
    // Every key ends in '==' (64 bytes, and 88 characters encoded again): found with indexOf, then read backwards.
    for (let i = text.indexOf('=='); i !== -1; i = text.indexOf('==', i + 2)) {
      let start = i;
      while (start > 0 && i - start <= 118 && isB64Body(text.charCodeAt(start - 1))) start--;
      const length = i + 2 - start;
      if ((length !== 88 && length !== 120) || isB64Body(text.charCodeAt(start - 1)) || isB64Code(text.charCodeAt(i + 2))) continue;
      const run = text.slice(start, i + 2);
      const decodes = accountKey(run);
      const context = decodes && keyContext(text, start, i + 2);
      if (!context || isPlaceholder(run)) continue;
      out.push({
        type: TYPES.azure,
        start,
        end: i + 2,
        priority: P_TOKEN,
        reveal: { keepEnd: 2 },
        ...(sampleVerdict(run) ?? { confidence: 'high', why: [context, decodes] }),
      });
    }
    // A shared access signature: `sv=<date>` and, in the same query, a well-formed signature and fields.
    const seen = new Set<number>();
    // The end of the last query read whole (between two delimiters): another `sv=` before it is in the same query.
    let judged = -1;
    // Gates name a rare part of the literal: `includes` is fastest when its first character is rare in text.
    if (text.includes('v=20'))
      forEach(SAS_VERSION, text, (m) => {
        if (m.index < judged) return;
        let from = m.index + 1;
        while (from > 0 && m.index - from < SAS_REACH && !isQueryEnd(text.charCodeAt(from - 1))) from--;
        let to = m.index + 1;
        while (to < text.length && to - m.index < SAS_REACH && !isQueryEnd(text.charCodeAt(to))) to++;
        if ((from === 0 || isQueryEnd(text.charCodeAt(from - 1))) && (to === text.length || isQueryEnd(text.charCodeAt(to)))) judged = to;
        const sig = sasSignature(text.slice(from, to));
        if (!sig || seen.has(from + sig.start)) return;
        seen.add(from + sig.start);
        out.push({
          type: TYPES.azure,
          start: from + sig.start,
          end: from + sig.end,
          confidence: 'high',
          why: [WHY.structure('shared access signature: sv= version, sig= and its fields well-formed'), WHY.decodes('a 32-byte HMAC-SHA256 signature')],
          priority: P_TOKEN,
          reveal: { keepEnd: 2 },
        });
      });
  },
};

/**
 * The shared access key of a Service Bus, Event Hubs or IoT Hub connection string: `SharedAccessKey=` and 44
 * base64 characters of 32 bytes, with `SharedAccessKeyName=` on the line. The assignments pass finds the name
 * (`…Key=` is one of its secret names), so this costs no pass of its own; `after` is where the value starts.
 */
export function sharedAccessKey(text: string, after: number): Hit | undefined {
  const value = /^[A-Za-z0-9+/]{43}=/.exec(text.slice(after, after + 45));
  if (!value || isB64Code(text.charCodeAt(after + 44)) || decodeBase64(value[0])?.length !== 32 || isPlaceholder(value[0])) return undefined;
  if (!/SharedAccessKeyName=/i.test(lineAround(text, after, after + 44, 300))) return undefined;
  return {
    type: TYPES.azure,
    start: after,
    end: after + 44,
    priority: P_TOKEN,
    reveal: { keepEnd: 2 },
    confidence: 'high',
    why: ['SharedAccessKey= beside SharedAccessKeyName= (Service Bus, Event Hubs, IoT Hub)', WHY.decodes('a 32-byte key')],
  };
}

/** Characters of an Entra ID (Azure AD) client secret. */
const isClientSecretCode = (c: number): boolean => isAlnum(c) || c === 95 || c === 126 || c === 46 || c === 45;
const CLIENT_SECRET_MARK = /Q~/g;

/**
 * Entra ID (Azure AD) application client secrets as issued since 2021: 40 characters, three random ones, a
 * version digit, the marker `Q~`, then 34 random ones (alphabet A–Z a–z 0–9 _ ~ . -).
 */
export const azureClientSecret: Detector = {
  types: [TYPES.azureClientSecret],
  candidates: [CLIENT_SECRET_MARK],
  find(text, out) {
    for (let q = text.indexOf('Q~'); q !== -1; q = text.indexOf('Q~', q + 2)) {
      const start = q - 4;
      if (start < 0 || !(text.charCodeAt(q - 1) >= 48 && text.charCodeAt(q - 1) <= 57)) continue;
      let end = q + 2;
      while (end < text.length && end - q <= 40 && isClientSecretCode(text.charCodeAt(end))) end++;
      const tail = end - q - 2;
      if (tail < 31 || tail > 34 || !bounded(text, start, end, isClientSecretCode)) continue;
      const value = text.slice(start, end);
      // The three characters before the version digit are random from the whole alphabet, `-` included (`-6s8Q~…`).
      if (!/^[A-Za-z0-9_~.-]{3}\d/.test(value) || isPlaceholder(value)) continue;
      const h = shannonEntropy(value.slice(6));
      if (h < 3.5) continue;
      out.push({
        type: TYPES.azureClientSecret,
        start,
        end,
        confidence: 'high',
        why: [WHY.structure('version digit and Q~ marker, 40 characters'), WHY.entropy(h)],
        priority: P_TOKEN,
        reveal: { keepStart: 0, keepEnd: 2 },
      });
    }
  },
};
