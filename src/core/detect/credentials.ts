/** Credentials in URLs, on command lines (curl -u, docker login -p, …) and in HTTP Authorization headers. */
import { decodeBase64, isPlaceholder, shannonEntropy } from './text.js';
import { P_GENERIC, TYPES, WHY, forEach, lineStartNear, type Detector, type Hit, type Verdict } from './detector.js';

// ---- credentials in URLs and connection strings ------------------------------------------------

const SCHEME = /[A-Za-z][A-Za-z0-9+.-]{1,31}$/;
/** Characters of a URL's user info (RFC 3986 §3.2.1), quotes and parentheses left out: code delimits with them. */
const USERINFO = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~%!$&*+,;=:-') USERINFO[c.charCodeAt(0)] = 1;
export const WEAK_PASSWORDS = /^(?:pass|pwd|pw|p@ss|p@ssw0rd|passw0rd|pass123|password1?|secret|changeit|foo|bar|baz|abc|xyz|123|1234|\*+|x+)$/i;
const RESERVED_HOST = /^(?:[^/:?#]*\.)?(?:example\.(?:com|org|net)|example|test|invalid)(?:[:/?#]|$)/i;
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
      if (nextAt - at > 260 || !SCHEME.test(text.slice(Math.max(0, at - 32), at))) continue;
      let i = at + 3;
      let colon = -1;
      while (i < text.length && i - at < 260 && USERINFO[text.charCodeAt(i)] === 1) {
        if (colon === -1 && text.charCodeAt(i) === 58) colon = i;
        i++;
      }
      // userinfo ends at '@' and a host follows (RFC 3986 §3.2.1): user:password@host
      const host = text.slice(i + 1, i + 256);
      if (text.charCodeAt(i) !== 64 || colon === -1 || !/^[A-Za-z0-9[]/.test(host) || RESERVED_HOST.test(host)) continue;
      const user = text.slice(at + 3, colon);
      const password = text.slice(colon + 1, i);
      if (password.length === 0 || isPlaceholder(password) || WEAK_PASSWORDS.test(password)) continue;
      // Local development defaults (postgres:postgres@localhost) are worth a hint, not a label.
      const weak = LOCAL_HOST.test(host) || password === user || password.length < 6;
      const h = shannonEntropy(password);
      const confidence = weak ? 'low' : password.length >= 8 && h >= 2.5 ? 'high' : 'medium';
      const why = ['user:password@host in a URL', weak ? 'local host, short password or password = user' : WHY.entropy(h)];
      out.push({ type: TYPES.url, start: colon + 1, end: i, confidence, why, priority: P_GENERIC, reveal: { keepEnd: 1 } });
    }
  },
};

// ---- command lines and Authorization headers ---------------------------------------------------

/**
 * One pass finds every credential-carrying flag (after a space): `indexOf('-')` and a look at the next
 * character, twice as fast as a regex pass and far faster than a pass per command; FLAG is then tried
 * there. The command is read back on the line.
 */
