/**
 * The identity file: a full identity (private keys included) encrypted under a passphrase, as one compact
 * JWE (RFC 7516) with PBES2-HS512+A256KW key wrapping (RFC 7518 §4.8, PBKDF2 of RFC 8018) and A256GCM
 * content encryption. The CLI and the extension both read and write it, so one identity serves both.
 */
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, errors } from 'jose';
import { SensitivityError } from './errors.js';
import { requireStrongPassphrase } from './passphrase.js';
import type { Identity } from './identity.js';
import { parseIdentity } from './people.js';

/** JWE `cty` naming our payload (RFC 7515 §4.1.10: "application/" omitted). */
export const IDENTITY_FILE_CTY = 'vnd.sensitivity.identity+json';

/**
 * PBKDF2-HMAC-SHA512 iterations (`p2c`). OWASP's 2023 floor for PBKDF2-HMAC-SHA512 is 210,000; we take
 * 600,000 (their figure for SHA-256, ~2.9× the SHA-512 floor): the file may sit in a backup for years and
 * is decrypted once per import (1.7 s measured on the 2-core build machine).
 */
export const PBES2_ITERATIONS = 600_000;
/** Above this, an identity file is refused before any work: a huge `p2c` would hang the importer. */
const MAX_ITERATIONS = 10_000_000;
const ALG = 'PBES2-HS512+A256KW';
const ENC = 'A256GCM';

const invalid = (why: string) => new SensitivityError('E_IDENTITY_INVALID', `is not a valid identity file (${why}); use a file written by an identity export`);

/** NFC, so the same passphrase typed on different systems derives the same key. */
const passphraseBytes = (p: string) => new TextEncoder().encode(p.normalize('NFC'));

/** Encrypts `identity` under `passphrase` (strong enough: see passphrase.ts) into the identity file's text (one line). */
export async function exportIdentity(identity: Identity, passphrase: string): Promise<string> {
  requireStrongPassphrase(passphrase);
  // Never export something that would not import: validate, and fix the field order.
  const id = await parseIdentity(identity);
  const payload = JSON.stringify({
    v: id.v,
    id: id.id,
    name: id.name,
    email: id.email,
    sig: id.sig,
    enc: id.enc,
    created: id.created,
    sigPrivate: id.sigPrivate,
    encPrivate: id.encPrivate,
  });
  return new CompactEncrypt(new TextEncoder().encode(payload))
    .setProtectedHeader({ alg: ALG, enc: ENC, cty: IDENTITY_FILE_CTY })
    .setKeyManagementParameters({ p2c: PBES2_ITERATIONS })
    .encrypt(passphraseBytes(passphrase));
}

/**
 * Decrypts an identity file. E_PASSPHRASE for a wrong passphrase (or an altered file: AES key wrap and
 * GCM cannot tell the two apart); E_IDENTITY_INVALID for anything malformed, including an identity whose
 * private keys do not match its public keys.
 */
export async function importIdentity(text: string, passphrase: string): Promise<Identity> {
  if (passphrase === '') throw new SensitivityError('E_USAGE', 'a passphrase is required');
  const jwe = text.trim();
  // RFC 7516 §7.1: five segments; the encrypted key is empty for direct encryption (refused below by alg).
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(jwe)) throw invalid('not a compact JWE');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jwe);
  } catch {
    throw invalid('unreadable header');
  }
  if (header.cty !== IDENTITY_FILE_CTY) throw invalid(`content type ${JSON.stringify(header.cty)}`);
  if (header.alg !== ALG || header.enc !== ENC) throw invalid(`algorithms ${String(header.alg)}/${String(header.enc)}`);
  const p2c = header.p2c;
  if (typeof p2c !== 'number' || !Number.isSafeInteger(p2c) || p2c < PBES2_ITERATIONS || p2c > MAX_ITERATIONS) {
    throw invalid(`PBES2 count ${String(p2c)} outside ${PBES2_ITERATIONS}–${MAX_ITERATIONS}`);
  }
  let plaintext: Uint8Array;
  try {
    ({ plaintext } = await compactDecrypt(jwe, passphraseBytes(passphrase), {
      keyManagementAlgorithms: [ALG],
      contentEncryptionAlgorithms: [ENC],
      maxPBES2Count: MAX_ITERATIONS,
    }));
  } catch (e) {
    if (e instanceof errors.JWEDecryptionFailed) {
      throw new SensitivityError('E_PASSPHRASE', 'wrong passphrase (or the identity file was altered); try again');
    }
    throw invalid(e instanceof Error ? e.message : 'undecryptable');
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
  } catch {
    throw invalid('the content is not JSON');
  }
  return parseIdentity(json);
}
