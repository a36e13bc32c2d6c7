/** JSON Web Tokens (RFC 7519): signed, unsecured (`alg: none`), unsigned two-part, without `alg`, and wrapped in base64. */
import { decodeBase64, decodeJsonObject } from './text.js';
import { P_TOKEN, TYPES, WHY, bounded, forEach, isB64Code, isB64UrlCode, type Detector, type Verdict } from './detector.js';
import { sampleVerdict } from './samples.js';

// Consumes whole runs (never fails midway), so a long run of base64url is read once, not once per `eyJ`.
const JWT = /eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}/g;
/** `eyJ` in base64 is `ZXlK`: a JWT base64-encoded again (Kubernetes secrets, Basic headers, cookies), standard or URL-safe. */
const WRAPPED = /ZXlK[A-Za-z0-9+/_-]*={0,2}/g;
/** The longest base64 run decoded in search of a wrapped JWT (within the incremental rescan margin). */
const MAX_WRAPPED = 4096;
/** Line lengths at which encoders wrap base64 (PEM and `base64 -w 64`; MIME and GNU `base64`'s default). */
const WRAP_WIDTHS = [64, 76];
const ASCII = new TextDecoder('latin1');
const isWrappedCode = (c: number): boolean => isB64Code(c) || c === 45 || c === 95;

/**
 * The IANA "JSON Web Signature and Encryption Header Parameters" registry: RFC 7515 §4.1, RFC 7516 §4.1,
 * RFC 7518 §4.6–4.8, RFC 7519 §5.3 (claims replicated as headers), RFC 7797 (`b64`), RFC 8225 (`ppt`),
 * RFC 8555 (`url`, `nonce`), RFC 9321 (`svt`). A header naming one of them is JOSE even without `alg`.
 */
const JOSE_HEADER = new Set([
  'alg',
  'jku',
  'jwk',
  'kid',
  'x5u',
  'x5c',
  'x5t',
  'x5t#S256',
  'typ',
  'cty',
  'crit',
  'enc',
  'zip',
  'epk',
  'apu',
  'apv',
  'iv',
  'tag',
  'p2s',
  'p2c',
  'iss',
  'sub',
  'aud',
  'b64',
  'ppt',
  'url',
  'nonce',
  'svt',
]);

/**
 * The verdict on `v`, a run of base64url parts starting with `eyJ`. Its first reason says what it is:
 * signed, unsecured (alg none), unsigned (two parts), or a JOSE header without `alg` (RFC 7515 §4.1.1 makes
 * `alg` required, but tokens without it are still bearer credentials: reported one step lower).
 */
function validateJwt(v: string): Verdict | undefined {
  const parts = v.split('.');
  if (parts.length < 2) return undefined;
  const [h, p, sig] = parts as [string, string, string | undefined];
  if (h.length < 11 || p.length < 2) return undefined;
  const header = decodeJsonObject(h);
  if (!header) return undefined;
  const alg = header['alg'];
  const hasAlg = typeof alg === 'string';
  if (!hasAlg && !Object.keys(header).some((k) => JOSE_HEADER.has(k))) return undefined;
  const sample = sampleVerdict(v);
  if (sample) return sample;
  const claims = decodeJsonObject(p) !== undefined;
  const jose = hasAlg ? WHY.decodes('a JOSE header') : 'header names registered JOSE parameters but no alg';
  if (sig === undefined || (sig === '' && alg === 'none')) {
    // Unsigned (RFC 7519 §6, or a token cut before its signature): only worth reporting with real claims.
    const kind = sig === undefined ? 'unsigned JWT: two parts, no signature' : 'unsecured (alg none) JWT';
    return claims ? { confidence: 'medium', why: [kind, jose, WHY.decodes('JSON claims')] } : undefined;
  }
  if (alg !== 'none' && sig.length < 16) return undefined;
  if (!hasAlg) return claims ? { confidence: 'medium', why: ['signed JWT, header without alg', jose, WHY.decodes('JSON claims')] } : undefined;
  return claims
    ? { confidence: 'high', why: [`signed JWT (JWS, alg ${String(alg).slice(0, 16)})`, jose, WHY.decodes('JSON claims')] }
    : { confidence: 'medium', why: ['encrypted or detached JWT', jose, 'payload is not JSON (encrypted or detached)'] };
}

/**
 * Where a base64 run continues on the lines after its first (encoders wrap at 64 or 76 columns): every line
 * as wide as the first, the last one no wider; padding ends the run.
 */
function wrappedEnd(text: string, start: number, end: number): number {
  const width = end - start;
  if (!WRAP_WIDTHS.includes(width)) return end;
  let lineStart = start;
  while (end - start < MAX_WRAPPED && end - lineStart === width && text.charCodeAt(end - 1) !== 61) {
    const next = text.charCodeAt(end) === 13 ? end + 2 : end + 1;
    if (text.charCodeAt(next - 1) !== 10) break;
    let from = next;
    while (from - next < 32 && (text.charCodeAt(from) === 32 || text.charCodeAt(from) === 9)) from++; // indented (a YAML block)
    let e = from;
    while (e < text.length && e - from <= width && isWrappedCode(text.charCodeAt(e))) e++;
    if (e === from || e - from > width) break;
    lineStart = from;
    end = e;
  }
  return end;
}

export const jwt: Detector = {
  types: [TYPES.jwt],
  candidates: [JWT, WRAPPED],
  find(text, out) {
    if (text.includes('yJ'))
      forEach(JWT, text, (m) => {
        const end = m.index + m[0].length;
        if (!bounded(text, m.index, end, isB64UrlCode)) return;
        const verdict = validateJwt(m[0]);
        if (verdict) out.push({ type: TYPES.jwt, start: m.index, end, priority: P_TOKEN, reveal: { keepStart: 3, keepEnd: 2 }, ...verdict });
      });
    if (text.includes('ZXlK'))
      forEach(WRAPPED, text, (m) => {
        const end = wrappedEnd(text, m.index, m.index + m[0].length);
        WRAPPED.lastIndex = Math.max(WRAPPED.lastIndex, end); // the lines it continues on are read once
        // Not inside a longer run: '=' may come before (an assignment), not a base64 character.
        const before = text.charCodeAt(m.index - 1);
        if (end - m.index > MAX_WRAPPED || (isWrappedCode(before) && before !== 61) || isWrappedCode(text.charCodeAt(end))) return;
        const bytes = decodeBase64(text.slice(m.index, end).replace(/\s+/g, ''));
        if (!bytes) return;
        const inner = ASCII.decode(bytes).trim();
        JWT.lastIndex = 0;
        const token = JWT.exec(inner);
        if (token?.index !== 0 || token[0].length !== inner.length) return;
        const verdict = validateJwt(token[0]);
        if (verdict)
          out.push({
            type: TYPES.jwt,
            start: m.index,
            end,
            priority: P_TOKEN,
            reveal: { keepStart: 4, keepEnd: 2 },
            ...verdict,
            why: [WHY.decodes('a base64-wrapped JWT'), ...verdict.why],
          });
      });
  },
};
