/** Private keys: PEM/OpenSSH/PGP armour whose body decodes as a key, and PuTTY key files. */

import { decodeBase64 } from './text.js';
import { PRIVATE_KEY_REACH, P_TOKEN, TYPES, WHY, firstFrom, forEach, offsetsOf, type Detector } from './detector.js';

const PEM_BEGIN = /-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?)-----/g;
const MAX_KEY = PRIVATE_KEY_REACH;
const PUTTY = /PuTTY-User-Key-File-[23]: /g;

/** The base64 body of a PEM/armored block: escapes (`\n` inside JSON strings), headers and blanks gone. */
function pemBody(raw: string): string {
  return raw
    .split(/\\[nr]|[\r\n]/)
    .filter((line) => !line.includes(':'))
    .join('')
    .replace(/[\s"'\\]/g, '');
}

/** Does the base64 body decode to what this kind of key starts with? */
function keyBodyValid(label: string, body: string): boolean {
  const head = decodeBase64(body.slice(0, 64).replace(/=+$/, ''), 32);
  if (!head || head.length < 16) return false;
  if (label.startsWith('OPENSSH')) return String.fromCharCode(...head.subarray(0, 15)) === 'openssh-key-v1\0';
  if (label.startsWith('PGP')) return (head[0]! & 0x80) !== 0;
  if (label.startsWith('SSH2')) return true;
  return head[0] === 0x30; // DER SEQUENCE: PKCS#1, SEC 1, PKCS#8 and encrypted PKCS#8 all start with one
}

export const privateKeys: Detector = {
  types: [TYPES.privateKey],
  candidates: [PEM_BEGIN, PUTTY],
  find(text, out) {
    let ends: number[] | undefined;
    if (text.includes('BEGIN '))
      forEach(PEM_BEGIN, text, (m) => {
        const start = m.index;
        const label = m[1]!;
        const bodyStart = start + m[0].length;
        const endMarker = `-----END ${label}-----`;
        ends ??= offsetsOf(text, '-----END ', 5);
        const endAt = firstFrom(ends, bodyStart, MAX_KEY, (at) => text.startsWith(endMarker, at));
        const complete = endAt !== -1;
        const body = pemBody(text.slice(bodyStart, complete ? endAt : bodyStart + 512));
        if (body.length < 64 || !/^[A-Za-z0-9+/=]{64}/.test(body)) return; // a mention, not a key
        const valid = keyBodyValid(label, body);
        if (!complete && !valid) return;
        const end = complete ? endAt + endMarker.length : bodyStart;
        const why = [
          `${label} armour`,
          complete ? 'END marker found' : 'no END marker',
          valid ? WHY.decodes('key material') : 'body does not decode as this kind of key',
        ];
        out.push({
          type: TYPES.privateKey,
          start,
          end,
          confidence: complete && valid ? 'high' : 'medium',
          why,
          priority: P_TOKEN,
          reveal: { keepStart: m[0].length },
        });
        PEM_BEGIN.lastIndex = end;
      });
    let macs: number[] | undefined;
    if (text.includes('PuTTY'))
      forEach(PUTTY, text, (m) => {
        macs ??= offsetsOf(text, 'Private-MAC: ');
        const macAt = firstFrom(macs, m.index, MAX_KEY);
        if (macAt === -1 || !/^Private-MAC: [0-9a-fA-F]{40}/.test(text.slice(macAt, macAt + 60))) return;
        if (!/Private-Lines: \d+\r?\n[A-Za-z0-9+/=]{32}/.test(text.slice(m.index, macAt))) return;
        const nl = text.indexOf('\n', macAt);
        const end = nl === -1 ? text.length : text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        out.push({
          type: TYPES.privateKey,
          start: m.index,
          end,
          confidence: 'high',
          why: [WHY.structure('PuTTY key file with Private-Lines and Private-MAC')],
          priority: P_TOKEN,
          reveal: { keepStart: m[0].length - 1 },
        });
      });
  },
};
