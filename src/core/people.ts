/**
 * Strict identity validation and the people directory `.sensitivity/people.json`: the public identities
 * of the people files are shared with. Keys are checked against their RFC 7638 thumbprints, so a listed
 * `id` or `kid` cannot point at another key than the one it travels with, and each identity's
 * self-signature binds its name, email and encryption key to its signing key.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { base64url, flattenedVerify, importJWK } from 'jose';
import { SensitivityError } from './errors.js';
import { fingerprint } from './fingerprint.js';
import {
  IDENTITY_TYP,
  identityPayload,
  normalizeEmail,
  signIdentity,
  type Identity,
  type PrivateOkpJwk,
  type PublicIdentity,
  type PublicOkpJwk,
} from './identity.js';
import { checkVersion, parseJsonText, validateSchema } from './policy/schema.js';

const PUBLIC_FIELDS = ['v', 'id', 'name', 'email', 'sig', 'enc', 'created', 'proof'] as const;
const OKP_LENGTH = 32;

/**
 * RFC 7638 §3 JWK thumbprint (SHA-256, base64url) of an OKP key: the hash of `{"crv","kty","x"}` in that
 * order without whitespace (RFC 8037 §2 names the required members). Synchronous, so parsers stay sync;
 * a test checks it against jose's `calculateJwkThumbprint`.
 */
export function okpThumbprint(jwk: { readonly crv: string; readonly x: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: 'OKP', x: jwk.x });
  return base64url.encode(sha256(new TextEncoder().encode(canonical)));
}

/** True when `s` is the canonical base64url of exactly 32 bytes (no stray bits in the last character). */
function isKey32(s: unknown): s is string {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(s)) return false;
  const bytes = base64url.decode(s);
  return bytes.length === OKP_LENGTH && base64url.encode(bytes) === s;
}

const invalid = (what: string, why: string, file?: string) => new SensitivityError('E_IDENTITY_INVALID', `${what}: ${why}`, file);

function checkKey(jwk: PublicOkpJwk, at: string, what: string, file?: string): void {
  if (!isKey32(jwk.x)) throw invalid(what, `${at}/x: is not a 32-byte base64url key`, file);
  if (jwk.kid !== okpThumbprint(jwk)) throw invalid(what, `${at}/kid: is not the RFC 7638 thumbprint of the key it labels`, file);
}

/**
 * Validates a public identity (what `id show --json` prints) strictly: shape, 32-byte keys, each `kid`
 * and the `id` equal to RFC 7638 thumbprints. Returns a clean copy with a normalized email.
 * E_IDENTITY_INVALID otherwise, naming the field by JSON pointer under `at`.
 */
export function parsePublicIdentity(json: unknown, options: { at?: string; what?: string; file?: string | undefined } = {}): PublicIdentity {
  const what = options.what ?? 'invalid identity';
  const at = options.at ?? '';
  const p = validateSchema<PublicIdentity>('publicIdentity', json, 'E_IDENTITY_INVALID', at ? `${what} at ${at}` : what, options.file);
  checkKey(p.sig, `${at}/sig`, what, options.file);
  checkKey(p.enc, `${at}/enc`, what, options.file);
  if (p.id !== p.sig.kid) throw invalid(what, `${at}/id: is not the thumbprint of the signing key (sig.kid)`, options.file);
  if (!p.name.trim()) throw invalid(what, `${at}/name: is blank`, options.file);
  let email: string;
  try {
    email = normalizeEmail(p.email);
  } catch {
    throw invalid(what, `${at}/email: "${p.email}" is not an email address`, options.file);
  }
  return canonicalIdentity({ ...p, name: p.name.trim(), email });
}

/** A clean copy in a fixed key order (for output that diffs cleanly). */
function canonicalIdentity(p: PublicIdentity): PublicIdentity {
  const okp = <K extends PublicOkpJwk>(k: K): K => ({ kty: 'OKP', crv: k.crv, x: k.x, kid: k.kid }) as K;
  return { v: 1, id: p.id, name: p.name, email: p.email, sig: okp(p.sig), enc: okp(p.enc), created: p.created, ...(p.proof ? { proof: p.proof } : {}) };
}

/**
 * Checks a (parsed) public identity's self-signature: E_IDENTITY_UNSIGNED without one (an identity made
 * before identities were signed), E_IDENTITY_SIGNATURE when it does not verify with the identity's own
 * signing key over its name, email and keys (one of them was changed after it was signed).
 */
