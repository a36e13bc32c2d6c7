/**
 * Double Key Encryption (docs/FORMAT.md §Double Key): the file key of a Double Key envelope is derived from
 * two secrets — a personal one, wrapped to every grantee in their `x25519-jwe` slot as any file key is, and
 * an organisation one, RSA-OAEP-256-encrypted (WebCrypto) to the key service's public key in a `double-key`
 * slot that only the service can open (Microsoft's DKE protocol: `POST <kid>/decrypt`). Neither the service
 * alone nor a person alone can open the file. The owner-signed policy names the service and key (`dk`), and
 * the key commitment covers the derived key, so the slot cannot be swapped for another service's. The
 * OAEP label binds the content id and label id (docs/KEY-SERVICE.md), so the service can revoke by content
 * and by label without a requester being able to lie about either.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base64url } from 'jose';
import { integrityError, SensitivityError } from '../errors.js';
import type { RandomSource } from '../ports.js';
import { formatError, obj, str, type Obj } from './check.js';
import { FILE_KEY_LENGTH } from './keys.js';
import type { OtherSlot, Slot } from './slots.js';

export const DOUBLE_KEY_SLOT = 'double-key';
/** The only algorithm of the DKE protocol's decrypt request. */
export const DOUBLE_KEY_ALG = 'RSA-OAEP-256';
/** Smallest RSA modulus accepted from a key service. */
export const MIN_RSA_BITS = 2048;

const INFO = new TextEncoder().encode('sensitivity-envelope-v1 double key');

/** The signed policy's `dk` claim: which service and key version the organisation secret is encrypted to. */
export interface DoubleKeyClaim {
  /** `<service>/<keyName>`, as the label's `doubleKey.url` says. */
  readonly url: string;
  /** `<url>/<keyId>`: the key version, as `GET <url>` names it; decrypt requests go to `<kid>/decrypt`. */
  readonly kid: string;
}

/** The slot only the key service can open. `value`: standard base64 of the RSA-OAEP-256 ciphertext, as the protocol sends it. */
export interface DoubleKeySlot extends OtherSlot {
  readonly kind: typeof DOUBLE_KEY_SLOT;
  readonly kid: string;
  readonly value: string;
}

/** An RSA public key as a JWK (`n`, `e` base64url). */
export interface RsaPublicJwk {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
}

/** What an organisation secret protects: the envelope's content id and label id, sent with every decrypt request. */
export interface DoubleKeyContent {
  readonly contentId: string;
  readonly label: string;
}

/** Encrypts to one key version of a key service (the newest, when protecting or rotating). */
export interface DoubleKeyWrap {
  readonly url: string;
  readonly kid: string;
  /** RSA-OAEP-256 of `secret` with the OAEP label `label` (RFC 8017 §7.1). */
  encrypt(secret: Uint8Array, label: Uint8Array): Promise<Uint8Array>;
}

/**
 * Judges the organisation witness's head for the file that a decrypt answer carries (`receipt`, a compact JWS, or
 * undefined when the answer carries none; `service`, the key service that answered; docs/FORMAT.md §16.1): its
 * refusal is the decrypt's.
 */
export type WitnessHeadHandler = (receipt: string | undefined, service: string) => Promise<void>;

/** The key service as a host reaches it: its published public key, and its decrypt operation. */
export interface KeyServiceClient {
  /** `GET <url>`: the newest key version's kid and public key. */
  publicKey(url: string): Promise<{ readonly kid: string; readonly key: RsaPublicJwk }>;
  /**
   * `POST <kid>/decrypt` with the reader's bearer token, naming the content it is for. `onWitnessHead` judges the
   * witness's head for that content id that the answer carries (or its absence) before the secret is returned.
   */
  decrypt(kid: string, value: Uint8Array, content: DoubleKeyContent, onWitnessHead?: WitnessHeadHandler): Promise<Uint8Array>;
}

/** What an envelope needs from an organisation's key service; hosts build it over HTTP with `doubleKeyAccess`. */
export interface DoubleKeyAccess {
  /** A wrap for the newest key version of `url` (`<service>/<keyName>`). */
  wrap(url: string): Promise<DoubleKeyWrap>;
  /** The service's decryption of `value` under key version `kid`, with the reader's sign-in. */
  unwrap(kid: string, value: Uint8Array, content: DoubleKeyContent): Promise<Uint8Array>;
}

