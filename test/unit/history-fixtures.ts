/**
 * What an attacker who once held a file does to its bytes (issue 20), with the project's own primitives: the
 * file key from their slot, a format-1 re-emit, a hand-signed policy version. Victims then act through the
 * stock CLI or the core operations.
 */
import { byteSourceOf, memorySink } from '../../src/core/envelope/index.js';
import { encodeHeader, readHeader, type Metadata } from '../../src/core/envelope/format.js';
import { ByteReader } from '../../src/core/envelope/io.js';
import { bodyKeys, headerDigest } from '../../src/core/envelope/keys.js';
import { ownerClaim, policyDigest, signPolicy, type EnvelopePolicy } from '../../src/core/envelope/policy.js';
import { isX25519Slot, unwrapSlot } from '../../src/core/envelope/slots.js';
import { encryptBody } from '../../src/core/envelope/stream.js';
import { chunkCountOf } from '../../src/core/envelope/format.js';
import type { Identity } from '../../src/core/identity.js';
import { reseal } from '../vectors/fixtures.js';

/** The header's metadata and claims, as anyone holding the file reads them. */
export async function headerOf(env: Uint8Array): Promise<{ metadata: Metadata; claims: EnvelopePolicy }> {
  const raw = await readHeader(new ByteReader(byteSourceOf(env)));
  const payload = raw.metadata.policy.split('.')[1]!;
  return { metadata: raw.metadata, claims: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as EnvelopePolicy };
}

/** The file key `who` unwraps from their own slot. */
export async function fileKeyOf(env: Uint8Array, who: Identity): Promise<Uint8Array> {
  const raw = await readHeader(new ByteReader(byteSourceOf(env)));
  const slot = raw.metadata.slots.find((s) => isX25519Slot(s) && s.kid === who.enc.kid);
  if (!slot || !isX25519Slot(slot)) throw new Error(`${who.email} has no slot`);
  return unwrapSlot(slot, who.encPrivate);
}

/**
 * A format-1 envelope around `content` under the file key of `env` (which `who` holds): the same slots, and
 * `policy` (default: `env`'s own, signed by its owner) — no writer signature, no history.
 */
export async function asFormat1(env: Uint8Array, who: Identity, content: Uint8Array, policy?: string): Promise<Uint8Array> {
  const raw = await readHeader(new ByteReader(byteSourceOf(env)));
  const fileKey = await fileKeyOf(env, who);
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const metadata: Metadata = { name: raw.metadata.name, type: raw.metadata.type, policy: policy ?? raw.metadata.policy, slots: raw.metadata.slots };
  const keys = bodyKeys(fileKey, salt);
  const header = encodeHeader(
    { version: 1, chunkSize: raw.chunkSize, plaintextLength: content.length, salt, commitment: raw.commitment, metadata },
    keys.macKey,
  );
  const sink = memorySink();
  await sink.write(header);
  await encryptBody(new ByteReader(byteSourceOf(content)), sink, {
    contentKey: keys.contentKey,
    noncePrefix: keys.noncePrefix,
    aad: headerDigest(header),
    chunkSize: raw.chunkSize,
    plaintextLength: content.length,
    chunkCount: chunkCountOf(content.length, raw.chunkSize),
  });
  return sink.bytes();
}

/** `env`'s current policy re-signed by `signer` as format-1 claims (`v` 1): what the owner's format-1 file said. */
export async function format1Policy(env: Uint8Array, signer: Identity): Promise<string> {
  const { claims } = await headerOf(env);
  const { ver: _v, prev: _p, renew: _r, ...rest } = claims;
  return signPolicy({ ...rest, v: 1 }, signer);
}

/** A next policy version of `env`, numbered `ver` (any number), signed by `signer` (who must hold `env`'s file key). */
export async function forgedNext(
  env: Uint8Array,
  signer: Identity,
  ver: number,
  change: (p: EnvelopePolicy) => EnvelopePolicy = (p) => p,
): Promise<Uint8Array> {
  const { metadata, claims } = await headerOf(env);
  const next = change({
    ...claims,
    ver,
    prev: policyDigest(metadata.policy),
    owner: ownerClaim(signer),
    iat: Math.floor(Date.now() / 1000),
  });
  const jws = await signPolicy(next, signer);
  return reseal(env, await fileKeyOf(env, signer), (m) => ({ ...m, policy: jws, lineage: [...(m.lineage ?? []), m.policy] }), signer);
}
