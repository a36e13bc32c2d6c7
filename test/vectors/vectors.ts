/** Shape of test/vectors/envelope-v1.json, and the derived values each vector records (docs/FORMAT.md §Keys). */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { bodyKeys, headerDigest, keyCommitment } from '../../src/core/envelope/keys.js';
import { byteSourceOf, memorySink, protect, rewrapEnvelope, type DoubleKeyAccess, type EnvelopeLabel } from '../../src/core/envelope/index.js';
import type { Identity } from '../../src/core/identity.js';
import type { RandomSource } from '../../src/core/ports.js';
import type { Right } from '../../src/core/rights.js';

export interface Expected {
  readonly fileKey: string;
  readonly salt: string;
  readonly commitment: string;
  readonly contentKey: string;
  readonly macKey: string;
  readonly noncePrefix: string;
  readonly headerLength: number;
  readonly headerDigest: string;
  readonly envelope: string;
}

interface Common {
  readonly name: string;
  readonly now: string;
  /** Every random byte the operation consumed, in order (docs/FORMAT.md §Randomness). */
  readonly random: string;
  readonly expect: Expected;
}

export interface ProtectVector extends Common {
  readonly operation: 'protect';
  readonly owner: string;
  readonly grants: readonly { readonly person: string; readonly rights: readonly Right[] }[];
  readonly recovery: readonly string[];
  readonly label: EnvelopeLabel;
  readonly expires?: string;
  readonly innerName: string;
  readonly contentType: string;
  readonly chunkSize: number;
  readonly plaintext: string;
}

export interface RewrapVector extends Common {
  readonly operation: 'rewrap';
  /** Name of the vector whose envelope is rewrapped. */
  readonly input: string;
  readonly actor: string;
  readonly change: { readonly grant?: readonly { readonly person: string; readonly rights: readonly Right[] }[]; readonly revoke?: readonly string[] };
}

export interface VectorFile {
  readonly format: string;
  readonly note: string;
  readonly identities: Record<string, Identity>;
  readonly vectors: (ProtectVector | RewrapVector)[];
}

/** The intermediate values of an envelope made with `fileKey` (read from the header where they live). */
export function expectedDerivations(envelope: Uint8Array, fileKeyHex: string): Expected {
  const fileKey = hexToBytes(fileKeyHex);
  const metaLength = new DataView(envelope.buffer, envelope.byteOffset).getUint32(86);
  const headerLength = 90 + metaLength + 32;
  const salt = envelope.slice(22, 54);
  const keys = bodyKeys(fileKey, salt);
  return {
    fileKey: fileKeyHex,
    salt: bytesToHex(salt),
    commitment: bytesToHex(keyCommitment(fileKey)),
    contentKey: bytesToHex(keys.contentKey),
    macKey: bytesToHex(keys.macKey),
    noncePrefix: bytesToHex(keys.noncePrefix),
    headerLength,
    headerDigest: bytesToHex(headerDigest(envelope.subarray(0, headerLength))),
    envelope: bytesToHex(envelope),
  };
}

/** Runs a vector's operation with the given randomness; `inputs` maps vector names to their envelopes (for rewraps). */
export async function runVector(
  v: Omit<ProtectVector, 'random' | 'expect'> | Omit<RewrapVector, 'random' | 'expect'>,
  people: Readonly<Record<string, Identity>>,
  random: RandomSource,
  inputs: ReadonlyMap<string, Uint8Array>,
  doubleKey?: { readonly url?: string; readonly access: DoubleKeyAccess },
): Promise<Uint8Array> {
  const sink = memorySink();
  const clock = { now: () => new Date(v.now) };
  const person = (name: string) => people[name] ?? assertNever(name);
  const grants = (list: readonly { person: string; rights: readonly Right[] }[]) => list.map((g) => ({ person: person(g.person), rights: g.rights }));
  if (v.operation === 'protect') {
    const plaintext = hexToBytes(v.plaintext);
    await protect(byteSourceOf(plaintext, 7), sink, {
      owner: person(v.owner),
      label: v.label,
      grants: grants(v.grants),
      recovery: v.recovery.map(person),
      ...(v.expires ? { expires: new Date(v.expires) } : {}),
      innerName: v.innerName,
      contentType: v.contentType,
      size: plaintext.length,
      chunkSize: v.chunkSize,
      random,
      clock,
      ...(doubleKey?.url ? { doubleKey: await doubleKey.access.wrap(doubleKey.url) } : {}),
    });
  } else {
    const input = inputs.get(v.input) ?? assertNever(v.input);
    const change = { ...(v.change.revoke ? { revoke: v.change.revoke } : {}), ...(v.change.grant ? { grant: grants(v.change.grant) } : {}) };
    await rewrapEnvelope(byteSourceOf(input, 13), sink, person(v.actor), change, { random, clock, ...(doubleKey ? { doubleKey: doubleKey.access } : {}) });
  }
  return sink.bytes();
}

function assertNever(name: string): never {
  throw new Error(`the vector file names "${name}", which it does not define`);
}