/**
 * An envelope's DoubleKeyAccess over a key service client: encryption runs here, in WebCrypto; the witness head a
 * decrypt answer carries goes to `onWitnessHead` (ignored without one).
 */
export function doubleKeyAccess(client: KeyServiceClient, onWitnessHead?: WitnessHeadHandler): DoubleKeyAccess {
  return {
    async wrap(url) {
      const { kid, key } = await client.publicKey(url);
      checkKid(url, kid);
      const publicKey = await importRsaKey(key);
      return {
        url,
        kid,
        encrypt: async (secret, label) =>
          new Uint8Array(
            await crypto.subtle.encrypt({ name: 'RSA-OAEP', label: label as Uint8Array<ArrayBuffer> }, publicKey, secret as Uint8Array<ArrayBuffer>),
          ),
      };
    },
    unwrap: (kid, value, content) => client.decrypt(kid, value, content, onWitnessHead),
  };
}

/** The OAEP label binding a secret to its content: UTF-8("sensitivity-dke/1") ‖ 00 ‖ content id ‖ 00 ‖ label id. */
export function oaepLabel(content: DoubleKeyContent): Uint8Array {
  return new TextEncoder().encode(`sensitivity-dke/1\0${content.contentId}\0${content.label}`);
}

/** Imports a key service's RSA public key for RSA-OAEP-256 (E_KEYSERVICE_PROTOCOL when it is not one, or too small). */
export async function importRsaKey(key: RsaPublicJwk): Promise<CryptoKey> {
  let bits = 0;
  try {
    bits = base64url.decode(key.n).length * 8;
  } catch {
    bits = 0;
  }
  if (key.kty !== 'RSA' || bits < MIN_RSA_BITS) {
    throw new SensitivityError('E_KEYSERVICE_PROTOCOL', `the key service's public key is not an RSA key of at least ${MIN_RSA_BITS} bits`);
  }
  try {
    return await crypto.subtle.importKey(
      'jwk',
      { kty: 'RSA', n: key.n, e: key.e, alg: 'RSA-OAEP-256', ext: true },
      { name: 'RSA-OAEP', hash: 'SHA-256' },
      false,
      ['encrypt'],
    );
  } catch (e) {
    throw new SensitivityError('E_KEYSERVICE_PROTOCOL', "the key service's public key cannot be used for RSA-OAEP-256", undefined, { cause: e });
  }
}

/** The file key of a Double Key envelope: HKDF-SHA256(ikm = personal ‖ organisation, salt = none, info = "… double key"). */
export function combineSecrets(personal: Uint8Array, organisation: Uint8Array): Uint8Array {
  const ikm = new Uint8Array(personal.length + organisation.length);
  ikm.set(personal);
  ikm.set(organisation, personal.length);
  try {
    return hkdf(sha256, ikm, undefined, INFO, FILE_KEY_LENGTH);
  } finally {
    ikm.fill(0);
  }
}

/** A new organisation half: the secret from `random`, encrypted to `wrap`'s key, and the file key it makes with `personal`. */
export async function sealDoubleKey(
  wrap: DoubleKeyWrap,
  personal: Uint8Array,
  random: RandomSource,
  content: DoubleKeyContent,
): Promise<{ claim: DoubleKeyClaim; slot: DoubleKeySlot; fileKey: Uint8Array }> {
  checkKid(wrap.url, wrap.kid);
  const secret = random(FILE_KEY_LENGTH);
  if (secret.length !== FILE_KEY_LENGTH) throw new RangeError(`the random source returned ${secret.length} bytes, not ${FILE_KEY_LENGTH}`);
  try {
    const ciphertext = await wrap.encrypt(secret, oaepLabel(content));
    return {
      claim: { url: wrap.url, kid: wrap.kid },
      slot: { kind: DOUBLE_KEY_SLOT, kid: wrap.kid, value: toBase64(ciphertext) },
      fileKey: combineSecrets(personal, secret),
    };
  } finally {
    secret.fill(0);
  }
}

