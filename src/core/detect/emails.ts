/** Lists of email addresses: many distinct addresses in one text are personal data. */
import { EMAIL_LIST_THRESHOLD, P_DATA, TYPES, isAlnum, type Detector } from './detector.js';

const AT = /@/g;

const EMAIL_LOCAL_CODE = (c: number): boolean => isAlnum(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
/** Host names, internationalised ones too (RFC 5890): Unicode labels, or their punycode (`xn--`) form, TLDs included. */
const DOMAIN = /^(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+(\p{L}{2,24}|xn--[A-Za-z0-9-]{1,59})(?![\p{L}\p{N}-])/u;
const NOT_TLD =
  /^(?:png|jpe?g|gif|svg|webp|ico|js|mjs|cjs|ts|tsx|jsx|css|scss|less|html?|json|ya?ml|md|txt|map|lock|vue|py|rb|go|rs|java|kt|swift|php|sh|zip|gz|tar|pdf|wasm|node)$/i;
const RESERVED_DOMAIN = /(?:^|\.)(?:example\.(?:com|org|net)|test|invalid|localhost|local|example)$/i;

export const emails: Detector = {
  types: [TYPES.email],
  candidates: [AT],
  find(text, out) {
    const found: { start: number; end: number; at: number; key: string }[] = [];
    const distinct = new Set<string>();
    for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
      let s = at;
      while (s > 0 && at - s < 64 && EMAIL_LOCAL_CODE(text.charCodeAt(s - 1))) s--;
      while (s < at && (text.charCodeAt(s) === 46 || text.charCodeAt(s) === 45)) s++;
      // Not an address: nothing before '@', or the user/password part of a URL (scheme://user:pass@host).
      if (s === at || text.charCodeAt(at - 1) === 46 || text.charCodeAt(s - 1) === 58 || text.startsWith('://', s - 3)) continue;
      const d = DOMAIN.exec(text.slice(at + 1, at + 256));
      if (!d || NOT_TLD.test(d[1]!)) continue;
      const domain = d[0];
      if (RESERVED_DOMAIN.test(domain)) continue;
      const key = text.slice(s, at + 1 + domain.length).toLowerCase();
      distinct.add(key);
      found.push({ start: s, end: at + 1 + domain.length, at, key });
    }
    if (distinct.size < EMAIL_LIST_THRESHOLD) return;
    for (const f of found) {
      const excerpt = `${text[f.start]}***@***${f.key.slice(f.key.lastIndexOf('.'))}`;
      out.push({
        type: TYPES.email,
        start: f.start,
        end: f.end,
        confidence: 'medium',
        why: [`${distinct.size} distinct addresses in one text (${EMAIL_LIST_THRESHOLD} or more make a list)`],
        priority: P_DATA,
        excerpt,
      });
    }
  },
};
