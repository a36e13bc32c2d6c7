/** Shape of test/vectors/envelope-v1.json, and the derived values each vector records (docs/FORMAT.md §Keys). */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { bodyKeys, headerDigest, keyCommitment } from '../../src/core/envelope/keys.js';
import type { EnvelopeLabel } from '../../src/core/envelope/index.js';
import type { Identity } from '../../src/core/identity.js';
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