/**
 * The file key of a Double Key envelope, once the reader holds its personal secret: asks the key service to
 * open the `double-key` slot that the signed policy's `dk` claim names (for this content id and label), and
 * combines its answer with the personal secret; a wrong answer fails the key commitment that follows. Call
 * only after the signed policy verified and access was decided, so nobody without a grant bothers the service.
 */
export async function openDoubleKey(
  slot: DoubleKeySlot,
  claim: DoubleKeyClaim | undefined,
  content: DoubleKeyContent,
  personal: Uint8Array,
  access: DoubleKeyAccess | undefined,
): Promise<Uint8Array> {
  if (!claim || claim.kid !== slot.kid) throw integrityError();
  if (!access) throw noDoubleKeyAccess(claim.url);
  const secret = await access.unwrap(claim.kid, fromBase64(slot.value), content);
  try {
    if (secret.length !== FILE_KEY_LENGTH) throw integrityError();
    return combineSecrets(personal, secret);
  } finally {
    secret.fill(0);
  }
}

/** The error when a Double Key envelope is handled without a key service. */
export function noDoubleKeyAccess(url: string): SensitivityError {
  return new SensitivityError(
    'E_KEYSERVICE_UNREACHABLE',
    `this file also needs the organisation's key service at ${url}, which this program cannot reach`,
    undefined,
    {
      details: { hint: 'ask-admin', service: url },
    },
  );
}

/** The envelope's `double-key` slot, if any (E_FORMAT when malformed or repeated). */
export function doubleKeySlotOf(slots: readonly Slot[]): DoubleKeySlot | undefined {
  const found = slots.filter((s) => s.kind === DOUBLE_KEY_SLOT);
  if (found.length > 1) throw formatError('two double-key slots');
  const s = found[0] as Obj | undefined;
  if (!s) return undefined;
  const kid = str(s.kid, 'the double-key slot kid', { test: isServiceUrl });
  return { kind: DOUBLE_KEY_SLOT, kid, value: str(s.value, 'the double-key slot value', BASE64, 2048) };
}

/** Checks a policy's `dk` claim (E_FORMAT). */
export function parseDoubleKeyClaim(v: unknown): DoubleKeyClaim {
  const o = obj(v, 'policy.dk');
  const url = str(o.url, 'policy.dk.url', { test: isServiceUrl });
  const kid = str(o.kid, 'policy.dk.kid', { test: isServiceUrl });
  if (!isKidOf(url, kid)) throw formatError('policy.dk.kid is not a key of policy.dk.url');
  return { url, kid };
}

/**
 * `<service>/<keyName>` (or a key id below it): https, or http on the loopback address (tests); path segments
 * of unreserved characters only; no credentials, query or fragment. The same rule as the policy schema's.
 */
const SERVICE_URL = /^(https:\/\/[a-z0-9.-]+(:[0-9]{1,5})?|http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?)(\/[A-Za-z0-9._~-]+)+$/;

export function isServiceUrl(s: string): boolean {
  return s.length <= 512 && SERVICE_URL.test(s);
}

/** The key id of a key version of `url`: `<url>/<keyId>` (one more path segment). */
function isKidOf(url: string, kid: string): boolean {
  return kid.startsWith(`${url}/`) && /^[A-Za-z0-9._~-]{1,128}$/.test(kid.slice(url.length + 1));
}

function checkKid(url: string, kid: string): void {
  if (!isServiceUrl(url) || !isServiceUrl(kid) || !isKidOf(url, kid)) {
    throw new SensitivityError('E_KEYSERVICE_PROTOCOL', `the key service at ${url} named a key (${kid}) that is not one of its own`);
  }
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Standard base64 with padding (RFC 4648 §4), as the DKE protocol's `value` fields are. */
export function toBase64(bytes: Uint8Array): string {
  const s = base64url.encode(bytes).replaceAll('-', '+').replaceAll('_', '/');
  return s + '='.repeat((4 - (s.length % 4)) % 4);
}

/** Decodes standard base64, padded or not (E_FORMAT otherwise). */
export function fromBase64(text: string): Uint8Array {
  if (!BASE64.test(text)) throw formatError('a base64 value is malformed');
  try {
    return base64url.decode(text.replace(/=+$/, '').replaceAll('+', '-').replaceAll('/', '_'));
  } catch {
    throw formatError('a base64 value is malformed');
  }
}