export async function verifyIdentity(p: PublicIdentity, file?: string): Promise<PublicIdentity> {
  const details = { hint: 're-add-person' as const, who: p.email, id: p.id };
  if (!p.proof) {
    throw new SensitivityError('E_IDENTITY_UNSIGNED', `the identity of ${p.email} is not self-signed (it was made before identities were signed)`, file, {
      details,
    });
  }
  const [head = '', , signature = ''] = p.proof.split('.');
  let ok = false;
  try {
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(head))) as Record<string, unknown>;
    if (header.alg === 'EdDSA' && header.typ === IDENTITY_TYP && header.kid === p.id && p.id === p.sig.kid) {
      const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: p.sig.x }, 'EdDSA');
      await flattenedVerify({ protected: head, payload: base64url.encode(identityPayload(p)), signature }, key, { algorithms: ['EdDSA'] });
      ok = true;
    }
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new SensitivityError(
      'E_IDENTITY_SIGNATURE',
      `the identity of ${p.email} does not match its self-signature: its keys, name or email were changed after it was signed`,
      file,
      { details },
    );
  }
  return p;
}

function isObject(v: unknown): v is Readonly<Record<string, unknown>> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a private JWK's shape against its public half; never echoes `d`. */
function privateKey<K extends PublicOkpJwk>(v: unknown, pub: K, at: string, file?: string): K & { d: string } {
  const what = 'invalid identity';
  if (!isObject(v)) throw invalid(what, `${at}: is required (an OKP private JWK)`, file);
  const extra = Object.keys(v).filter((k) => !['kty', 'crv', 'x', 'kid', 'd'].includes(k));
  if (extra.length) throw invalid(what, `${at}/${extra[0]}: unknown property`, file);
  if (v.kty !== 'OKP' || v.crv !== pub.crv) throw invalid(what, `${at}: must be an OKP ${pub.crv} key`, file);
  if (v.x !== pub.x || v.kid !== pub.kid) throw invalid(what, `${at}: x and kid must equal those of the public key`, file);
  if (!isKey32(v.d)) throw invalid(what, `${at}/d: is not a 32-byte base64url private key`, file);
  return { ...pub, d: v.d };
}

const subtle = () => globalThis.crypto.subtle;

/** The X25519 public key of the point 9 (RFC 7748 §4.1): agreeing with it gives a private key's own public key. */
const X25519_BASE = { kty: 'OKP', crv: 'X25519', x: base64url.encode(Uint8Array.of(9, ...new Uint8Array(31))) };

/** The X25519 private key's own public key (RFC 7748 §6.1: X25519(d, 9)) is the identity's. */
async function x25519Matches(priv: PrivateOkpJwk, pub: PublicOkpJwk): Promise<boolean> {
  const sk = await subtle().importKey('jwk', { kty: 'OKP', crv: 'X25519', x: priv.x, d: priv.d }, { name: 'X25519' }, false, ['deriveBits']);
  const base = await subtle().importKey('jwk', X25519_BASE, { name: 'X25519' }, false, []);
  return base64url.encode(new Uint8Array(await subtle().deriveBits({ name: 'X25519', public: base }, sk, 256))) === pub.x;
}

/**
 * Validates a full identity (private keys included): the public part as `parsePublicIdentity`, and each
 * private key proven to belong to its public key (an Ed25519 sign/verify and an X25519 agreement).
 * E_IDENTITY_INVALID otherwise; messages never contain key material.
 */
export async function parseIdentity(json: unknown, file?: string): Promise<Identity> {
  if (!isObject(json)) throw invalid('invalid identity', 'is not a JSON object', file);
  const extra = Object.keys(json).filter((k) => !(PUBLIC_FIELDS as readonly string[]).includes(k) && k !== 'sigPrivate' && k !== 'encPrivate');
  if (extra.length) throw invalid('invalid identity', `/${extra[0]}: unknown property`, file);
  const pub = parsePublicIdentity(Object.fromEntries(PUBLIC_FIELDS.filter((k) => k in json).map((k) => [k, json[k]])), { file });
  const sigPrivate = privateKey(json.sigPrivate, pub.sig, '/sigPrivate', file);
  const encPrivate = privateKey(json.encPrivate, pub.enc, '/encPrivate', file);
  // Your own identity is (re-)signed here, so identities made before signing existed get their proof. That proof
  // verifying with the public key shows the Ed25519 private key is this identity's (one signature, where a probe
  // was signed besides before; issue 24), and X25519(d, 9) equal to the public key shows the X25519 one is.
  let signed: Identity | undefined;
  try {
    signed = await signIdentity({ ...pub, sigPrivate, encPrivate });
    await verifyIdentity(signed);
    if (!(await x25519Matches(encPrivate, pub.enc))) signed = undefined;
  } catch {
    // WebCrypto refuses some inconsistent keys at import, and a proof that does not verify: the same verdict.
    signed = undefined;
  }
  if (!signed) throw invalid('invalid identity', 'a private key does not belong to its public key', file);
  return signed;
}

/** A listed identity that is not used: unsigned, or its self-signature does not verify. Kept in the file as it is. */
export interface RefusedPerson {
  readonly entry: PublicIdentity;
  readonly error: SensitivityError;
}