const FLAG = /-(?:-(user|proxy-user|password|passwd|token|api-key|client-secret)\b|([up]))/y;
/** A value: not a variable (`$X`, `%X%`, `{x}`, `<x>`), a mask (`***`) or another flag. */
const SECRET = `([^\\s"'$<{%*-][^\\s"'\`]{0,255})`;
/** After `-u`/`--user`: `user:password` (curl, wget, httpie, xh). */
const USER_PASS = new RegExp(`(?:[ \\t]+|=)?["']?[^\\s:"'$<{]{1,64}:${SECRET}`, 'y');
/** After a flag that takes a value: a space or `=`, an optional quote, the value. */
const SEPARATE = new RegExp(`(?:[ \\t]+|=)["']?${SECRET}`, 'y');
/** After mysql's `-p`: the password attached (`-p` alone prompts for it). */
const ATTACHED = new RegExp(SECRET, 'y');
/** The commands whose flags carry credentials, as the line before the flag names them. */
const CURL_LINE = /(?:^|[\s;&|(`])(?:curl|wget|xh|http)[ \t]/;
const REGISTRY_LOGIN_LINE = /(?:^|[\s;&|(`])(?:docker|podman|nerdctl|buildah|skopeo|oras|helm[ \t]+registry)[ \t]+login\b/;
const MYSQL_LINE = /(?:^|[\s;&|(`])mysql(?:dump|admin|sh)?[ \t]/;
const SSHPASS_LINE = /(?:^|[\s;&|(`])sshpass[ \t]*$/;

/** The value a flag at [at, after) carries and what to call it, or undefined when the command does not give it one. */
function flagValue(
  text: string,
  at: number,
  after: number,
  long: string | undefined,
  short: string | undefined,
): { m: RegExpExecArray; what: string } | undefined {
  const exec = (re: RegExp) => {
    re.lastIndex = after;
    return re.exec(text) ?? undefined;
  };
  const before = text.slice(lineStartNear(text, at, 300), at);
  if (short === 'u' || long === 'user' || long === 'proxy-user') {
    const m = CURL_LINE.test(before) ? exec(USER_PASS) : undefined;
    return m && { m, what: 'curl -u user:password' };
  }
  if (short === 'p') {
    if (MYSQL_LINE.test(before)) {
      const m = exec(ATTACHED);
      return m && { m, what: 'mysql -p<password>' };
    }
    const what = REGISTRY_LOGIN_LINE.test(before) ? 'registry login -p (docker, podman, helm)' : SSHPASS_LINE.test(before) ? 'sshpass -p' : undefined;
    const m = what ? exec(SEPARATE) : undefined;
    return m && what ? { m, what } : undefined;
  }
  const m = exec(SEPARATE);
  return m && { m, what: REGISTRY_LOGIN_LINE.test(before) ? 'registry login -p (docker, podman, helm)' : 'a --password/--token flag' };
}

const AUTH_HEADER = /uthorization["'`]?[ \t]*[:=][ \t]*["'`]?(Basic|Bearer|Token|Digest|basic|bearer|token)[ \t]+([A-Za-z0-9._~+/=-]{8,2048})/g;

/** A password or token given on a command line: not a variable, a placeholder or a stock weak word. */
function commandSecret(value: string, what: string): Verdict | undefined {
  if (value.length < 4 || isPlaceholder(value) || WEAK_PASSWORDS.test(value)) return undefined;
  const h = shannonEntropy(value);
  return { confidence: value.length >= 8 && h >= 2.5 ? 'high' : 'medium', why: [what, WHY.entropy(h)] };
}

/** The token of an `Authorization:` header: Basic must decode as user:password, others must look random. */
function headerSecret(scheme: string, value: string): Verdict | undefined {
  if (isPlaceholder(value)) return undefined;
  if (scheme.toLowerCase() === 'basic') {
    const bytes = decodeBase64(value.replace(/=+$/, ''), 512);
    const plain = bytes && String.fromCharCode(...bytes);
    if (!plain || !/^[\x20-\x7e]+:[\x20-\x7e]{4,}$/.test(plain) || WEAK_PASSWORDS.test(plain.slice(plain.indexOf(':') + 1))) return undefined;
    return { confidence: 'high', why: ['Authorization: Basic header', WHY.decodes('user:password')] };
  }
  const h = shannonEntropy(value);
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
        push(end - m[2]!.length, end, headerSecret(m[1]!, m[2]!));
      });
    for (let i = text.indexOf('-'); i !== -1; i = text.indexOf('-', i + 1)) {
      const next = text.charCodeAt(i + 1);
      if ((next !== 117 && next !== 112 && next !== 45) || text.charCodeAt(i - 1) !== 32) continue;
      FLAG.lastIndex = i;
      const f = FLAG.exec(text);
      const found = f && flagValue(text, i, i + f[0].length, f[1], f[2]);
      if (!found) continue;
      const end = found.m.index + found.m[0].length;
      push(end - found.m[1]!.length, end, commandSecret(found.m[1]!, found.what));
      i = end - 1;
    }
  },
};
