/**
 * Protect, open, inspect and rewrap envelopes (docs/FORMAT.md). Every entry point streams: memory does not
 * grow with the content. Order of checks on open: slot → unwrap → key commitment → header MAC → policy
 * signature → access (rights.ts) → body, chunk by chunk, each released only once authenticated.
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import { base64url, calculateJwkThumbprint } from 'jose';
import { integrityError, SensitivityError } from '../errors.js';
import type { Identity, PublicIdentity } from '../identity.js';
import { systemClock, secureRandom, type ByteSink, type ByteSource, type Clock, type RandomAccessSource, type RandomSource } from '../ports.js';
import { decideAccess, normalizeRights, requireAccess, type Right } from '../rights.js';
import {
  checkSizes,
  chunkCountOf,
  DEFAULT_CHUNK_SIZE,
  encodeHeader,
  isInnerName,
  isMediaType,
  layoutOf,
  readHeader,
  type EnvelopeLayout,
  type Metadata,
  type RawHeader,
} from './format.js';
import {
  doubleKeySlotOf,
  noDoubleKeyAccess,
  openDoubleKey,
  sealDoubleKey,
  DOUBLE_KEY_SLOT,
  type DoubleKeyAccess,
  type DoubleKeyClaim,
  type DoubleKeyWrap,
} from './double-key.js';
import { ByteReader } from './io.js';
import { bodyKeys, FILE_KEY_LENGTH, headerDigest, headerMac, keyCommitment, MAC_LENGTH, SALT_LENGTH } from './keys.js';
import { grantClaim, ownerClaim, policySubject, signPolicy, verifyPolicy, type EnvelopeLabel, type EnvelopePolicy, type PolicyGrant } from './policy.js';
import { isX25519Slot, unwrapSlot, wrapSlot, type Slot } from './slots.js';
import { decryptBody, encryptBody, reencryptBody, type BodyParams } from './stream.js';

/** A person to grant, with their rights (must include VIEW: without it a slot would be pointless). */
export interface GrantRequest {
  readonly person: PublicIdentity;
  readonly rights: readonly Right[];
}

export interface ProtectOptions {
  /** Signs the policy; always granted every right (Co-Owner). */
  readonly owner: Identity;
  readonly label: EnvelopeLabel;
  readonly grants?: readonly GrantRequest[];
  /** The label policy's recovery recipients: granted Co-Owner, marked `recovery`. */
  readonly recovery?: readonly PublicIdentity[];
  readonly expires?: Date;
  /** The inner file's name (no directories); stays visible. */
  readonly innerName: string;
  /** Media type of the content; default application/octet-stream. Stays visible. */
  readonly contentType?: string;
  /** Exact number of bytes `source` yields; recorded in the header (E_IO if the source disagrees). */
  readonly size: number;
  readonly chunkSize?: number;
  /** Every random byte of the envelope comes from here; fixed only in test vectors. */
  readonly random?: RandomSource;
  readonly clock?: Clock;
  /** Double Key: also encrypt to this key service's key (docs/FORMAT.md §Double Key). */
  readonly doubleKey?: DoubleKeyWrap;
}

/** A slot as listed for display: its kind, and the recipient key's thumbprint for kinds we know. */
export interface SlotInfo {
  readonly kind: string;
  readonly kid?: string;
}

/**
 * An envelope whose header has been authenticated with its file key (commitment + MAC) and whose policy
 * signature has been verified against the owner key it names.
 */
export interface EnvelopeInfo {
  readonly authenticated: true;
  readonly layout: EnvelopeLayout;
  readonly innerName: string;
  readonly contentType: string;
  readonly policy: EnvelopePolicy;
  readonly slots: readonly SlotInfo[];
}

/**
 * A header read without any key (for inspect and listings). CHECKED: structure, version, and the policy's
 * signature by the owner key it names. NOT CHECKED: the header MAC and key commitment (they need the file
 * key), so innerName, contentType, slots and layout may have been edited, and the signed policy may have
 * been copied from another file by its owner; nothing about the body.
 */
export interface EnvelopeHeader extends Omit<EnvelopeInfo, 'authenticated'> {
  readonly authenticated: false;
}

/** An opened envelope: authenticated, access decided; `rights` are the opener's. */
export interface OpenedEnvelope extends EnvelopeInfo {
  readonly rights: readonly Right[];
}

