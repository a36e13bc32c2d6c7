/**
 * Protect, open, inspect and rewrap envelopes (docs/FORMAT.md). Every entry point streams: memory does not
 * grow with the content. Order of checks on open: slot → unwrap → key commitment → header MAC → policy
 * signature → access (rights.ts) → body, chunk by chunk, each released only once authenticated.
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import { base64url, calculateJwkThumbprint } from 'jose';
import { ownerWords, unverifiedSigner } from '../display.js';
import { integrityError, SensitivityError } from '../errors.js';
import type { Identity, PublicIdentity } from '../identity.js';
import {
  systemClock,
  secureRandom,
  type ByteSink,
  type ByteSource,
  type Clock,
  type PatchableSink,
  type RandomAccessSource,
  type RandomSource,
} from '../ports.js';
import { decideAccess, normalizeRights, requireAccess, type Right } from '../rights.js';
import {
  checkSizes,
  chunkCountOf,
  DEFAULT_CHUNK_SIZE,
  encodeHeader,
  isInnerName,
  isMediaType,
  encodeWriteBlock,
  layoutOf,
  readHeader,
  readWriteBlock,
  VERSION,
  writeBlockLengthOf,
  type EnvelopeLayout,
  type Metadata,
  type RawHeader,
  type WitnessEntry,
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
import {
  grantClaim,
  holdsOwner,
  ownerClaim,
  policyDigest,
  policySubject,
  signPolicy,
  verifyLineage,
  verifyPolicy,
  type EnvelopeLabel,
  type EnvelopePolicy,
  type PolicyGrant,
} from './policy.js';
import { isX25519Slot, unwrapSlot, wrapSlot, type Slot } from './slots.js';
import { decryptBody, encryptBody, reencryptBody, type BodyParams } from './stream.js';
import { signWrite, verifyWrite } from './write.js';

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
  /** Holders of OWNER may extend the expiry even after it passed (the label's `expiry.ownerCanRenew`). */
  readonly renewable?: boolean;
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
  /** A witness for policy version 1 (docs/FORMAT.md §16). */
  readonly witness?: WitnessHook;
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
  /** Format 2: b64u SHA-256 of the current policy JWS (what a writer re-checks before replacing the file). */
  readonly policyDigest: string;
  /** Format 2: the verified policy versions the current one replaces, oldest first (empty in format 1). */
  readonly lineage: readonly EnvelopePolicy[];
  /**
   * Format 2: the content id and the digest of policy version 1 — the line of versions a reader tracks for
   * rollback (a forged first version with the same content id is another line). Undefined in format 1.
   */
  readonly lineageId?: string;
  /** Format 2: who signed the last write of the body (identity id, granted EDIT) and when (seconds); null in format 1. */
  readonly lastWrite: { readonly id: string; readonly at: number } | null;
  /** Format 2: b64u SHA-256 of every policy version's JWS, version 1 first, the current last (empty in format 1). */
  readonly history: readonly string[];
  /** Format 2: the witness receipts the envelope carries (docs/FORMAT.md §16), each naming a version of `history`. */
  readonly witness: readonly WitnessEntry[];
  /** The signed history as it stands in the header (what a restore builds on; public, like everything here). */
  readonly signed: SignedHistory;
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
  /**
   * The `policyDigest` the caller read when it started (a save of content opened earlier): E_FILE_CHANGED
   * if the file's policy is another one now (a revoke or grant happened meanwhile).
   */
  readonly expectPolicy?: string;
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
  /** A new expiry, or null to remove it. Holders of OWNER may extend an expired file whose policy says `renew`. */
  readonly expires?: Date | null;
  /**
   * Format 1 only: its owner migrates it on purpose to format 2 (a new lineage at version 1, same grants). Every
   * other write of a format-1 file is E_READ_ONLY_FORMAT: format 1 has no writer signature and no history.
   */
  readonly migrate?: true;
  /**
   * An owner restoring this (older or forked) copy on purpose: the new version extends this newer history
   * instead (its policy and lineage, the same line), with this copy's grants, label and expiry, under a new
   * file key. The signer must hold OWNER in the newer history's head and in this copy.
   */
  readonly onto?: SignedHistory;
}

/** A file's signed access history as the header carries it: the policy JWS, the versions it replaces, their receipts. */
export interface SignedHistory {
  readonly policy: string;
  readonly lineage: readonly string[];
  readonly witness: readonly WitnessEntry[];
}

