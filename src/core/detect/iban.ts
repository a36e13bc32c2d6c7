/** International bank account numbers (ISO 13616): country length and mod-97. */
import { ibanLength, validIban } from './validators.js';
import { P_DATA, TYPES, forEach, isAlnum, type Detector } from './detector.js';

export const IBAN_START = /[A-Z]{2}\d\d ?[A-Z0-9]{4}/g;

export const ibans: Detector = {
  types: [TYPES.iban],
  find(text, out) {
    forEach(IBAN_START, text, (m) => {
      const start = m.index;
      const length = ibanLength(m[0].slice(0, 2));
      if (!length || (start > 0 && isAlnum(text.charCodeAt(start - 1)))) return;
      // Electronic form (no spaces) or print form (a space after every 4 characters).
      const spaced = text.charCodeAt(start + 4) === 32;
      let compact = '';
      let i = start;
      while (compact.length < length && i < text.length) {
        const c = text.charCodeAt(i);
        if (spaced && compact.length % 4 === 0 && compact.length > 0 && c === 32) {
          i++;
          continue;
        }
        if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90))) break;
        compact += text[i];
        i++;
      }
      if (compact.length !== length || (i < text.length && isAlnum(text.charCodeAt(i))) || !validIban(compact)) return;
      out.push({ type: TYPES.iban, start, end: i, confidence: 'high', priority: P_DATA, reveal: { keepStart: 2, keepEnd: 4, keepShape: true } });
      IBAN_START.lastIndex = i;
    });
  },
};
