/** International bank account numbers (ISO 13616): country length and mod-97, in electronic or grouped form. */
import { ibanLength, validIban } from './validators.js';
import { P_DATA, TYPES, WHY, forEach, isAlnum, type Detector } from './detector.js';

const IBAN_START = /[A-Z]{2}\d\d[ .\u00a0-]?[A-Z0-9]{4}/g;
/** Separators people put between an IBAN's groups: space, no-break space, dash, dot. */
const SEPARATORS = ' \u00a0-.';

export const ibans: Detector = {
  types: [TYPES.iban],
  candidates: [IBAN_START],
  find(text, out) {
    forEach(IBAN_START, text, (m) => {
      const start = m.index;
      const country = m[0].slice(0, 2);
      const length = ibanLength(country);
      if (!length || (start > 0 && isAlnum(text.charCodeAt(start - 1)))) return;
      // Electronic form, or grouped with one kind of separator (print form: a space after every 4 characters).
      const sep = SEPARATORS.includes(text[start + 4]!) ? text[start + 4] : undefined;
      let compact = '';
      let i = start;
      while (compact.length < length && i < text.length) {
        const c = text.charCodeAt(i);
        if (sep !== undefined && text[i] === sep && compact.length >= 4 && isAlnum(text.charCodeAt(i + 1))) {
          i++;
          continue;
        }
        if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90))) break;
        compact += text[i];
        i++;
      }
      if (compact.length !== length || (i < text.length && isAlnum(text.charCodeAt(i))) || !validIban(compact)) return;
      const why = [WHY.checksum('ISO 13616 mod-97'), `${country} length ${length}`];
      out.push({ type: TYPES.iban, start, end: i, confidence: 'high', why, priority: P_DATA, reveal: { keepStart: 2, keepEnd: 4, keepShape: true } });
      IBAN_START.lastIndex = i;
    });
  },
};
