// Baseline for `npm run bench`: node:crypto AES-256-GCM with the envelope's chunking (per-chunk nonce =
// 7-byte prefix || 4-byte counter || last flag, 16-byte tag), as fast as one Node thread does it: each chunk
// read at its offset into one reused buffer, encrypted or decrypted by node:crypto (no WebCrypto copies),
// its output written at once. No signature, no header to verify, no audit: the floor of a Node process doing
// the bulk work alone, which `sensitivity` (that and more) is measured against beside age.
//   enc IN OUT CHUNK     encrypt a file (a 64-byte stand-in header first), like protect --keep (no fsync: the source stays)
//   dec IN OUT CHUNK     decrypt to a file, like unprotect --keep
//   cat IN - CHUNK       decrypt to stdout, like cat
//   reenc IN OUT CHUNK   decrypt and encrypt again under another key, fsync, like revoke
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';

const [mode, input, output, chunkArg] = process.argv.slice(2);
const chunk = Number(chunkArg);
const TAG = 16;
const HEADER = 64;
const keys = [Buffer.alloc(32, 7), Buffer.alloc(32, 9)];
const prefix = Buffer.alloc(7, 1);

function nonce(counter, last) {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(counter, 7);
  n[11] = last ? 1 : 0;
  return n;
}

/** Writes a sealed chunk (ciphertext, then its tag). */
function seal(out, key, i, piece, last) {
  const c = createCipheriv('aes-256-gcm', key, nonce(i, last));
  const body = c.update(piece);
  c.final();
  writeSync(out, body);
  writeSync(out, c.getAuthTag());
}

/** The plaintext of a sealed chunk, authenticated before it is returned. */
function open(key, i, piece, last) {
  const d = createDecipheriv('aes-256-gcm', key, nonce(i, last));
  d.setAuthTag(piece.subarray(piece.length - TAG));
  const plain = d.update(piece.subarray(0, piece.length - TAG));
  d.final();
  return plain;
}

const step = {
  enc: (out, i, piece, last) => seal(out, keys[0], i, piece, last),
  dec: (out, i, piece, last) => writeSync(out, open(keys[0], i, piece, last)),
  cat: (out, i, piece, last) => writeSync(out, open(keys[0], i, piece, last)),
  reenc: (out, i, piece, last) => seal(out, keys[1], i, open(keys[0], i, piece, last), last),
}[mode];
if (!step) throw new Error(`unknown mode ${mode}`);

const inFd = openSync(input, 'r');
const out = mode === 'cat' ? 1 : openSync(output, 'w');
const skip = mode === 'enc' ? 0 : HEADER;
const piece = mode === 'enc' ? chunk : chunk + TAG;
const body = fstatSync(inFd).size - skip;
const count = Math.max(1, Math.ceil(body / piece));
if (mode === 'enc' || mode === 'reenc') writeSync(out, randomBytes(HEADER)); // stands in for a header
const buf = Buffer.allocUnsafe(piece);
for (let i = 0; i < count; i++) {
  const n = readSync(inFd, buf, 0, Math.min(piece, body - i * piece), skip + i * piece);
  step(out, i, buf.subarray(0, n), i === count - 1);
}
closeSync(inFd);
if (out !== 1) {
  // Like revoke, which replaces the only copy: only the rewrite is made durable.
  if (mode === 'reenc') fsyncSync(out);
  closeSync(out);
}