export interface OpenOptions {
  readonly clock?: Clock;
  /** The right the caller is about to exercise (default VIEW; unprotect asks EXPORT). Checked before any decryption. */
  readonly right?: Right;
  /**
   * The envelope's total size when the host knows it (a file's size): a mismatch is E_INTEGRITY before
   * anything is released. A random-access source's size is used when this is absent.
   */
  readonly sourceLength?: number;
  /** The key service, for Double Key envelopes (and to re-seal their organisation half on a revoke or label change). */
  readonly doubleKey?: DoubleKeyAccess;
}

/**
 * What an envelope or its content is read from: a stream, or (faster, and checked for length before the
 * first byte is released) a source read at any offset, such as an open regular file.
 */
export type EnvelopeSource = ByteSource | RandomAccessSource;

/** Owner changes. Revoking anyone rotates the file key; everything else keeps it. */
export interface EnvelopeChange {
  /** Add people, or replace the rights of people already granted. */
  readonly grant?: readonly GrantRequest[];
  /** Identity ids or emails of grantees to remove (E_PERSON_UNKNOWN if one has no grant). */
  readonly revoke?: readonly string[];
  readonly label?: EnvelopeLabel;
  /** A new expiry, or null to remove it. */
  readonly expires?: Date | null;
}

export interface RewrapOptions extends Omit<OpenOptions, 'right'> {
  readonly random?: RandomSource;
}

export interface ReplaceContentOptions {
  readonly clock?: Clock;
  readonly random?: RandomSource;
  /** Exact number of bytes the new content yields. */
  readonly size: number;
  readonly doubleKey?: DoubleKeyAccess;
}

/** Encrypts `source` into a new envelope on `sink`: header first, then the body chunk by chunk. */
export async function protect(source: EnvelopeSource, sink: ByteSink, options: ProtectOptions): Promise<EnvelopeInfo> {
  const random = options.random ?? secureRandom;
  const now = (options.clock ?? systemClock).now();
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  checkSizes(chunkSize, options.size);
  const contentType = options.contentType ?? 'application/octet-stream';
  if (!isInnerName(options.innerName)) throw new SensitivityError('E_USAGE', `"${options.innerName}" cannot be a protected file's inner name`);
  if (!isMediaType(contentType)) throw new SensitivityError('E_USAGE', `"${contentType}" is not a media type`);
  checkLabel(options.label);
  const exp = options.expires ? expirySeconds(options.expires, now) : undefined;
  await checkPerson(options.owner);
  const grants = await grantList(options.owner, options.grants ?? [], options.recovery ?? []);
  // The personal secret is the file key itself, unless Double Key derives the file key from it and an organisation secret.
  const secret = take(random, FILE_KEY_LENGTH);
  const salt = take(random, SALT_LENGTH);
  const cid = base64url.encode(take(random, 16));
  let fileKey = secret;
  try {
    const dk = options.doubleKey ? await sealDoubleKey(options.doubleKey, secret, random, { contentId: cid, label: options.label.id }) : undefined;
    fileKey = dk?.fileKey ?? secret;
    const policy = makePolicy(cid, options.label, options.owner, grants, now, exp, fileKey, dk?.claim);
    const jws = await signPolicy(policy, options.owner);
    const slots = await slotsFor(grants, secret, random, dk ? [dk.slot] : []);
    const meta = { name: options.innerName, type: contentType, policy: jws, slots };
    return await writeEnvelope(source, sink, fileKey, salt, chunkSize, options.size, meta, policy);
  } finally {
    fileKey.fill(0);
    secret.fill(0);
  }
}

/** Reads and signature-checks a header without any key (see EnvelopeHeader for what that does NOT prove). */
export async function readEnvelopeHeader(source: EnvelopeSource): Promise<EnvelopeHeader> {
  const reader = new ByteReader(source);
  try {
    const raw = await readHeader(reader);
    const policy = await verifyPolicy(raw.metadata.policy);
    return { ...info(layoutOf(raw.bytes.length, raw.chunkSize, raw.plaintextLength), raw.metadata, policy), authenticated: false };
  } finally {
    await reader.close();
  }
}