/**
 * Called once a new policy version is signed, before it is sealed into the header: a witness (the organisation's
 * key service, issue 21) registers the version and returns its receipt, which travels in the envelope.
 */
export type WitnessHook = (version: {
  /** The content id: the line the witness registers the version under. */
  readonly cid: string;
  readonly policy: string;
  readonly digest: string;
  readonly ver: number;
  readonly lineage: readonly string[];
}) => Promise<WitnessEntry | undefined>;

export interface RewrapOptions extends Omit<OpenOptions, 'right'> {
  readonly random?: RandomSource;
  /** A witness for the new policy version (docs/FORMAT.md §16). */
  readonly witness?: WitnessHook;
}

export interface ReplaceContentOptions {
  readonly clock?: Clock;
  /** See OpenOptions.expectPolicy. */
  readonly expectPolicy?: string;
  readonly random?: RandomSource;
  /** Exact number of bytes the new content yields. */
  readonly size: number;
  readonly doubleKey?: DoubleKeyAccess;
}

/**
 * Encrypts `source` into a new envelope on `sink`: header, reserved write block, the body chunk by chunk,
 * then the owner's write signature into the reserved space.
 */
export async function protect(source: EnvelopeSource, sink: PatchableSink, options: ProtectOptions): Promise<EnvelopeInfo> {
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
    const policy = makePolicy({ cid, ver: 1 }, options.label, options.owner, grants, now, { exp, renew: options.renewable === true }, fileKey, dk?.claim);
    const jws = await signPolicy(policy, options.owner);
    const slots = await slotsFor(grants, secret, random, dk ? [dk.slot] : []);
    const witness = await witnessed(options.witness, cid, jws, [], [], 1);
    const meta = { name: options.innerName, type: contentType, policy: jws, lineage: [], ...(witness.length > 0 ? { witness } : {}), slots };
    return await writeEnvelope(source, sink, fileKey, salt, chunkSize, options.size, meta, [policy], options.owner, now);
  } finally {
    fileKey.fill(0);
    secret.fill(0);
  }
}

/**
 * Reads and checks a header without any key (see EnvelopeHeader for what that does NOT prove): the policy
 * signature, and in format 2 the whole lineage and the write signature (whose writer must hold EDIT).
 */
export async function readEnvelopeHeader(source: EnvelopeSource): Promise<EnvelopeHeader> {
  const reader = new ByteReader(source);
  try {
    const raw = await readHeader(reader);
    const chain = await verifiedChain(raw);
    const layout = layoutOf(raw.version, raw.bytes.length, raw.chunkSize, raw.plaintextLength);
    const write = raw.version === 2 ? await verifiedWrite(reader, raw, layout, chain.at(-1)!) : undefined;
    return { ...info(layout, raw.metadata, chain, write?.lastWrite ?? null), authenticated: false };
  } finally {
    await reader.close();
  }
}

/** The access history a header declares (EnvelopeInfo's fields of that name), verified without any key. */
export interface EnvelopeHistory {
  readonly version: 1 | 2;
  readonly policy: EnvelopePolicy;
  readonly lineageId?: string;
  readonly history: readonly string[];
}

/**
 * Reads a header and verifies its policy chain (signatures, lineage, witness receipts' versions) and nothing
 * after it — not the write block, not the body: how git's history of a file is read as a witness, from the
 * first bytes of each committed version.
 */
export async function readEnvelopeHistory(source: EnvelopeSource): Promise<EnvelopeHistory> {
  const reader = new ByteReader(source);
  try {
    const raw = await readHeader(reader);
    const chain = await verifiedChain(raw);
    const { policy, lineageId, history } = info(layoutOf(raw.version, raw.bytes.length, raw.chunkSize, raw.plaintextLength), raw.metadata, chain, null);
    return { version: raw.version, policy, ...(lineageId !== undefined ? { lineageId } : {}), history };
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
    return { ...info(u.layout, u.raw.metadata, u.chain, u.lastWrite), rights: u.rights };
  } finally {
    await reader.close();
  }
}

