// Baseline for `npm run bench`: a plain Node stream through node:crypto AES-256-GCM with the envelope's
// chunking (per-chunk nonce = 7-byte prefix || 4-byte counter || last flag, 16-byte tag), disk to disk.
// Usage: node node-gcm.mjs enc|dec IN OUT CHUNK_SIZE
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createReadStream, openSync, writeSync, fsyncSync, closeSync } from 'node:fs';

const [mode, input, output, chunkArg] = process.argv.slice(2);
const chunk = Number(chunkArg);
const TAG = 16;
const key = Buffer.alloc(32, 7);
const prefix = Buffer.alloc(7, 1);

function nonce(counter, last) {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(counter, 7);
  n[11] = last ? 1 : 0;
  return n;
}

const inSize = mode === 'enc' ? chunk : chunk + TAG;
const out = openSync(output, 'w');
let counter = 0;
let pending = Buffer.alloc(0);
const seal = (piece, last) => {
  if (mode === 'enc') {
    const c = createCipheriv('aes-256-gcm', key, nonce(counter++, last));
    writeSync(out, Buffer.concat([c.update(piece), c.final(), c.getAuthTag()]));
  } else {
    const d = createDecipheriv('aes-256-gcm', key, nonce(counter++, last));
    d.setAuthTag(piece.subarray(piece.length - TAG));
    writeSync(out, Buffer.concat([d.update(piece.subarray(0, piece.length - TAG)), d.final()]));
  }
};
if (mode === 'enc') writeSync(out, randomBytes(64)); // stands in for a header
let first = mode !== 'enc';
for await (const buf of createReadStream(input, { highWaterMark: 1 << 20 })) {
  pending = pending.length ? Buffer.concat([pending, buf]) : buf;
  if (first) {
    pending = pending.subarray(64);
    first = false;
  }
  // Keep at least one byte back so the last chunk is known when the input ends.
  while (pending.length > inSize) {
    seal(pending.subarray(0, inSize), false);
    pending = pending.subarray(inSize);
  }
}
seal(pending, true);
fsyncSync(out);
closeSync(out);
