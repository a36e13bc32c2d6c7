/**
 * Strings from files anyone can write (names, emails, label names and inner names in signed policies,
 * paths) are shown escaped by every host: this is the one list of characters that must never reach a
 * screen raw — C0 controls (but tab), DEL, C1 controls, the Unicode line and paragraph separators, and the
 * bidirectional embeddings, overrides, isolates and marks behind Trojan Source (CVE-2021-42574).
 */
import { fingerprint } from './fingerprint.js';

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `\n`, `\r`, or `\u{XXXX}`: a visible stand-in for an unsafe character. */
const visible = (c: string): string => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u{${c.charCodeAt(0).toString(16).padStart(4, '0')}}`);

/** `text` with every unsafe character replaced by a visible escape (tab kept). */
export const showable = (text: string): string => text.replace(UNSAFE, visible);

/** A signer as inspect reports it (`SignerView` in src/core/app/inspect.ts): a key, verified or not, and who it claims to be. */
export interface Signer {
  readonly fingerprint: string;
  readonly verified: boolean;
  readonly email?: string | undefined;
  readonly name?: string | undefined;
}

/** A signer this user has not verified (what a host without pins, such as the envelope itself, can say of a key). */
export const unverifiedSigner = (id: string, claims: { readonly email?: string; readonly name?: string | undefined }): Signer => ({
  fingerprint: fingerprint(id),
  verified: false,
  email: claims.email,
  name: claims.name,
});

/** "Alice <alice@example.com>", or whichever of the two the signer names. */
const claimed = (v: Signer): string | undefined => (v.name && v.email ? `${v.name} <${v.email}>` : (v.email ?? v.name));

/** The words for a signer: the person when their key is pinned, else "an unverified key" and its fingerprint (issue 9). */
export function signerWords(v: Signer): string {
  const who = claimed(v);
  if (v.verified) return `${who ?? 'you'} (verified, ${v.fingerprint})`;
  return `an unverified key ${v.fingerprint}${who ? ` claiming ${who}` : ''}`;
}

/** Every wording of a file's owner that a host shows, from one decision (see `ownerWords`). */
export interface OwnerWords {
  /** A field's title: "Owner", or "Signed by" when the key is not verified. */
  readonly title: string;
  /** After the title: "Alice <alice@example.com> (verified, F)" / "an unverified key F claiming Alice <…>". */
  readonly who: string;
  /** In a sentence: "owner Alice <…> (verified, F)" / "signed by an unverified key F claiming Alice <…>". */
  readonly line: string;
  /** Whom to ask: "the owner, Alice <…>" / "its signer (signed by an unverified key F claiming Alice <…>)". */
  readonly ask: string;
  /** A button's few words: "Alice" / "the Signer". */
  readonly short: string;
  /** A role in a list of people: "Owner" / "Signer (unverified key)". */
  readonly role: string;
}

/**
 * The one decision about calling someone a file's owner (issue 20): only when the key that signed its
 * policy is verified (pinned as that person, or your own). Otherwise a signature proves a key, not a
 * person: "signed by an unverified key <fingerprint> claiming <name>". Every host and message uses this.
 */
export function ownerWords(v: Signer): OwnerWords {
  const who = signerWords(v);
  if (v.verified) {
    const short = v.name ?? v.email ?? 'the Owner';
    return { title: 'Owner', who, line: `owner ${who}`, ask: `the owner, ${claimed(v) ?? 'you'}`, short, role: 'Owner' };
  }
  return { title: 'Signed by', who, line: `signed by ${who}`, ask: `its signer (signed by ${who})`, short: 'the Signer', role: 'Signer (unverified key)' };
}
