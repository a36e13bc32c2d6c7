/**
 * Hard-coded secrets: literal values assigned to secret-like names, in the assignment syntax of every
 * common language and configuration format (the FORMS table), and passwords in connection strings.
 */
import { isPlaceholder, isWordCode, shannonEntropy } from './text.js';
import { awsSecretVerdict, sharedAccessKey } from './cloud.js';
import { WEAK_PASSWORDS } from './credentials.js';
import {
  P_ASSIGNMENT,
  P_GENERIC,
  P_TOKEN,
  TYPES,
  WHY,
  forEach,
  indexWithin,
  lineAround,
  lineStartNear,
  type Detector,
  type Hit,
  type Verdict,
} from './detector.js';

/** Minimum Shannon entropy (bits/char) of a value assigned to a token/secret/key name. */
export const SECRET_MIN_ENTROPY = 3.5;
/** Minimum entropy of a value assigned to a password name (people pick weaker strings than machines). */
export const PASSWORD_MIN_ENTROPY = 2.5;

/**
 * First pass, keyword first (V8 skips quickly between keyword starts, far faster than stopping at every
 * `=`): a secret word, the rest of the name, then what may follow a name in some language's assignment —
 * a closing quote or bracket and an operator (`=` `:` `:=` `::=` `:::=` `?=` `.=` `=>`), a quote and a
 * comma (a call's argument), `>` (an XML element), `" value=` (an XML attribute pair), or a Go type.
 */