/** `.sensitivity/people.json`. */
export interface PeopleDirectory {
  readonly version: 1;
  /** The people whose self-signatures verify: the only ones files are shared with. */
  readonly people: readonly PublicIdentity[];
  /** Entries refused (unsigned or not matching their signature): naming one says why, writing keeps them. */
  readonly refused?: readonly RefusedPerson[];
}

export const EMPTY_PEOPLE: PeopleDirectory = { version: 1, people: [] };

const listed = (dir: PeopleDirectory): readonly PublicIdentity[] => [...dir.people, ...(dir.refused ?? []).map((r) => r.entry)];

/**
 * Parses people.json (undefined text: no file yet, an empty directory). Every entry is validated as
 * `parsePublicIdentity` does (E_IDENTITY_INVALID for the whole file otherwise); one id or email listed
 * twice is refused. An entry whose self-signature is missing or does not verify is set aside in `refused`.
 */
export async function parsePeople(text: string | undefined, file?: string): Promise<PeopleDirectory> {
  if (text === undefined) return EMPTY_PEOPLE;
  const what = 'invalid people directory';
  const json = parseJsonText(text, 'E_IDENTITY_INVALID', what, file);
  checkVersion(json, 1, what, file);
  const raw = validateSchema<{ people: unknown[] }>('people', json, 'E_IDENTITY_INVALID', what, file);
  const all = raw.people.map((p, i) => parsePublicIdentity(p, { at: `/people/${i}`, what, file }));
  all.forEach((p, i) => {
    const j = all.findIndex((q) => q.id === p.id || q.email === p.email);
    if (j !== i) throw invalid(what, `/people/${i}: ${p.email} is listed twice (also /people/${j}); keep one`, file);
  });
  const people: PublicIdentity[] = [];
  const refused: RefusedPerson[] = [];
  for (const entry of all) {
    try {
      people.push(await verifyIdentity(entry, file));
    } catch (e) {
      if (!(e instanceof SensitivityError)) throw e;
      refused.push({ entry, error: e });
    }
  }
  return refused.length ? { version: 1, people, refused } : { version: 1, people };
}

/** people.json text: people (refused ones too, unchanged) sorted by email then id, 2-space JSON, trailing newline. */
export function serializePeople(dir: PeopleDirectory): string {
  const people = [...listed(dir)].sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return JSON.stringify({ version: 1, people: people.map(canonicalIdentity) }, null, 2) + '\n';
}

/**
 * Adds (or updates) a person. The same id replaces its entry. Another key for an email already listed is
 * refused (E_EXISTS) unless `replace`: it may be an impostor, or a new identity that old files do not know.
 */
export function addPerson(dir: PeopleDirectory, person: PublicIdentity, options: { replace?: boolean } = {}): PeopleDirectory {
  const clash = listed(dir).find((p) => p.email === person.email && p.id !== person.id);
  if (clash && !options.replace) {
    throw new SensitivityError(
      'E_EXISTS',
      `the people directory already lists ${person.email} with another key (fingerprint ${fingerprint(clash.id)}, new ${fingerprint(person.id)}). ` +
        'A different key for the same address may be an impostor, or they created a new identity (files protected for the old key open only with it)',
      undefined,
      { details: { hint: 'confirm-replace', email: person.email, listedId: clash.id, newId: person.id } },
    );
  }
  const other = (p: PublicIdentity) => p.id !== person.id && p.email !== person.email;
  const refused = (dir.refused ?? []).filter((r) => other(r.entry));
  return { version: 1, people: [...dir.people.filter(other), person], ...(refused.length ? { refused } : {}) };
}

/** Removes a person by email or id; E_PERSON_UNKNOWN when not listed. */
export function removePerson(dir: PeopleDirectory, emailOrId: string): PeopleDirectory {
  const p = findPerson(dir, emailOrId);
  return { version: 1, people: dir.people.filter((q) => q.id !== p.id), ...(dir.refused ? { refused: dir.refused } : {}) };
}

/**
 * The person with this email (case-insensitive) or identity id; E_PERSON_UNKNOWN with the fix otherwise.
 * A refused entry (unsigned, or not matching its signature) raises its refusal: it is never used.
 */
export function findPerson(dir: PeopleDirectory, emailOrId: string): PublicIdentity {
  const q = emailOrId.trim();
  const match = (list: readonly PublicIdentity[]) => list.find((p) => p.id === q) ?? list.find((p) => p.email === q.toLowerCase());
  const found = match(dir.people);
  if (found) return found;
  const refused = dir.refused?.find((r) => match([r.entry]));
  if (refused) throw refused.error;
  throw new SensitivityError('E_PERSON_UNKNOWN', `${q} is not in the workspace's people directory`, undefined, { details: { hint: 'add-person', who: q } });
}
