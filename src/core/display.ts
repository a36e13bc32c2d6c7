/**
 * Strings from files anyone can write (names, emails, label names and inner names in signed policies,
 * paths) are shown escaped by every host: this is the one list of characters that must never reach a
 * screen raw — C0 controls (but tab), DEL, C1 controls, the Unicode line and paragraph separators, and the
 * bidirectional embeddings, overrides, isolates and marks behind Trojan Source (CVE-2021-42574).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `\n`, `\r`, or `\u{XXXX}`: a visible stand-in for an unsafe character. */
const visible = (c: string): string => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u{${c.charCodeAt(0).toString(16).padStart(4, '0')}}`);

/** `text` with every unsafe character replaced by a visible escape (tab kept). */
export const showable = (text: string): string => text.replace(UNSAFE, visible);

/** A signer as inspect reports it (`SignerView` in src/core/app/inspect.ts). */
interface Signer {
  readonly fingerprint: string;
  readonly verified: boolean;
  readonly email?: string;
  readonly name?: string;
}

/** The words for a signer: the person when their key is pinned, else "an unverified key" and its fingerprint (issue 9). */
export function signerWords(v: Signer): string {
  if (v.verified) return `${v.name ? `${v.name} <${v.email}>` : v.email} (verified, ${v.fingerprint})`;
  return `an unverified key ${v.fingerprint}${v.email ? ` (claims to be ${v.email})` : ''}`;
}
