/**
 * Identity fingerprints people can compare aloud (in the manner of Signal's safety numbers): derived
 * from an identity's id — the RFC 7638 thumbprint of its Ed25519 signing key. The identity document is
 * signed by that key and binds the encryption key, so the signing key's id stands for the whole identity.
 */
import { base64url } from 'jose';
import { SensitivityError } from './errors.js';

const GROUPS = 6;
const GROUP_BYTES = 5;

/**
 * Six groups of five digits ("04217 88310 …", about 100 bits) from the identity id's thumbprint bytes.
 * E_IDENTITY_INVALID when `id` is not a 32-byte base64url thumbprint.
 */
export function fingerprint(id: string): string {
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(id);
  } catch {
    bytes = new Uint8Array(0);
  }
  if (bytes.length !== 32) throw new SensitivityError('E_IDENTITY_INVALID', 'not an identity id (a 32-byte RFC 7638 thumbprint)');
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let n = 0;
    for (let i = 0; i < GROUP_BYTES; i++) n = n * 256 + (bytes[g * GROUP_BYTES + i] ?? 0);
    groups.push(String(n % 100000).padStart(5, '0'));
  }
  return groups.join(' ');
}