/**
 * Applies an owner's change (needs OWNER) and writes the new envelope to `sink`, re-encrypting the body as
 * it streams. The signer becomes the owner of record and signs the next policy version, chained to the
 * current one. Grant, label and expiry changes keep the file key (and the existing slots); any revoke, and
 * any grantee's new encryption key, rotates it, so old slots — and any copy of them — open nothing new. A
 * format-1 file is E_READ_ONLY_FORMAT unless the change is its migration, which comes out in format 2, its
 * lineage starting at version 1.
 */
export async function rewrapEnvelope(
  source: EnvelopeSource,
  sink: PatchableSink,
  identity: Identity,
  change: EnvelopeChange,
  options: RewrapOptions = {},
): Promise<EnvelopeInfo> {
  const random = options.random ?? secureRandom;
  const now = (options.clock ?? systemClock).now();
  const reader = new ByteReader(source);
  try {
    const u = await unlock(reader, identity, 'OWNER', { ...options, renewing: change.expires !== undefined });
    if (u.raw.version === 1 && !change.migrate) throw readOnlyFormat(u.policy);
    if (u.raw.version !== 1 && change.migrate) throw new SensitivityError('E_USAGE', 'is already in format 2: there is nothing to migrate');
    const base = change.onto ? await ontoChain(u, change.onto, identity) : undefined;
    const newSecret = new Uint8Array(FILE_KEY_LENGTH);
    let newKey: Uint8Array = newSecret;
    try {
      const changed = await changedGrants(u.policy.grants, identity, change);
      const { grants } = changed;
      // A restore onto a newer history rotates too: people removed in between held this copy's key.
      const rotate = changed.rotate || base !== undefined;
      const fresh = rotate ? take(random, FILE_KEY_LENGTH) : u.secret;
      newSecret.set(fresh);
      if (rotate) fresh.fill(0);
      const salt = take(random, SALT_LENGTH);
      const label = change.label ?? u.policy.label;
      if (change.label) checkLabel(change.label);
      const exp = change.expires === null ? undefined : change.expires ? expirySeconds(change.expires, now) : u.policy.exp;
      const dk = await rewrapDoubleKey(u, newSecret, rotate, label, random, options.doubleKey);
      newKey = dk.fileKey;
      // The history this version extends: the copy's own, a newer one it is restored onto, or none (migration).
      const from = base ?? (u.raw.version === 2 ? { ...u.raw.metadata, lineage: u.raw.metadata.lineage ?? [], chain: u.chain } : undefined);
      const lineage = from ? [...from.lineage, from.policy] : [];
      const version = from ? { cid: u.policy.cid, ver: from.chain.at(-1)!.ver! + 1, prev: policyDigest(from.policy) } : { cid: u.policy.cid, ver: 1 };
      const policy = makePolicy(version, label, identity, grants, now, { exp, renew: u.policy.renew === true }, newKey, dk.claim);
      const jws = await signPolicy(policy, identity);
      const slots = await slotsFor(grants, newSecret, random, dk.keep);
      const witness = await witnessed(options.witness, u.policy.cid, jws, lineage, from?.witness ?? [], policy.ver!);
      const meta = { name: u.raw.metadata.name, type: u.raw.metadata.type, policy: jws, lineage, ...(witness.length > 0 ? { witness } : {}), slots };
      const chain = from ? [...from.chain, policy] : [policy];
      const { header, body } = seal(newKey, salt, u.layout.chunkSize, u.layout.plaintextLength, meta);
      try {
        await sink.write(header);
        await sink.write(new Uint8Array(writeBlockLengthOf(body.chunkCount)));
        const digests = await reencryptBody(reader, sink, u.body, body);
        const lastWrite = await signInto(sink, header, digests, identity, now);
        return info(layoutOf(VERSION, header.length, u.layout.chunkSize, u.layout.plaintextLength), meta, chain, lastWrite);
      } finally {
        wipe(body);
      }
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
 * key, policy, lineage and slots, a fresh salt (so a fresh content key: no nonce is ever reused), signed by
 * the writer. Only the old header is read. This is how an editor saves a protected file without being its
 * owner. A format-1 file is read-only (E_READ_ONLY_FORMAT) for everyone: only a deliberate migration
 * (`rewrapEnvelope` with `migrate`) writes it again, never a save.
 */
export async function replaceEnvelopeContent(
  envelope: EnvelopeSource,
  content: EnvelopeSource,
  sink: PatchableSink,
  identity: Identity,
  options: ReplaceContentOptions,
): Promise<EnvelopeInfo> {
  const random = options.random ?? secureRandom;
  const now = (options.clock ?? systemClock).now();
  const old = new ByteReader(envelope);
  let u: Unlocked;
  try {
    u = await unlock(old, identity, 'EDIT', {
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.doubleKey ? { doubleKey: options.doubleKey } : {}),
      ...(options.expectPolicy ? { expectPolicy: options.expectPolicy } : {}),
    });
  } finally {
    await old.close();
  }
  try {
    if (u.raw.version === 1) throw readOnlyFormat(u.policy);
    checkSizes(u.layout.chunkSize, options.size);
    const salt = take(random, SALT_LENGTH);
    return await writeEnvelope(content, sink, u.fileKey, salt, u.layout.chunkSize, options.size, u.raw.metadata, u.chain, identity, now);
  } finally {
    u.dispose();
  }
}

// ---- internals ----

interface Unlocked {
  readonly raw: RawHeader;
  readonly policy: EnvelopePolicy;
  /** The verified policy versions, oldest first, `policy` last (just `policy` in format 1). */
  readonly chain: readonly EnvelopePolicy[];
  readonly lastWrite: EnvelopeInfo['lastWrite'];
  readonly fileKey: Uint8Array;
  /** The secret the reader's slot held: the file key itself, or its personal half for Double Key. */
  readonly secret: Uint8Array;
  readonly body: BodyParams;
  readonly layout: EnvelopeLayout;
  readonly rights: readonly Right[];
  dispose(): void;
}

interface UnlockOptions extends OpenOptions {
  /** An owner changing the expiry: allowed past it when the policy says `renew`. */
  readonly renewing?: boolean;
}

/**
 * Format 2: the verified lineage with the current policy last, and witness receipts that each name one of its
 * versions; format 1: the policy alone, which must be a format-1 policy (a format-2 policy in a format-1
 * envelope is someone re-emitting a current file without its writer signature and history: E_DOWNGRADE).
 */
async function verifiedChain(raw: RawHeader): Promise<EnvelopePolicy[]> {
  if (raw.version === 1) {
    const policy = await verifyPolicy(raw.metadata.policy);
    if (policy.v !== 1) {
      throw new SensitivityError(
        'E_DOWNGRADE',
        'is a format-2 access policy re-emitted in the old format 1, without its history and writer signature: do not trust it',
      );
    }
    return [policy];
  }
  return verifiedHistory(raw.metadata.lineage ?? [], raw.metadata.policy, raw.metadata.witness ?? []);
}

/** A format-2 chain verified (§14.2), and its witness receipts each naming one of its versions, once per kind (§16). */
async function verifiedHistory(lineage: readonly string[], policy: string, witness: readonly WitnessEntry[]): Promise<EnvelopePolicy[]> {
  const jws = [...lineage, policy];
  const chain = await verifyLineage(jws);
  const digests = new Set(jws.map(policyDigest));
  const named = witness.map((w) => `${w.pd} ${w.kind}`);
  if (!witness.every((w) => digests.has(w.pd)) || new Set(named).size !== named.length) {
    throw new SensitivityError('E_FORMAT', 'not a valid protected file: a witness receipt names no version of its access policy, or one twice');
  }
  return chain;
}

/** E_READ_ONLY_FORMAT: nothing is built on a format-1 file but its owner's deliberate migration. */
function readOnlyFormat(policy: EnvelopePolicy): SensitivityError {
  return new SensitivityError(
    'E_READ_ONLY_FORMAT',
    `was written in protected-file format 1, which opens read-only: nothing is saved, granted or revoked on it; an owner (the file says ${policy.owner.email}) can migrate it on purpose with \`sensitivity migrate\``,
    undefined,
    { details: { hint: 'migrate' } },
  );
}

/**
 * The newer history a restore builds on (`EnvelopeChange.onto`): verified, the same line as the copy (same
 * content id and version 1), and its head held by an owner who is the one restoring (E_RIGHT_MISSING otherwise).
 */
async function ontoChain(
  u: Unlocked,
  onto: SignedHistory,
  identity: Identity,
): Promise<{ policy: string; lineage: readonly string[]; witness: readonly WitnessEntry[]; chain: EnvelopePolicy[] }> {
  if (u.raw.version !== 2) throw readOnlyFormat(u.policy);
  const chain = await verifiedHistory(onto.lineage, onto.policy, onto.witness);
  const lineage = onto.lineage;
  if (policyDigest(lineage[0] ?? onto.policy) !== policyDigest((u.raw.metadata.lineage ?? [])[0] ?? u.raw.metadata.policy)) {
    throw new SensitivityError('E_USAGE', 'the newer version given is not a version of this file');
  }
  if (!holdsOwner(chain.at(-1)!, identity.id)) {
    const head = chain.at(-1)!.owner;
    throw new SensitivityError('E_RIGHT_MISSING', `only an owner of its newest version can restore it; ask ${ownerWords(unverifiedSigner(head.id, head)).ask}`);
  }
  return { policy: onto.policy, lineage, witness: onto.witness, chain };
}

/** The witness receipts of a new version's envelope: those of the versions it keeps, and the hook's for the new one. */
async function witnessed(
  hook: WitnessHook | undefined,
  cid: string,
  policy: string,
  lineage: readonly string[],
  kept: readonly WitnessEntry[],
  ver: number,
): Promise<WitnessEntry[]> {
  const digests = new Set(lineage.map(policyDigest));
  const entries = kept.filter((w) => digests.has(w.pd));
  const fresh = hook ? await hook({ cid, policy, digest: policyDigest(policy), ver, lineage }) : undefined;
  return fresh ? [...entries, fresh] : entries;
}

/** Reads the write block after the header and checks its signature and that its writer holds EDIT (E_WRITER_NOT_ALLOWED). */
async function verifiedWrite(
  reader: ByteReader,
  raw: RawHeader,
  layout: EnvelopeLayout,
  policy: EnvelopePolicy,
): Promise<{ digests: Uint8Array; lastWrite: NonNullable<EnvelopeInfo['lastWrite']> }> {
  const block = await readWriteBlock(reader, layout.chunkCount);
  const claims = await verifyWrite(block.signature, raw.bytes, block.digests);
  if (!policy.grants.some((g) => g.id === claims.sig.kid && g.rights.includes('EDIT'))) {
    throw new SensitivityError('E_WRITER_NOT_ALLOWED', 'its content was last written by someone its policy does not allow to edit it; do not trust it');
  }
  return { digests: block.digests, lastWrite: { id: claims.sig.kid, at: claims.iat } };
}

/** Reads the header and runs every check before the body (see the module comment for the order). */
async function unlock(reader: ByteReader, identity: Identity, right: Right, options: UnlockOptions): Promise<Unlocked> {
  const now = (options.clock ?? systemClock).now();
  const raw = await readHeader(reader);
  const slot = raw.metadata.slots.find((s) => isX25519Slot(s) && s.kid === identity.enc.kid);
  if (!slot || !isX25519Slot(slot)) {
    // No key for us: the signed policy (no file key needed) still says whom to ask.
    const policy = (await verifiedChain(raw)).at(-1)!;
    const mine = policy.grants.find((g) => g.id === identity.id);
    // The signed policy promises this key a slot: its absence means the slot list was edited.
    if (mine && mine.enc.kid === identity.enc.kid) throw integrityError();
    const d = decideAccess(policySubject(policy), identity.id, right, now);
    if (!d.allowed) throw new SensitivityError(d.code, d.reason);
    throw otherKeyError(policy);
  }
  const decide = (policy: EnvelopePolicy): readonly Right[] => {
    const subject = policySubject(policy);
    const renew = options.renewing === true && policy.renew === true && holdsOwner(policy, identity.id);
    return requireAccess(renew ? { ...subject, expires: undefined } : subject, identity.id, right, now);
  };
  const secret = await unwrapSlot(slot, identity.encPrivate);
  let fileKey = secret;
  try {
    // Double Key: the signed policy is verified and access decided before the key service is asked for its half.
    const dkSlot = doubleKeySlotOf(raw.metadata.slots);
    const early = dkSlot ? await verifiedChain(raw) : undefined;
    const current = early?.at(-1);
    if (dkSlot && current) {
      decide(current);
      fileKey = await openDoubleKey(dkSlot, current.dk, { contentId: current.cid, label: current.label.id }, secret, options.doubleKey);
    }
    if (!equalBytes(keyCommitment(fileKey), raw.commitment)) throw integrityError();
    const keys = bodyKeys(fileKey, raw.salt);
    const macInput = raw.bytes.subarray(0, raw.bytes.length - MAC_LENGTH);
    if (!equalBytes(headerMac(keys.macKey, macInput), raw.mac)) throw integrityError();
    const chain = early ?? (await verifiedChain(raw));
    const policy = chain.at(-1)!;
    if (policy.cmt !== base64url.encode(raw.commitment) || (policy.dk === undefined) !== (dkSlot === undefined)) throw integrityError();
    const encKids = new Set(policy.grants.map((g) => g.enc.kid));
    if (!raw.metadata.slots.every((s) => !isX25519Slot(s) || encKids.has(s.kid))) throw integrityError();
    if (options.expectPolicy !== undefined && options.expectPolicy !== policyDigest(raw.metadata.policy)) throw changedError();
    const mine = policy.grants.find((g) => g.id === identity.id);
    if (mine && mine.enc.kid !== identity.enc.kid) {
      throw otherKeyError(policy);
    }
    const rights = decide(policy);
    const layout = layoutOf(raw.version, raw.bytes.length, raw.chunkSize, raw.plaintextLength);
    const sourceLength = options.sourceLength ?? reader.randomAccess?.size;
    if (sourceLength !== undefined && sourceLength !== layout.envelopeLength) throw integrityError();
    const write = raw.version === 2 ? await verifiedWrite(reader, raw, layout, policy) : undefined;
    const body = bodyParams(keys.contentKey, keys.noncePrefix, raw.bytes, raw.chunkSize, raw.plaintextLength, write?.digests);
    keys.macKey.fill(0);
    const dispose = (): void => {
      fileKey.fill(0);
      secret.fill(0);
      wipe(body);
    };
    return { raw, policy, chain, lastWrite: write?.lastWrite ?? null, fileKey, secret, body, layout, rights, dispose };
  } catch (e) {
    fileKey.fill(0);
    secret.fill(0);
    throw e;
  }
}

/** The file's policy is not the one its writer started from. */
function changedError(): SensitivityError {
  return new SensitivityError(
    'E_FILE_CHANGED',
    'its access was changed (a grant, revoke or expiry) since you opened it; nothing was saved: reopen it, then save again',
    undefined,
    {
      details: { hint: 'reopen' },
    },
  );
}

/** The policy grants this identity id, but to an older or other X25519 key than the one presented. */
function otherKeyError(policy: EnvelopePolicy): SensitivityError {
  const ask = ownerWords(unverifiedSigner(policy.owner.id, policy.owner)).ask;
  return new SensitivityError('E_NOT_GRANTEE', `your grant names another encryption key than yours; ask ${ask} to grant you again`);
}

function bodyParams(
  contentKey: Uint8Array,
  noncePrefix: Uint8Array,
  header: Uint8Array,
  chunkSize: number,
  plaintextLength: number,
  digests?: Uint8Array,
): BodyParams {
  return {
    contentKey,
    noncePrefix,
    aad: headerDigest(header),
    chunkSize,
    plaintextLength,
    chunkCount: chunkCountOf(plaintextLength, chunkSize),
    ...(digests ? { digests } : {}),
  };
}

/** Builds the MAC'd format-2 header and the parameters its body is encrypted under. */
function seal(fileKey: Uint8Array, salt: Uint8Array, chunkSize: number, plaintextLength: number, metadata: Metadata): { header: Uint8Array; body: BodyParams } {
  const keys = bodyKeys(fileKey, salt);
  const header = encodeHeader({ version: VERSION, chunkSize, plaintextLength, salt, commitment: keyCommitment(fileKey), metadata }, keys.macKey);
  keys.macKey.fill(0);
  return { header, body: bodyParams(keys.contentKey, keys.noncePrefix, header, chunkSize, plaintextLength) };
}

/** Signs a written body and fills in its reserved write block (right after the header). */
async function signInto(
  sink: PatchableSink,
  header: Uint8Array,
  digests: Uint8Array,
  writer: Identity,
  now: Date,
): Promise<NonNullable<EnvelopeInfo['lastWrite']>> {
  const signature = await signWrite(writer, header, digests, now);
  await sink.writeAt(encodeWriteBlock({ digests, signature }), header.length);
  return { id: writer.id, at: Math.floor(now.getTime() / 1000) };
}

/** Writes a header, a reserved write block, a body encrypted from `source` (exactly `size` bytes) under a fresh salt, then the write signature. */
async function writeEnvelope(
  source: EnvelopeSource,
  sink: PatchableSink,
  fileKey: Uint8Array,
  salt: Uint8Array,
  chunkSize: number,
  size: number,
  meta: Metadata,
  chain: readonly EnvelopePolicy[],
  writer: Identity,
  now: Date,
): Promise<EnvelopeInfo> {
  const { header, body } = seal(fileKey, salt, chunkSize, size, meta);
  const reader = new ByteReader(source);
  try {
    await sink.write(header);
    await sink.write(new Uint8Array(writeBlockLengthOf(body.chunkCount)));
    const digests = await encryptBody(reader, sink, body);
    const lastWrite = await signInto(sink, header, digests, writer, now);
    return info(layoutOf(VERSION, header.length, chunkSize, size), meta, chain, lastWrite);
  } finally {
    await reader.close();
    wipe(body);
  }
}

function wipe(body: BodyParams): void {
  body.contentKey.fill(0);
}

function makePolicy(
  version: { readonly cid: string; readonly ver: number; readonly prev?: string },
  label: EnvelopeLabel,
  owner: Identity,
  grants: readonly PolicyGrant[],
  now: Date,
  expiry: { readonly exp: number | undefined; readonly renew: boolean },
  fileKey: Uint8Array,
  dk?: DoubleKeyClaim,
): EnvelopePolicy {
  return {
    v: 2,
    ver: version.ver,
    ...(version.prev !== undefined ? { prev: version.prev } : {}),
    cid: version.cid,
    label: { id: label.id, name: label.name },
    owner: ownerClaim(owner),
    grants,
    iat: Math.floor(now.getTime() / 1000),
    ...(expiry.exp !== undefined ? { exp: expiry.exp } : {}),
    ...(expiry.renew ? { renew: true as const } : {}),
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

/** The grants after a change, and whether the file key must rotate (someone removed, or a grantee's encryption key replaced). */
async function changedGrants(current: readonly PolicyGrant[], actor: Identity, change: EnvelopeChange): Promise<{ grants: PolicyGrant[]; rotate: boolean }> {
  let grants = [...current];
  for (const who of change.revoke ?? []) {
    const key = who.trim().toLowerCase();
    const hit = grants.filter((g) => g.id === who || g.email === key);
    if (hit.length === 0) throw new SensitivityError('E_PERSON_UNKNOWN', `${who} has no grant on this file`);
    if (hit.some((g) => g.id === actor.id)) throw new SensitivityError('E_USAGE', 'you cannot revoke your own access');
    grants = grants.filter((g) => !hit.includes(g));
  }
  let rotate = current.length > grants.length;
  for (const { person, rights } of change.grant ?? []) {
    if (person.id === actor.id) throw new SensitivityError('E_USAGE', 'you cannot change your own grant');
    await checkPerson(person);
    const i = grants.findIndex((g) => g.id === person.id);
    const claim = grantClaim(person, checkRights(rights, person), i >= 0 && grants[i]!.recovery === true);
    // A new encryption key for someone already granted: whoever holds the old one must lose the file key.
    if (i >= 0 && grants[i]!.enc.kid !== claim.enc.kid) rotate = true;
    if (i >= 0) grants[i] = claim;
    else grants.push(claim);
  }
  return { grants, rotate };
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

function info(layout: EnvelopeLayout, meta: Metadata, chain: readonly EnvelopePolicy[], lastWrite: EnvelopeInfo['lastWrite']): EnvelopeInfo {
  const policy = chain.at(-1)!;
  const genesis = meta.lineage?.[0] ?? meta.policy;
  const history = layout.version === 2 ? [...(meta.lineage ?? []), meta.policy].map(policyDigest) : [];
  return {
    authenticated: true,
    layout,
    innerName: meta.name,
    contentType: meta.type,
    policy,
    policyDigest: policyDigest(meta.policy),
    lineage: chain.slice(0, -1),
    ...(layout.version === 2 ? { lineageId: `${policy.cid}.${policyDigest(genesis)}` } : {}),
    lastWrite,
    history,
    witness: meta.witness ?? [],
    signed: { policy: meta.policy, lineage: meta.lineage ?? [], witness: meta.witness ?? [] },
    slots: meta.slots.map((s) => (isX25519Slot(s) ? { kind: s.kind, kid: s.kid } : { kind: s.kind })),
  };
}