/**
 * Opens an envelope for `identity`: authenticates the header, decides access for `options.right`
 * (E_NOT_GRANTEE, E_EXPIRED, E_RIGHT_MISSING), then streams plaintext to `sink` chunk by chunk, each chunk
 * only after it authenticates, in one pass. Nothing is released from an envelope whose length disagrees
 * with its header when the length is known up front (a random-access source, or `sourceLength`), nor is the
 * final chunk released before the source is known to end with it. With `sink` null, authenticates every
 * chunk and writes nothing (verify-only). A chunk that fails to authenticate stops the output there: the
 * chunks before it (authentic, in order) are in the sink, so hosts writing a file write a temporary one.
 */
export async function openEnvelope(source: EnvelopeSource, sink: ByteSink | null, identity: Identity, options: OpenOptions = {}): Promise<OpenedEnvelope> {
  const reader = new ByteReader(source);
  try {
    const u = await unlock(reader, identity, options.right ?? 'VIEW', options);
    try {
      await decryptBody(reader, sink, u.body);
    } finally {
      u.dispose();
    }
    return { ...info(u.layout, u.raw.metadata, u.policy), rights: u.rights };
  } finally {
    await reader.close();
  }
}

/**
 * Applies an owner's change (needs OWNER) and writes the new envelope to `sink`, re-encrypting the body as
 * it streams. The signer becomes the owner of record. Grant, label and expiry changes keep the file key (and
 * the existing slots); any revoke rotates it, so old slots — and any copy of them — open nothing new.
 */
export async function rewrapEnvelope(
  source: EnvelopeSource,
  sink: ByteSink,
  identity: Identity,
  change: EnvelopeChange,
  options: RewrapOptions = {},
): Promise<EnvelopeInfo> {
  const random = options.random ?? secureRandom;
  const now = (options.clock ?? systemClock).now();
  const reader = new ByteReader(source);
  try {
    const u = await unlock(reader, identity, 'OWNER', options);
    const newSecret = new Uint8Array(FILE_KEY_LENGTH);
    let newKey: Uint8Array = newSecret;
    try {
      const { grants, removed } = await changedGrants(u.policy.grants, identity, change);
      const rotate = removed > 0;
      const fresh = rotate ? take(random, FILE_KEY_LENGTH) : u.secret;
      newSecret.set(fresh);
      if (rotate) fresh.fill(0);
      const salt = take(random, SALT_LENGTH);
      const label = change.label ?? u.policy.label;
      if (change.label) checkLabel(change.label);
      const exp = change.expires === null ? undefined : change.expires ? expirySeconds(change.expires, now) : u.policy.exp;
      const dk = await rewrapDoubleKey(u, newSecret, rotate, label, random, options.doubleKey);
      newKey = dk.fileKey;
      const policy = makePolicy(u.policy.cid, label, identity, grants, now, exp, newKey, dk.claim);
      const jws = await signPolicy(policy, identity);
      const slots = await slotsFor(grants, newSecret, random, dk.keep);
      const meta = { name: u.raw.metadata.name, type: u.raw.metadata.type, policy: jws, slots };
      const { header, body } = seal(newKey, salt, u.layout.chunkSize, u.layout.plaintextLength, meta);
      try {
        await sink.write(header);
        await reencryptBody(reader, sink, u.body, body);
      } finally {
        wipe(body);
      }
      return info(layoutOf(header.length, u.layout.chunkSize, u.layout.plaintextLength), meta, policy);
    } finally {
      newKey.fill(0);
      newSecret.fill(0);
      u.dispose();
    }
  } finally {
    await reader.close();
  }
}

/**
 * Writes `content` as the new body of the envelope whose header `envelope` yields (needs EDIT): same file
 * key, policy and slots, a fresh salt (so a fresh content key: no nonce is ever reused). Only the old
 * header is read. This is how an editor saves a protected file without being its owner.
 */
export async function replaceEnvelopeContent(
  envelope: EnvelopeSource,
  content: EnvelopeSource,
  sink: ByteSink,
  identity: Identity,
  options: ReplaceContentOptions,
): Promise<EnvelopeInfo> {
  const random = options.random ?? secureRandom;
  const old = new ByteReader(envelope);
  let u: Unlocked;
  try {
    u = await unlock(old, identity, 'EDIT', {
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.doubleKey ? { doubleKey: options.doubleKey } : {}),
    });
  } finally {
    await old.close();
  }
  try {
    checkSizes(u.layout.chunkSize, options.size);
    return await writeEnvelope(content, sink, u.fileKey, take(random, SALT_LENGTH), u.layout.chunkSize, options.size, u.raw.metadata, u.policy);
  } finally {
    u.dispose();
  }
}

