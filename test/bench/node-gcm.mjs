// Baseline for `npm run bench`: a plain Node stream through node:crypto AES-256-GCM with the envelope's
// chunking (per-chunk nonce = 7-byte prefix || 4-byte counter || last flag, 16-byte tag), on the main
// thread, one chunk at a time, as a straightforward Node program would do it.
//   enc IN OUT CHUNK     encrypt a file (a 64-byte stand-in header first), fsync, like protect
//   dec IN OUT CHUNK     decrypt to a file, fsync, like unprotect
//   cat IN - CHUNK       decrypt to stdout, like cat
//   reenc IN OUT CHUNK   decrypt and encrypt again under another key, fsync, like revoke
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, openSync, writeSync } from 'node:fs';

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

const seal = (key, i, piece, last) => {
  const c = createCipheriv('aes-256-gcm', key, nonce(i, last));
  return Buffer.concat([c.update(piece), c.final(), c.getAuthTag()]);
};
const open = (key, i, piece, last) => {
  const d = createDecipheriv('aes-256-gcm', key, nonce(i, last));
  d.setAuthTag(piece.subarray(piece.length - TAG));
  return Buffer.concat([d.update(piece.subarray(0, piece.length - TAG)), d.final()]);
};
const step = {
  enc: (i, piece, last) => seal(keys[0], i, piece, last),
  dec: (i, piece, last) => open(keys[0], i, piece, last),
  cat: (i, piece, last) => open(keys[0], i, piece, last),
  reenc: (i, piece, last) => seal(keys[1], i, open(keys[0], i, piece, last), last),
}[mode];
if (!step) throw new Error(`unknown mode ${mode}`);

const out = mode === 'cat' ? 1 : openSync(output, 'w');
const inSize = mode === 'enc' ? chunk : chunk + TAG;
if (mode === 'enc' || mode === 'reenc') writeSync(out, randomBytes(HEADER)); // stands in for a header
let counter = 0;
let pending = Buffer.alloc(0);
let skip = mode === 'enc' ? 0 : HEADER;
for await (const buf of createReadStream(input, { highWaterMark: 1 << 20 })) {
  pending = pending.length ? Buffer.concat([pending, buf]) : buf;
  if (skip > 0) {
    const n = Math.min(skip, pending.length);
    pending = pending.subarray(n);
    skip -= n;
  }
  // Keep at least one byte back so the last chunk is known when the input ends.
  while (pending.length > inSize) {
    writeSync(out, step(counter++, pending.subarray(0, inSize), false));
    pending = pending.subarray(inSize);
  }
}
writeSync(out, step(counter++, pending, true));
if (out !== 1) {
  fsyncSync(out);
  closeSync(out);
}
