/** Credentials in URLs, on command lines (curl -u, docker login -p, …) and in HTTP Authorization headers. */
import { decodeBase64, isPlaceholder, isWordCode, shannonEntropy } from './text.js';
import { P_GENERIC, TYPES, WHY, forEach, lineStartNear, type Detector, type Hit, type Verdict } from './detector.js';

// ---- credentials in URLs and connection strings ------------------------------------------------

/** A URI scheme (RFC 3986 §3.1): a letter, then letters, digits, `+`, `.`, `-`; 2 to 32 characters here. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]{1,31}$/;
const isSchemeCode = (c: number): boolean => isWordCode(c) || c === 43 || c === 46 || c === 45;
/** Characters that join what is on either side into one token: a scheme right after one (`?ostgres://`) starts inside a word. */
const JOINS_TOKEN = '?!#$%^~&@';

/** Does a scheme end at `at` (the `://`), starting a word: after no letter, digit, `_` or joining character? */
function schemeBefore(text: string, at: number): boolean {
  let start = at;
  while (start > 0 && at - start <= 32 && isSchemeCode(text.charCodeAt(start - 1))) start--;
  return SCHEME.test(text.slice(start, at)) && !JOINS_TOKEN.includes(text[start - 1] ?? ' ');
}
/** Characters of a URL's user info (RFC 3986 §3.2.1), quotes and parentheses left out: code delimits with them. */
const USERINFO = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~%!$&*+,;=:-') USERINFO[c.charCodeAt(0)] = 1;
export const WEAK_PASSWORDS = /^(?:pass|pwd|pw|p@ss|p@ssw0rd|passw0rd|pass123|password1?|secret|changeit|foo|bar|baz|abc|xyz|123|1234|\*+|x+)$/i;
const RESERVED_HOST = /^(?:[^/:?#]*\.)?(?:example\.(?:com|org|net)|example|test|invalid)(?:[:/?#]|$)/i;
/**
 * An account name: a word, as default accounts are named (`root`, `postgres`, `sa`, `admin`), not the name of
 * the field itself (`user:user`, `username:username` fill in a template).
 */
const DEFAULT_ACCOUNT = /^(?!(?:user|username|password|passwd|pass)$)[A-Za-z][A-Za-z0-9_.-]{1,31}$/i;
/** A host: a name, an address, `[` of an IPv6 one, or a Unix socket path percent-encoded (`%2Ftmp%2Fmongodb.sock`: MongoDB's and libpq's URIs). */
const HOST_START = /^(?:[A-Za-z0-9[]|%2F)/i;
const LOCAL_HOST = /^(?:localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1\]|host\.docker\.internal)(?:[:/?#]|$)/i;

const URL_MARK = /:\/\//g;

export const urlCredentials: Detector = {
  types: [TYPES.url],
  candidates: [URL_MARK],
  find(text, out) {
    let nextAt = -1;
    for (let at = text.indexOf('://'); at !== -1; at = text.indexOf('://', at + 3)) {
      // user info needs a ':' before an '@': skip the many URLs without one cheaply.
      if (nextAt < at) nextAt = text.indexOf('@', at);
      if (nextAt === -1) break;
      if (nextAt - at > 260 || !schemeBefore(text, at)) continue;
      let i = at + 3;
      let colon = -1;
      while (i < text.length && i - at < 260 && USERINFO[text.charCodeAt(i)] === 1) {
        if (colon === -1 && text.charCodeAt(i) === 58) colon = i;
        i++;
      }
      // userinfo ends at '@' and a host follows (RFC 3986 §3.2.1): user:password@host
      const host = text.slice(i + 1, i + 256);
      if (text.charCodeAt(i) !== 64 || colon === -1 || !HOST_START.test(host) || RESERVED_HOST.test(host)) continue;
      const user = text.slice(at + 3, colon);
      const password = text.slice(colon + 1, i);
      // A default account (root:root, postgres:postgres, admin:admin) opens its host to anyone who guesses it: a
      // hint, on any host, even when the word is one that alone would be a placeholder.
      const defaultAccount = password === user && DEFAULT_ACCOUNT.test(user) && new Set(user).size > 1;
      if (password.length === 0 || (!defaultAccount && (isPlaceholder(password) || WEAK_PASSWORDS.test(password)))) continue;
      // Local development defaults (app:s3cret@localhost) and short passwords are worth a hint, not a label.
      const weak =
        password === user ? 'password = user (a default account)' : LOCAL_HOST.test(host) || password.length < 6 ? 'local host or short password' : undefined;
      const h = shannonEntropy(password);
      const confidence = weak ? 'low' : password.length >= 8 && h >= 2.5 ? 'high' : 'medium';
      const why = ['user:password@host in a URL', weak ?? WHY.entropy(h)];
      out.push({ type: TYPES.url, start: colon + 1, end: i, confidence, why, priority: P_GENERIC, reveal: { keepEnd: 1 } });
    }
  },
};

// ---- command lines and Authorization headers ---------------------------------------------------

/**
 * One pass finds every credential-carrying flag (after a space): `indexOf('-')` and a look at the next
 * character, twice as fast as a regex pass and far faster than a pass per command; FLAG is then tried
 * there. The command is read back on the line, and on the lines it continues (a `\` at their end).
 */
const FLAG = /-(?:-(user|proxy-user|password|passwd|token|api-key|client-secret|header)\b|([upH]))/y;
/** A value: not a variable (`$X`, `%X%`, `{x}`, `<x>`), a mask (`***`) or another flag. */
const SECRET = `([^\\s"'$<{%*-][^\\s"'\`]{0,255})`;
/** After a flag that takes a value: a space or `=`, an optional quote, the value. */
const SEPARATE = new RegExp(`(?:[ \\t]+|=)["']?${SECRET}`, 'y');
/** After mysql's `-p`: the password attached (`-p` alone prompts for it). */
const ATTACHED = new RegExp(SECRET, 'y');
/** After `-H`/`--header`: a header that carries a key or token by its name (`X-Api-Key: …`, `apikey: …`, `Token: …`). */
const HEADER_ARG = /(?:[ \t]+|=)["']([A-Za-z][A-Za-z0-9-]{0,40})[ \t]*:[ \t]*([^\s"'$<{%*][^\s"'`]{7,511})/y;
const KEY_HEADER = /^(?:x-(?:[a-z]+-)*)?(?:api-?)?(?:key|token)$|^(?:x-)?(?:[a-z]+-)?(?:api-?key|auth-token|access-token|private-token)$/i;
/** The commands whose flags carry credentials, as the line before the flag names them. */
const CURL_LINE = /(?:^|[\s;&|(`])(?:curl|wget|xh|http)[ \t]/;
const REGISTRY_LOGIN_LINE = /(?:^|[\s;&|(`])(?:docker|podman|nerdctl|buildah|skopeo|oras|helm[ \t]+registry)[ \t]+login\b/;
const MYSQL_LINE = /(?:^|[\s;&|(`])mysql(?:dump|admin|sh)?[ \t]/;
const SSHPASS_LINE = /(?:^|[\s;&|(`])sshpass[ \t]*$/;
/** How many lines back a command may start before the flag (`\`-continued lines); at most 1000 characters (DETECTOR_REACH). */
const CONTINUED_LINES = 8;

/** The command before the flag at `at`: its line, and the lines before it that end in a `\` continuation. */
function commandBefore(text: string, at: number): string {
  let start = lineStartNear(text, at, 300);
  for (let n = 0; n < CONTINUED_LINES && start >= 2 && at - start < 700; n++) {
    const prevEnd = text.charCodeAt(start - 2) === 13 ? start - 2 : start - 1;
    if (text.charCodeAt(prevEnd - 1) !== 92) break;
    start = lineStartNear(text, prevEnd, 300);
  }
  return text.slice(start, at);
}

/** A found value: where it is, what it is, and what gave it. */
interface FlagValue {
  readonly start: number;
  readonly end: number;
  readonly value: string;
  readonly what: string;
  /** For `-u user:` with no password: the user name is the secret (an API token as user name). */
  readonly tokenAsUser?: boolean;
}

/**
 * The shell word after `-u`/`--user` from `from`, read as the shell does: quoted and bare pieces joined
 * (`kevin:'p4ss'`, `"user":"pass"`), with each character's offset, so the password's span is known.
 */
function shellWord(text: string, from: number): { chars: string; offsets: number[] } | undefined {
  let i = from;
  if (text[i] === '=') i++;
  else while (text[i] === ' ' || text[i] === '\t') i++;
  let chars = '';
  const offsets: number[] = [];
  while (i < text.length && i - from < 300) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close === -1 || close - i > 256 || text.slice(i, close).includes('\n')) return undefined;
      for (let j = i + 1; j < close; j++) {
        chars += text[j];
        offsets.push(j);
      }
      i = close + 1;
    } else if (/\s/.test(c)) break;
    else {
      chars += c;
      offsets.push(i);
      i++;
    }
  }
  return chars.length > 0 ? { chars, offsets } : undefined;
}

/** `{value}` (IBM's docs quote credentials in braces): the inside when it looks made of random characters rather than a name. */
function unbrace(v: string): string | undefined {
  if (!(v.startsWith('{') && v.endsWith('}'))) return v;
  const inner = v.slice(1, -1);
  return /^[^{}\s]{8,}$/.test(inner) && /\d/.test(inner) && !/^[A-Za-z_]+$/.test(inner) ? inner : undefined;
}

/** `-u user:password` (curl, wget, httpie, xh): the password, or the user when the password is empty (a token as user name). */
function userPassword(text: string, after: number): FlagValue | undefined {
  const word = shellWord(text, after);
  if (!word) return undefined;
  const colon = word.chars.indexOf(':');
  if (colon === -1 || /\$[A-Za-z_{(]|\{\{/.test(word.chars)) return undefined;
  const user = unbrace(word.chars.slice(0, colon));
  const pass = unbrace(word.chars.slice(colon + 1));
  if (user === undefined || pass === undefined || (user === pass && user !== '')) return undefined;
  const tokenAsUser = pass === '';
  const [from, to] = tokenAsUser ? [0, colon] : [colon + 1, word.chars.length];
  if (to <= from) return undefined;
  // The span from the secret's first character to its last (quotes or braces inside it are kept).
  let start = word.offsets[from]!;
  let end = word.offsets[to - 1]! + 1;
  if (word.chars[from] === '{' && (tokenAsUser ? user : pass) !== word.chars.slice(from, to)) {
    start = word.offsets[from + 1]!;
    end = word.offsets[to - 2]! + 1;
  }
  return { start, end, value: tokenAsUser ? user : pass, what: tokenAsUser ? 'curl -u token: (empty password)' : 'curl -u user:password', tokenAsUser };
}

/** The value a flag at [at, after) carries and what to call it, or undefined when the command does not give it one. */
function flagValue(text: string, at: number, after: number, long: string | undefined, short: string | undefined): FlagValue | undefined {
  const exec = (re: RegExp, what: string): FlagValue | undefined => {
    re.lastIndex = after;
    const m = re.exec(text);
    if (!m) return undefined;
    const end = m.index + m[0].length;
    return { start: end - m[1]!.length, end, value: m[1]!, what };
  };
  const before = commandBefore(text, at);
  if (short === 'u' || long === 'user' || long === 'proxy-user') return CURL_LINE.test(before) ? userPassword(text, after) : undefined;
  if (short === 'H' || long === 'header') {
    if (!CURL_LINE.test(before)) return undefined;
    HEADER_ARG.lastIndex = after;
    const m = HEADER_ARG.exec(text);
    if (!m || !KEY_HEADER.test(m[1]!)) return undefined;
    const end = m.index + m[0].length;
    return { start: end - m[2]!.length, end, value: m[2]!, what: `curl -H "${m[1]!}: …" header` };
  }
  if (short === 'p') {
    if (MYSQL_LINE.test(before)) return exec(ATTACHED, 'mysql -p<password>');
    const what = REGISTRY_LOGIN_LINE.test(before) ? 'registry login -p (docker, podman, helm)' : SSHPASS_LINE.test(before) ? 'sshpass -p' : undefined;
    return what ? exec(SEPARATE, what) : undefined;
  }
  return exec(SEPARATE, REGISTRY_LOGIN_LINE.test(before) ? 'registry login -p (docker, podman, helm)' : 'a --password/--token flag');
}

/**
 * `Authorization:` with a scheme (Basic, Bearer, Token, Api-Token, Digest) or none at all (the token
 * alone, as APIs that take a raw key there ask for).
 */
const AUTH_HEADER =
  /uthorization["'`]?[ \t]*[:=][ \t]*["'`]?(?:(Basic|Bearer|Token|Api-Token|Digest|basic|bearer|token|api-token)[ \t]+)?([A-Za-z0-9._~+/=@-]{8,2048})/g;
/** A value that is code, not a token: a dotted name (`request.headers.auth`) or a call. */
const CODE_LIKE = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;

/** A password or token given on a command line: not a variable, a placeholder or a stock weak word. */
function commandSecret(found: FlagValue): Verdict | undefined {
  const { value, what } = found;
  if (value.length < 4 || isPlaceholder(value) || WEAK_PASSWORDS.test(value)) return undefined;
  const h = shannonEntropy(value);
  // A user name standing alone (`-u token:`, a header's key) must look random to be a secret.
  if ((found.tokenAsUser || what.startsWith('curl -H')) && (value.length < 8 || h < 3)) return undefined;
  return { confidence: value.length >= 8 && h >= 2.5 ? 'high' : 'medium', why: [what, WHY.entropy(h)] };
}

/** Does `s` hold a control character (C0 or DEL)? Decoded text that does is binary, not user:password. */
const hasControl = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 32 || s.charCodeAt(i) === 127) return true;
  return false;
};

/** The token of an `Authorization:` header: Basic must decode as user:password, others must look random. */
function headerSecret(scheme: string | undefined, value: string, next: string): Verdict | undefined {
  if (isPlaceholder(value)) return undefined;
  if (scheme?.toLowerCase() === 'basic') {
    const bytes = decodeBase64(value.replace(/=+$/, ''), 512);
    const plain = bytes && String.fromCharCode(...bytes);
    // user:password; bytes past ASCII are kept (a password in Latin-1), control characters are not.
    const colon = plain ? plain.indexOf(':') : -1;
    if (!plain || colon < 1 || hasControl(plain)) return undefined;
    const pass = plain.slice(colon + 1);
    if (pass === '')
      return { confidence: 'medium', why: ['Authorization: Basic header', WHY.decodes('user: with an empty password (a client id or key as user)')] };
    if (pass.length < 4 || WEAK_PASSWORDS.test(pass) || pass === plain.slice(0, colon) || isPlaceholder(pass)) return undefined;
    return { confidence: 'high', why: ['Authorization: Basic header', WHY.decodes('user:password')] };
  }
  const h = shannonEntropy(value);
  if (value.startsWith('sha256~'))
    return { confidence: value.length >= 40 ? 'high' : 'medium', why: [WHY.prefix('sha256~ (OpenShift OAuth token)'), WHY.entropy(h)] };
  if (scheme === undefined) {
    // No scheme: the token alone. It must not read as code (`request.headers.token`, a call) and must look random.
    if (CODE_LIKE.test(value) || '([<'.includes(next) || !/\d/.test(value) || value.length < 16 || h < (/^[0-9a-f-]+$/i.test(value) ? 2.5 : 3))
      return undefined;
    return { confidence: 'medium', why: ['Authorization header without a scheme', WHY.entropy(h)] };
  }
  if (value.length < 12 || h < 3) return undefined;
  return { confidence: value.length >= 20 && h >= 3.5 ? 'high' : 'medium', why: [`Authorization: ${scheme} header`, WHY.entropy(h)] };
}

export const commandCredentials: Detector = {
  types: [TYPES.command],
  candidates: [AUTH_HEADER, FLAG],
  find(text, out) {
    const push = (start: number, end: number, verdict: Verdict | undefined): void => {
      if (verdict) out.push({ type: TYPES.command, start, end, priority: P_GENERIC, reveal: { keepEnd: 1 }, ...verdict } satisfies Hit);
    };
    if (text.includes('zation'))
      forEach(AUTH_HEADER, text, (m) => {
        const end = m.index + m[0].length;
        push(end - m[2]!.length, end, headerSecret(m[1], m[2]!, text[end] ?? ''));
      });
    for (let i = text.indexOf('-'); i !== -1; i = text.indexOf('-', i + 1)) {
      const next = text.charCodeAt(i + 1);
      if ((next !== 117 && next !== 112 && next !== 45 && next !== 72) || text.charCodeAt(i - 1) !== 32) continue;
      FLAG.lastIndex = i;
      const f = FLAG.exec(text);
      const found = f && flagValue(text, i, i + f[0].length, f[1], f[2]);
      if (!found) continue;
      push(found.start, found.end, commandSecret(found));
      i = found.end - 1;
    }
  },
};