// ---- internals ----

interface Unlocked {
  readonly raw: RawHeader;
  readonly policy: EnvelopePolicy;
  readonly fileKey: Uint8Array;
  /** The secret the reader's slot held: the file key itself, or its personal half for Double Key. */
  readonly secret: Uint8Array;
  readonly body: BodyParams;
  readonly layout: EnvelopeLayout;
  readonly rights: readonly Right[];
  dispose(): void;
}

/** Reads the header and runs every check before the body (see the module comment for the order). */
async function unlock(reader: ByteReader, identity: Identity, right: Right, options: OpenOptions): Promise<Unlocked> {
  const now = (options.clock ?? systemClock).now();
  const raw = await readHeader(reader);
  const slot = raw.metadata.slots.find((s) => isX25519Slot(s) && s.kid === identity.enc.kid);
  if (!slot || !isX25519Slot(slot)) {
    // No key for us: the signed policy (no file key needed) still says whom to ask.
    const policy = await verifyPolicy(raw.metadata.policy);
    const mine = policy.grants.find((g) => g.id === identity.id);
    // The signed policy promises this key a slot: its absence means the slot list was edited.
    if (mine && mine.enc.kid === identity.enc.kid) throw integrityError();
    const d = decideAccess(policySubject(policy), identity.id, right, now);
    if (!d.allowed) throw new SensitivityError(d.code, d.reason);
    throw otherKeyError(policy);
  }
  const secret = await unwrapSlot(slot, identity.encPrivate);
  let fileKey = secret;
  try {
    // Double Key: the signed policy is verified and access decided before the key service is asked for its half.
    const dkSlot = doubleKeySlotOf(raw.metadata.slots);
    const early = dkSlot ? await verifyPolicy(raw.metadata.policy) : undefined;
    if (dkSlot && early) {
      requireAccess(policySubject(early), identity.id, right, now);
      fileKey = await openDoubleKey(dkSlot, early.dk, { contentId: early.cid, label: early.label.id }, secret, options.doubleKey);
    }
    if (!equalBytes(keyCommitment(fileKey), raw.commitment)) throw integrityError();
    const keys = bodyKeys(fileKey, raw.salt);
    const macInput = raw.bytes.subarray(0, raw.bytes.length - MAC_LENGTH);
    if (!equalBytes(headerMac(keys.macKey, macInput), raw.mac)) throw integrityError();
    const policy = early ?? (await verifyPolicy(raw.metadata.policy));
    if (policy.cmt !== base64url.encode(raw.commitment) || (policy.dk === undefined) !== (dkSlot === undefined)) throw integrityError();
    const encKids = new Set(policy.grants.map((g) => g.enc.kid));
    if (!raw.metadata.slots.every((s) => !isX25519Slot(s) || encKids.has(s.kid))) throw integrityError();
    const mine = policy.grants.find((g) => g.id === identity.id);
    if (mine && mine.enc.kid !== identity.enc.kid) {
      throw otherKeyError(policy);
    }
    const rights = requireAccess(policySubject(policy), identity.id, right, now);
    const layout = layoutOf(raw.bytes.length, raw.chunkSize, raw.plaintextLength);
    const sourceLength = options.sourceLength ?? reader.randomAccess?.size;
    if (sourceLength !== undefined && sourceLength !== layout.envelopeLength) throw integrityError();
    const body = bodyParams(keys.contentKey, keys.noncePrefix, raw.bytes, raw.chunkSize, raw.plaintextLength);
    keys.macKey.fill(0);
    const dispose = (): void => {
      fileKey.fill(0);
      secret.fill(0);
      wipe(body);
    };
    return { raw, policy, fileKey, secret, body, layout, rights, dispose };
  } catch (e) {
    fileKey.fill(0);
    secret.fill(0);
    throw e;
  }
}

/** The policy grants this identity id, but to an older or other X25519 key than the one presented. */
function otherKeyError(policy: EnvelopePolicy): SensitivityError {
  return new SensitivityError('E_NOT_GRANTEE', `your grant names another encryption key than yours; ask the owner, ${policy.owner.email}, to grant you again`);
}

