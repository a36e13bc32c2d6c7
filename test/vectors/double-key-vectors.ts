/** Shape of test/vectors/double-key.json (docs/FORMAT.md §Double Key), and the two halves a vector records. */
import { combineSecrets, doubleKeySlotOf } from '../../src/core/envelope/double-key.js';
import { readHeader } from '../../src/core/envelope/format.js';
import { byteSourceOf, fromBase64, readEnvelopeHeader } from '../../src/core/envelope/index.js';
import { ByteReader } from '../../src/core/envelope/io.js';
import { isX25519Slot, unwrapSlot } from '../../src/core/envelope/slots.js';
import type { Identity } from '../../src/core/identity.js';
import { rsaDecrypt, type RsaKeyPair } from './double-key-fixtures.js';
import type { Expected, ProtectVector, RewrapVector } from './vectors.js';

/** The key service and key name of every Double Key vector. */
export const DK_URL = 'https://keys.example.com/finance';

/** Both halves of a vector's file key, and what binds the organisation half. */
export interface Halves {
  readonly personal: string;
  readonly organisation: string;
  /** The OAEP label: "sensitivity-dke/1" 00 content id 00 label id. */
  readonly oaepLabel: string;
  readonly kid: string;
}

/** A vector's inputs: a protect names the key service's `<service>/<keyName>`. */
export type DoubleKeyVector = (Omit<ProtectVector, 'random' | 'expect'> & { readonly doubleKey: string }) | Omit<RewrapVector, 'random' | 'expect'>;
export type StoredDoubleKeyVector = DoubleKeyVector & {
  readonly random: string;
  /** Every RSA-OAEP-256 ciphertext the operation made, in order (RSA-OAEP is randomised: served back to reproduce the bytes). */
  readonly oaep: readonly string[];
  readonly halves: Halves;
  readonly expect: Expected;
};

export interface DoubleKeyVectorFile {
  readonly format: string;
  readonly note: string;
  readonly identities: Record<string, Identity>;
  /** Key versions by `<service>/<keyName>`, oldest first, private halves included. */
  readonly keyService: Record<string, RsaKeyPair[]>;
  readonly vectors: StoredDoubleKeyVector[];
}

/** The personal secret `who`'s slot holds, and the organisation secret the double-key slot holds (with the service's private key). */
export async function halvesOf(
  envelope: Uint8Array,
  who: Identity,
  keys: readonly RsaKeyPair[],
): Promise<{ personal: Uint8Array; organisation: Uint8Array; kid: string }> {
  const raw = await readHeader(new ByteReader(byteSourceOf(envelope)));
  const h = await readEnvelopeHeader(byteSourceOf(envelope));
  const mine = raw.metadata.slots.find((s) => isX25519Slot(s) && s.kid === who.enc.kid);
  if (!mine || !isX25519Slot(mine)) throw new Error(`${who.email} has no slot`);
  const dk = doubleKeySlotOf(raw.metadata.slots)!;
  const pair = keys.find((k) => k.kid === dk.kid)!;
  const organisation = await rsaDecrypt(pair.privateJwk, fromBase64(dk.value), { contentId: h.policy.cid, label: h.policy.label.id });
  return { personal: await unwrapSlot(mine, who.encPrivate), organisation, kid: dk.kid };
}

export { combineSecrets };