const NAME_THEN_OPERATOR =
  /[\w.-]{0,64}(?:["'`]?\]?["'`]?[ \t]{0,16}(?:[?.]?=|:)|["'`][ \t]{0,16},|>|["'][ \t]+value[ \t]*=|[ \t]{1,16}(?:string|\[\]byte)[ \t]*=)/.source;
const SECRET_KEY = new RegExp(`(?:pass|pwd|secret|token|key|credential|bearer|auth)${NAME_THEN_OPERATOR}`, 'gi');
/**
 * `PAT`, a personal access token, after a forge's name (`GITHUB_PAT`, `GitHubPAT`, `ADO_PAT`): a pass of its own,
 * in capitals only, run when the text holds `PAT` — `pat` in the first pass would stop at every `path`.
 */
const PAT_KEY = new RegExp(`PAT${NAME_THEN_OPERATOR}`, 'g');
/** The forges whose personal access tokens go by `PAT`: the word before it, or the two before it joined (`Git Hub`). */
const FORGE = /^(?:github|gitlab|gh|gitea|bitbucket|ado|devops|azdo)$/;
/** Dockerfile's `ENV NAME value` (no `=`), the one common form with only a space between name and value. */
const DOCKER_ENV = /^[ \t]*ENV[ \t]+([A-Za-z_][\w.-]{0,64})[ \t]+[^\s=]/gm;

const KEY_QUALIFIER = 'api|access|secret|private|auth|signing|encryption|master|client|app|session|account|storage|subscription|shared|consumer';
const QUALIFIED_KEY = new RegExp(`^(?:${KEY_QUALIFIER})keys?$`);
const QUALIFIER = new RegExp(`^(?:${KEY_QUALIFIER})$`);
const SECRET_WORD = /^(?:password|passwd|pwd|passphrase|secret|secrets|token|tokens|credential|credentials|bearer|auth)$/;
/** One lower-case word that ends in a secret word: `accesstoken`, `dbpassword`, `clientsecret`. */
const COMPOUND_SECRET = /^[a-z]{2,16}(?:password|passwd|token|secret)$/;
/** `pass` alone is too common a word (`allPass`, `firstPass`): only these owners make it a password. */
const PASS_OWNER =
  /^(?:db|database|user|admin|root|mysql|postgres|pg|redis|smtp|mail|ftp|sftp|ssh|login|app|api|sql|ldap|proxy|vault|keystore|store|key|wifi|rabbitmq|amqp|mongo|mongodb)$/;
const PASSWORD_WORD = /^(?:password|passwd|pass|pwd|passphrase)$/;
/** Words that may follow the secret word and still name the secret itself (DB_PASSWORD_PROD, SECRET_KEY_BASE). */
const SECRET_TAIL =
  /^(?:value|val|str|b64|base64|hex|raw|plain|prod|production|dev|development|staging|stage|live|local|old|new|current|primary|secondary|main|key|base|phrase|word|confirm|confirmation|repeat|again|encoded|encrypted|\d+|v\d+)$/;
/** Words before the secret word that make it public or not a credential (CSRF tokens, public keys, page tokens). */
const NOT_SECRET =
  /^(?:public|publishable|pub|csrf|xsrf|antiforgery|anti|forgery|authenticity|page|next|prev|continuation|cursor|sync|pagination|idempotency|cancellation|max|min|num|count|reset|no|without|noauth)$|^_?(?:csrf|xsrf)/;
/** A random token as a bare `key`'s value: one run of 20 to 64 characters with capitals, small letters and digits. */
const BARE_KEY_VALUE = /^(?=[^a-z]*[a-z])(?=[^A-Z]*[A-Z])(?=\D*\d)[A-Za-z0-9_+/=-]{20,64}$/;
/** A query string of two or more `name=value` parameters, maybe after its `?`. */
const QUERY = /^\??[A-Za-z_][\w.-]{0,31}=[^&=\s]*(?:&[A-Za-z_][\w.-]{0,31}=[^&\s]*)+$/;
const CODE_VALUE = /^[A-Za-z_$][\w$]*(?:(?:\.|::|->|\?\.)[A-Za-z_$][\w$]*)*(?:\(|\[|$)/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const NEGATED_CODE = /^(?:!+[A-Za-z_$][\w$]*(?:[.(?]|$)|\()/;
/** What may start a line before a bare `NAME=value` entry: env files, shells, Dockerfile, YAML lists, Make. */
const ENTRY_START = /^[ \t]*(?:(?:export|ENV|ARG|readonly|local|set|declare[ \t]+-x|override)[ \t]+|-[ \t]+)?["']?$/;
const CONN_NAME = /^(?:password|pwd)$/i;
const CONN_CONTEXT =
  /(?:server|data source|host|hostaddr|address|addr|initial catalog|database|dbname|user id|uid|user|username|dsn|provider|endpoint|port)[ \t]*=/i;
const CONN_USER = /(?:user id|uid|user|username)[ \t]*=/i;
const CONN_USER_VALUE = /(?:user id|uid|user|username)[ \t]*=[ \t]*([^;\s"'`]+)/i;
/** A libpq/ODBC key=value connection string separated by spaces: `host=db user=app password=…`. */
const LIBPQ = /(?:^|[\s"'])(?:host|hostaddr|dbname|user)=[^\s=]+[ \t]+\S/;

const isNameCode = (c: number): boolean => isWordCode(c) || c === 45 || c === 46;

/** Splits an identifier into lower-case words: `DB_PASSWORD`, `clientSecret`, `APIKey`, `api-key.prod`. */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** What a secret-like name says of its value: a password (people choose weaker ones), or `key` alone. */
interface SecretName {
  readonly password: boolean;
  readonly bareKey?: boolean;
}

/**
 * Does `name` name a secret? Its last secret word (password, token, api key, auth, …, also with a number:
 * `token1`) may only be followed by words such as `value` or `prod`: `passwordHash`, `tokenType` and
 * `secretName` name something else; a word before it such as `public` or `csrf` makes it no credential.
 */
function secretName(name: string): SecretName | undefined {
  const w = words(name);
  // `key` alone (`"key": …`, `KEY=…`) names a map key or a setting as often as a secret: only a random value counts.
  if (w.length === 1 && w[0] === 'key') return { password: false, bareKey: true };
  for (let i = w.length - 1; i >= 0; i--) {
    const raw = w[i]!;
    const word = raw.replace(/(?<=[a-z])\d+$/, '');
    const key = QUALIFIED_KEY.test(word) || ((word === 'key' || word === 'keys') && i > 0 && QUALIFIER.test(w[i - 1]!));
    const pass = word === 'pass' && (w.length === 1 || (i > 0 && PASS_OWNER.test(w[i - 1]!)));
    const pat = word === 'pat' && i > 0 && (FORGE.test(w[i - 1]!) || FORGE.test(`${w[i - 2] ?? ''}${w[i - 1]!}`));
    if (key || pass || pat || SECRET_WORD.test(word) || (COMPOUND_SECRET.test(word) && !NOT_SECRET.test(word))) {
      // `PROXY_URL_NO_AUTH`, `publicKey`, `csrfToken`: a word before it says it is no credential.
      if (w.slice(0, i).some((x) => NOT_SECRET.test(x))) return undefined;
      // `kubernetesSecrets`, `DB_SECRETS`: a name ending in the plural names a store or its resource names, not a value.
      if (i === w.length - 1 && raw === 'secrets' && w.length > 1) return undefined;
      return { password: pass || PASSWORD_WORD.test(word) || /pass(?:wd|word)$/.test(word) };
    }
    if (!SECRET_TAIL.test(raw)) return undefined;
  }
  return undefined;
}

interface Value {
  readonly start: number;
  readonly end: number;
  readonly quoted: boolean;
}

/** The value after a separator: quoted up to its closing quote on the line, or bare up to a delimiter. */
function valueAt(text: string, i: number, bareStops: string): Value | undefined {
  while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
  // String prefixes: C# @"…", Python r"…"/b"…".
  if ('@rb'.includes(text[i] ?? ' ') && '"\''.includes(text[i + 1] ?? ' ')) i++;
  const q = text.charCodeAt(i);
  if (q === 34 || q === 39 || q === 96) {
    let end = i + 1;
    while (end < text.length && end - i <= 256 && text.charCodeAt(end) !== q && text.charCodeAt(end) !== 10) end++;
    return text.charCodeAt(end) === q ? { start: i + 1, end, quoted: true } : undefined;
  }
  let end = i;
  while (end < text.length && end - i <= 256 && !bareStops.includes(text[end]!)) end++;
  while (end > i && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return { start: i, end, quoted: false };
}

/** Is `value`, a literal assigned to a secret-like name, a hard-coded secret? Passwords may be weaker. */
function judgeSecret({ password, bareKey }: SecretName, value: string, form: string): Verdict | undefined {
  if (value.length < 6 || isPlaceholder(value) || /^\d+$/.test(value)) return undefined;
  if (/^[$<]|^%(?:\(\w+\))?[sdifr]$|^%\w+%$|\{\{|\$\{/.test(value) || /^(?:(?:https?|file):\/\/|data:)/i.test(value) || /\s/.test(value)) return undefined;
  // A URL without user info is an address (a URL with one is a url-credential's to report).
  if (/^[a-z][a-z0-9+.-]{1,31}:\/\/[^@]*$/i.test(value)) return undefined;
  // Words naming a secret (`db-password`), also as a selector or anchor (`#add-password`): names, not secrets.
  if (/^[#.]?[a-z]+(?:[-_.:/][a-z]+)*$/i.test(value) && /pass|pwd|secret|token|key|credential/i.test(value)) return undefined;
  // Query parameters (`st=…&se=…&sv=…&sr=c`, a SAS without its `sig=`) are settings, unless one is named as a secret.
  if (QUERY.test(value) && value.split('&').every((p) => !secretName(p.slice(p.startsWith('?') ? 1 : 0, p.indexOf('='))))) return undefined;
  // An AWS ARN names a resource; `$NAME` inside a value is the shell's variable, not a literal.
  if (/^arn:aws[a-z-]*:/.test(value) || /\$\{?[A-Z_][A-Z0-9_]{2,}/.test(value)) return undefined;
  const h = shannonEntropy(value);
  // A path (/Users/me, ./bin, C:\tools) is words and slashes; random base64 may start with '/' too.
  if (/^(?:\/|\.\.?\/|~\/|[A-Za-z]:\\)/.test(value) && h < 4.2) return undefined;
  const why = [password ? 'assigned to a password name' : WHY.name, form, WHY.entropy(h)];
  if (password) {
    if (WEAK_PASSWORDS.test(value) || h < PASSWORD_MIN_ENTROPY) return undefined;
    return { confidence: h >= 3.5 && value.length >= 12 ? 'high' : 'medium', why };
  }
  // A bare `key`: a random token only (20 to 64 characters of one run, capitals, small letters and digits), never
  // high; longer values under `key` are public keys and certificates, words and hex are map keys and digests.
  if (bareKey)
    return BARE_KEY_VALUE.test(value) && h >= SECRET_MIN_ENTROPY
      ? { confidence: 'medium', why: ['assigned to a bare key name, random value', form, WHY.entropy(h)] }
      : undefined;
  const hexOnly = /^[0-9a-fA-F-]+$/.test(value);
  if (value.length < 16 || h < (hexOnly ? 3 : SECRET_MIN_ENTROPY)) return undefined;
  if (/^[a-z]+(?:[-_.:/][a-z]+)*$/i.test(value)) return undefined; // words, a URN: a name or a setting, not a key
  return { confidence: h >= 4.2 && value.length >= 24 ? 'high' : 'medium', why };
}

/** Password=… inside a connection string (Server=…;User Id=…;Password=… or host=… user=… password=…), or undefined. */
function connectionPassword(text: string, nameStart: number, after: number): Hit | undefined {
  const line = lineAround(text, nameStart, after, 300);
  const spaced = !line.includes(';') && LIBPQ.test(line);
  if ((!line.includes(';') && !spaced) || !CONN_CONTEXT.test(line)) return undefined;
  const v = valueAt(text, after, spaced ? ' \t;"\'`\r\n' : ';"\'`\r\n');
  if (!v) return undefined;
  const value = text.slice(v.start, v.end);
  if (value.length === 0 || isPlaceholder(value) || WEAK_PASSWORDS.test(value)) return undefined;
  // The same word as user and password (`User Id=app;Password=app`): a local default, not a secret.
  if (CONN_USER_VALUE.exec(line)?.[1] === value) return undefined;
  const user = CONN_USER.test(line) && value.length >= 4;
  const why = [
    spaced ? 'key=value connection string (libpq/ODBC)' : 'Password= in a ;-separated connection string',
    user ? 'user named beside it' : 'no user beside it',
  ];
  return { type: TYPES.connection, start: v.start, end: v.end, confidence: user ? 'high' : 'medium', why, priority: P_GENERIC, reveal: { keepEnd: 1 } };
}

/**
 * The assignment forms after a secret-like name, tried in order at the first-pass match: each says where
 * the value starts, whether a bare (unquoted) value counts as a literal, and what to call the form.
 */
interface Form {
  readonly what: string;
  /** Where the value starts, or -1 when this form does not apply. `nameStart`/`nameEnd` bound the name, `sep` is the match's last character. */
  at(text: string, nameStart: number, nameEnd: number, sep: number): number;
  /** Bare values: `entry` when the line reads as an env/config entry; `always` (inside a string, an XML element); `never`. */
  readonly bare: 'entry' | 'always' | 'never';
  /** What ends a bare value (default: whitespace, delimiters and quotes). */
  readonly stops?: string;
  /** Reads the value its own way (an XML element's text), instead of a quoted or bare value. */
  value?(text: string, after: number, name: string): Value | undefined;
  /** `Password=` in this form may belong to a connection string. */
  readonly connection?: boolean;
}

const quoteBefore = (text: string, nameStart: number): boolean => '"\'`'.includes(text[nameStart - 1] ?? ' ');
/** `: Type =` after a name (TypeScript, Kotlin, Rust, Swift, Python annotations). */
const TYPE_ANNOTATION = /^:[ \t]*&?(?:'static[ \t]+)?(?:mut[ \t]+)?[A-Za-z_][\w.]*(?:<[^<>\n]{0,40}>)?(?:\[\])?\??[ \t]*=(?![=>~])/;
/** The assignment operators after a name, longest first (Make's `:::=` `::=` `?=`, PHP's `.=`, `=>`, `:=`). */
const OPERATOR = /^(?::::=|::=|:=|\?=|\.=|=>|=(?![=~])|:(?![:=]))/;
const BARE_STOPS = ' \t\r\n,;)}]"\'`<>';

const FORMS: readonly Form[] = [
  {
    what: 'XML element',
    bare: 'always',
    // <password>value</password>, the value on the same line or the next.
    at: (text, nameStart, nameEnd, sep) => (text[nameStart - 1] === '<' && sep === nameEnd && text[sep] === '>' ? sep + 1 : -1),
    value: (text, after, name) => elementText(text, after, name),
  },
  {
    what: 'XML key/value attributes',
    bare: 'never',
    // <add key="DbPassword" value="…"/>, <property name="token" value="…"/>
    at: (text, nameStart, _nameEnd, sep) =>
      text[sep] === '=' && quoteBefore(text, nameStart) && /(?:key|name)[ \t]*=[ \t]*["']$/.test(text.slice(Math.max(0, nameStart - 12), nameStart))
        ? sep + 1
        : -1,
  },
  {
    what: "a call's name and value arguments",
    bare: 'never',
    // System.setProperty("X_TOKEN", "…"), os.Setenv("API_TOKEN", "…"), props.put("password", "…")
    at: (text, nameStart, _nameEnd, sep) =>
      text[sep] === ',' && quoteBefore(text, nameStart) && /\([ \t]*$/.test(text.slice(Math.max(0, nameStart - 17), nameStart - 1)) ? sep + 1 : -1,
  },
  {
    what: 'Go typed declaration',
    bare: 'never',
    at: (text, _nameStart, nameEnd, sep) =>
      text[sep] === '=' && sep > nameEnd && /^[ \t]+(?:string|\[\]byte)[ \t]*=$/.test(text.slice(nameEnd, sep + 1)) ? sep + 1 : -1,
  },
  {
    what: 'typed declaration',
    bare: 'never',
    at: (text, _nameStart, nameEnd, sep) => {
      // Cheap tests first: YAML and JSON entries (`name: value`, `"name": …`) are far more common than types.
      if (text[sep] !== ':' || !/^[ \t]*$/.test(text.slice(nameEnd, sep))) return -1;
      let i = sep + 1;
      while (text[i] === ' ' || text[i] === '\t') i++;
      if (!/[A-Za-z_&]/.test(text[i] ?? '')) return -1;
      const t = TYPE_ANNOTATION.exec(text.slice(sep, sep + 80));
      return t ? sep + t[0].length : -1;
    },
  },
  {
    what: 'KEY=value inside a string',
    bare: 'always',
    stops: ' \t\r\n,;&"\'`',
    at: (text, nameStart, nameEnd, sep) =>
      quoteBefore(text, nameStart) && sep === nameEnd && text[sep] === '=' && text[sep + 1] !== '=' && !quoteBefore(text, sep + 1) ? sep + 1 : -1,
  },
  {
    what: 'assignment',
    bare: 'entry',
    connection: true,
    at: (text, nameStart, nameEnd, sep) => {
      // `"Password:"`: the text of a label ending in a colon, not a name and its operator.
      if (text[sep] === ':' && sep === nameEnd && quoteBefore(text, nameStart) && text[sep + 1] === text[nameStart - 1]) return -1;
      // Back to the operator's first character: closing quotes and brackets, spaces, then the operator.
      let i = nameEnd;
      while ('"\'`]'.includes(text[i] ?? ' ')) i++;
      while (text[i] === ' ' || text[i] === '\t') i++;
      const op = OPERATOR.exec(text.slice(i, i + 4));
      if (!op || i + op[0].length < sep + 1) return -1;
      return i + op[0].length;
    },
  },
];

/** The name around the first-pass match at `at`: back over name characters, forward to the name's end. */
function nameAround(text: string, at: number): { start: number; end: number } {
  let start = at;
  while (start > 0 && at - start < 64 && isNameCode(text.charCodeAt(start - 1))) start--;
  let end = at;
  while (isNameCode(text.charCodeAt(end))) end++;
  // `$password.=` ends the name before PHP's `.=`.
  if (text[end - 1] === '.' && text[end] === '=') end--;
  return { start, end };
}

/** An XML element's text, trimmed, when the matching closing tag follows within a few lines. */
function elementText(text: string, from: number, name: string): Value | undefined {
  const close = indexWithin(text, `</${name}>`, from, 512);
  if (close === -1) return undefined;
  let start = from;
  let end = close;
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return /[<\n]/.test(text.slice(start, end)) ? undefined : { start, end, quoted: true };
}

export const assignments: Detector = {
  types: [TYPES.assignment, TYPES.connection, TYPES.aws, TYPES.azure],
  candidates: [SECRET_KEY, PAT_KEY, DOCKER_ENV],
  find(text, out) {
    const report = (name: string, kind: SecretName, v: Value, form: string): void => {
      const value = text.slice(v.start, v.end);
      const verdict = judgeSecret(kind, value, form);
      if (!verdict) return;
      const aws = value.length === 40 && /aws/i.test(name) && /secret/i.test(name) ? awsSecretVerdict(value, 'assigned to an AWS secret key name') : undefined;
      if (aws) out.push({ type: TYPES.aws, start: v.start, end: v.end, priority: P_TOKEN, reveal: { keepEnd: 2 }, ...aws });
      else out.push({ type: TYPES.assignment, start: v.start, end: v.end, priority: P_ASSIGNMENT, reveal: { keepEnd: 2 }, ...verdict });
    };
    /** The assignment whose name the pass `re` matched at `m`: the name, its form, its value, judged. */
    const assignmentAt = (re: RegExp, m: RegExpExecArray): void => {
      const sep = m.index + m[0].length - 1;
      const { start: nameStart, end: nameEnd } = nameAround(text, m.index);
      const name = text.slice(nameStart, nameEnd);
      const kind = secretName(name);
      // A bare `key` counts as a map entry only (`"key": …`, `key: …`): `key=` is a query parameter or an XML
      // attribute (`<add key="ApiToken" value="…"/>`, whose value the pass goes on to find).
      if (!kind || (kind.bareKey && text[sep] !== ':')) return;
      for (const form of FORMS) {
        const after = form.at(text, nameStart, nameEnd, sep);
        if (after === -1) continue;
        if (form.connection && text[after - 1] === '=' && /^SharedAccessKey$/i.test(name)) {
          const hit = sharedAccessKey(text, after);
          if (hit) {
            out.push(hit);
            return;
          }
        }
        if (form.connection && text[after - 1] === '=' && CONN_NAME.test(name) && (nameStart === 0 || !isWordCode(text.charCodeAt(nameStart - 1)))) {
          const hit = connectionPassword(text, nameStart, after);
          if (hit) {
            out.push(hit);
            return;
          }
        }
        const v = form.value ? form.value(text, after, name) : valueAt(text, after, form.stops ?? BARE_STOPS);
        if (!v) return;
        if (!v.quoted && form.bare !== 'always') {
          if (form.bare === 'never') return;
          // A bare value is code (a variable, a call, a type) unless the line is an env/YAML/properties entry.
          const value = text.slice(v.start, v.end);
          const lineStart = lineStartNear(text, nameStart, 200);
          const codeLike = IDENTIFIER.test(value) ? ',;)<|&['.includes(text[v.end] ?? '\n') : CODE_VALUE.test(value) || NEGATED_CODE.test(value);
          if (!ENTRY_START.test(text.slice(lineStart, nameStart)) || codeLike) return;
        }
        report(name, kind, v, form.what);
        re.lastIndex = Math.max(re.lastIndex, v.end);
        return;
      }
    };
    forEach(SECRET_KEY, text, (m) => assignmentAt(SECRET_KEY, m));
    if (text.includes('PAT')) forEach(PAT_KEY, text, (m) => assignmentAt(PAT_KEY, m));
    if (text.includes('ENV '))
      forEach(DOCKER_ENV, text, (m) => {
        const kind = secretName(m[1]!);
        const v = kind && valueAt(text, m.index + m[0].length - 1, '\r\n');
        if (kind && v) report(m[1]!, kind, v, 'Dockerfile ENV');
      });
  },
};