function bodyParams(contentKey: Uint8Array, noncePrefix: Uint8Array, header: Uint8Array, chunkSize: number, plaintextLength: number): BodyParams {
  return { contentKey, noncePrefix, aad: headerDigest(header), chunkSize, plaintextLength, chunkCount: chunkCountOf(plaintextLength, chunkSize) };
}

/** Builds the MAC'd header and the parameters its body is encrypted under. */
function seal(fileKey: Uint8Array, salt: Uint8Array, chunkSize: number, plaintextLength: number, metadata: Metadata): { header: Uint8Array; body: BodyParams } {
  const keys = bodyKeys(fileKey, salt);
  const header = encodeHeader({ chunkSize, plaintextLength, salt, commitment: keyCommitment(fileKey), metadata }, keys.macKey);
  keys.macKey.fill(0);
  return { header, body: bodyParams(keys.contentKey, keys.noncePrefix, header, chunkSize, plaintextLength) };
}

/** Writes a header and a body encrypted from `source` (exactly `size` bytes) under a fresh salt. */
async function writeEnvelope(
  source: EnvelopeSource,
  sink: ByteSink,
  fileKey: Uint8Array,
  salt: Uint8Array,
  chunkSize: number,
  size: number,
  meta: Metadata,
  policy: EnvelopePolicy,
): Promise<EnvelopeInfo> {
  const { header, body } = seal(fileKey, salt, chunkSize, size, meta);
  const reader = new ByteReader(source);
  try {
    await sink.write(header);
    await encryptBody(reader, sink, body);
  } finally {
    await reader.close();
    wipe(body);
  }
  return info(layoutOf(header.length, chunkSize, size), meta, policy);
}

function wipe(body: BodyParams): void {
  body.contentKey.fill(0);
}

function makePolicy(
  cid: string,
  label: EnvelopeLabel,
  owner: Identity,
  grants: readonly PolicyGrant[],
  now: Date,
  exp: number | undefined,
  fileKey: Uint8Array,
  dk?: DoubleKeyClaim,
): EnvelopePolicy {
  return {
    v: 1,
    cid,
    label: { id: label.id, name: label.name },
    owner: ownerClaim(owner),
    grants,
    iat: Math.floor(now.getTime() / 1000),
    ...(exp !== undefined ? { exp } : {}),
    ...(dk ? { dk: { url: dk.url, kid: dk.kid } } : {}),
    cmt: base64url.encode(keyCommitment(fileKey)),
  };
}

/**
 * The Double Key half of a rewrap, and the slots to keep: unchanged, or re-sealed (a new organisation secret,
 * to the service's newest key version) when the personal secret rotates or the label changes (the OAEP label
 * names the label, for the service's revocation lists). Without Double Key the file key is the personal secret.
 */
async function rewrapDoubleKey(
  u: Unlocked,
  secret: Uint8Array,
  rotate: boolean,
  label: EnvelopeLabel,
  random: RandomSource,
  access: DoubleKeyAccess | undefined,
): Promise<{ claim?: DoubleKeyClaim; keep: readonly Slot[]; fileKey: Uint8Array }> {
  const keep = rotate ? [] : u.raw.metadata.slots;
  const dk = u.policy.dk;
  if (!dk) return { keep, fileKey: secret.slice() };
  if (!rotate && label.id === u.policy.label.id) return { claim: dk, keep, fileKey: u.fileKey.slice() };
  if (!access) throw noDoubleKeyAccess(dk.url);
  const sealed = await sealDoubleKey(await access.wrap(dk.url), secret, random, { contentId: u.policy.cid, label: label.id });
  return { claim: sealed.claim, keep: [...keep.filter((s) => s.kind !== DOUBLE_KEY_SLOT), sealed.slot], fileKey: sealed.fileKey };
}

/** One slot per grant, in grant order; a slot in `keep` for the same key is reused as is (same file key). */
async function slotsFor(grants: readonly PolicyGrant[], secret: Uint8Array, random: RandomSource, keep: readonly Slot[]): Promise<Slot[]> {
  const slots: Slot[] = [];
  for (const g of grants) {
    const old = keep.find((s) => isX25519Slot(s) && s.kid === g.enc.kid);
    slots.push(old ?? (await wrapSlot(secret, g.enc, random)));
  }
  // Kinds we cannot make (passphrase, hardware…) survive as long as the file key does.
  return [...slots, ...keep.filter((s) => !isX25519Slot(s))];
}

