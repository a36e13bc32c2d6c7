/** JSON Web Tokens (RFC 7519): signed, unsecured (`alg: none`), unsigned two-part, and wrapped in base64. */
import { decodeBase64, decodeJsonObject } from './text.js';
import { P_TOKEN, TYPES, WHY, bounded, forEach, isB64Code, isB64UrlCode, type Detector, type Verdict } from './detector.js';
import { sampleVerdict } from './samples.js';

// Consumes whole runs (never fails midway), so a long run of base64url is read once, not once per `eyJ`.
const JWT = /eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}/g;
/** `eyJ` in base64 is `ZXlK`: a JWT base64-encoded again (Kubernetes secrets, Basic headers, cookies). */
const WRAPPED = /ZXlK[A-Za-z0-9+/]*={0,2}/g;
/** The longest base64 run decoded in search of a wrapped JWT (within the incremental rescan margin). */
const MAX_WRAPPED = 4096;
const ASCII = new TextDecoder('latin1');

/** The verdict on `v`, a run of base64url parts starting with `eyJ`. */
function validateJwt(v: string): Verdict | undefined {
  const parts = v.split('.');
  if (parts.length < 2) return undefined;
  const [h, p, sig] = parts as [string, string, string | undefined];
  if (h.length < 11 || p.length < 2) return undefined;
  const header = decodeJsonObject(h);
  if (typeof header?.['alg'] !== 'string') return undefined; // RFC 7515 §4.1.1: alg is required
  const sample = sampleVerdict(v);
  if (sample) return sample;
  const jose = WHY.decodes('a JOSE header');
  const claims = decodeJsonObject(p) !== undefined;
  if (sig === undefined || (sig === '' && header['alg'] === 'none')) {
    // Unsigned (RFC 7519 §6, or a token cut before its signature): only worth reporting with real claims.
    return claims
      ? { confidence: 'medium', why: [jose, WHY.decodes('JSON claims'), sig === undefined ? 'two parts, no signature' : 'unsecured (alg none)'] }
      : undefined;
  }
  if (header['alg'] !== 'none' && sig.length < 16) return undefined;
  return claims
    ? { confidence: 'high', why: [jose, WHY.decodes('JSON claims'), 'signature present'] }
    : { confidence: 'medium', why: [jose, 'payload is not JSON (encrypted or detached)'] };
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
        const end = m.index + m[0].length;
        if (m[0].length > MAX_WRAPPED || !bounded(text, m.index, end, isB64Code)) return;
        const bytes = decodeBase64(m[0]);
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