/** Owner first (Co-Owner), then grants in order, then recovery recipients (Co-Owner, marked). */
async function grantList(owner: Identity, grants: readonly GrantRequest[], recovery: readonly PublicIdentity[]): Promise<PolicyGrant[]> {
  const list: PolicyGrant[] = [grantClaim(owner, ['OWNER'])];
  for (const { person, rights } of grants) {
    if (person.id === owner.id) continue;
    await checkPerson(person);
    if (list.some((g) => g.id === person.id)) throw new SensitivityError('E_USAGE', `${person.email} is granted twice`);
    list.push(grantClaim(person, checkRights(rights, person)));
  }
  for (const person of recovery) {
    if (person.id === owner.id) continue;
    await checkPerson(person);
    const i = list.findIndex((g) => g.id === person.id);
    if (i >= 0) list.splice(i, 1);
    list.push(grantClaim(person, ['OWNER'], true));
  }
  return list;
}

/** The grants after a change, and how many were removed. */
async function changedGrants(current: readonly PolicyGrant[], actor: Identity, change: EnvelopeChange): Promise<{ grants: PolicyGrant[]; removed: number }> {
  let grants = [...current];
  for (const who of change.revoke ?? []) {
    const key = who.trim().toLowerCase();
    const hit = grants.filter((g) => g.id === who || g.email === key);
    if (hit.length === 0) throw new SensitivityError('E_PERSON_UNKNOWN', `${who} has no grant on this file`);
    if (hit.some((g) => g.id === actor.id)) throw new SensitivityError('E_USAGE', 'you cannot revoke your own access');
    grants = grants.filter((g) => !hit.includes(g));
  }
  const removed = current.length - grants.length;
  for (const { person, rights } of change.grant ?? []) {
    if (person.id === actor.id) throw new SensitivityError('E_USAGE', 'you cannot change your own grant');
    await checkPerson(person);
    const i = grants.findIndex((g) => g.id === person.id);
    const claim = grantClaim(person, checkRights(rights, person), i >= 0 && grants[i]!.recovery === true);
    if (i >= 0) grants[i] = claim;
    else grants.push(claim);
  }
  return { grants, removed };
}

function checkRights(rights: readonly Right[], person: PublicIdentity): Right[] {
  const r = normalizeRights(rights);
  if (!r.includes('VIEW')) throw new SensitivityError('E_USAGE', `the rights granted to ${person.email} must include VIEW`);
  return r;
}

/** E_IDENTITY_INVALID unless the person's key ids are their keys' RFC 7638 thumbprints. */
async function checkPerson(p: PublicIdentity): Promise<void> {
  const [sig, enc] = await Promise.all([p.sig, p.enc].map((j) => calculateJwkThumbprint({ kty: j.kty, crv: j.crv, x: j.x }, 'sha256')));
  if (p.sig.crv !== 'Ed25519' || p.enc.crv !== 'X25519' || sig !== p.sig.kid || sig !== p.id || enc !== p.enc.kid) {
    throw new SensitivityError('E_IDENTITY_INVALID', `the identity of ${p.email} is inconsistent (key ids do not match the keys); ask them for it again`);
  }
}

function checkLabel(label: EnvelopeLabel): void {
  if (!label.id || !label.name) throw new SensitivityError('E_USAGE', 'a protected file needs a label with an id and a name');
}

function expirySeconds(expires: Date, now: Date): number {
  const t = expires.getTime();
  if (!Number.isFinite(t) || t <= now.getTime()) throw new SensitivityError('E_USAGE', 'the expiry must be in the future');
  return Math.floor(t / 1000);
}

function take(random: RandomSource, n: number): Uint8Array {
  const b = random(n);
  if (b.length !== n) throw new RangeError(`the random source returned ${b.length} bytes, not ${n}`);
  return b;
}

function info(layout: EnvelopeLayout, meta: Metadata, policy: EnvelopePolicy): EnvelopeInfo {
  return {
    authenticated: true,
    layout,
    innerName: meta.name,
    contentType: meta.type,
    policy,
    slots: meta.slots.map((s) => (isX25519Slot(s) ? { kind: s.kind, kid: s.kid } : { kind: s.kind })),
  };
}
