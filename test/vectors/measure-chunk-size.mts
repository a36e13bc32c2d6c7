/**
 * The measurement behind DEFAULT_CHUNK_SIZE (docs/FORMAT.md §Chunk size): AES-256-GCM through noble's
 * webcrypto `gcm` one chunk at a time and three in flight, node:crypto for reference, and the envelope's
 * protect / open end to end in memory, for 64 KiB, 256 KiB and 1 MiB chunks. Best of REPS runs.
 * `node --import tsx test/vectors/measure-chunk-size.mts [MiB]`
 */
import { createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gcm } from '@noble/ciphers/webcrypto.js';
import { openEnvelope, protect } from '../../src/core/envelope/index.js';
import { createIdentity } from '../../src/core/identity.js';

const MIB = 1024 * 1024;
const total = Number(process.argv[2] ?? 256) * MIB;
const REPS = Number(process.env.REPS ?? 3);
const key = crypto.getRandomValues(new Uint8Array(32));
const aad = new Uint8Array(32);
const owner = await createIdentity('Bench', 'bench@example.com');

/** Best wall-clock MB/s of REPS runs, and MB per CPU-second (all threads; steadier on a busy machine). */
async function best(fn: () => Promise<void>): Promise<string> {
  let wall = 0;
  let cpu = 0;
  for (let r = 0; r < REPS; r++) {
    const t = performance.now();
    const c = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(c);
    wall = Math.max(wall, total / 1e6 / ((performance.now() - t) / 1000));
    cpu = Math.max(cpu, total / 1e6 / ((used.user + used.system) / 1e6));
  }
  return `${Math.round(wall)} (${Math.round(cpu)})`;
}

async function* zeros(piece: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < total; i += piece) yield new Uint8Array(Math.min(piece, total - i));
}

const rows: string[] = [];
for (const cs of [64 * 1024, 256 * 1024, MIB]) {
  const n = total / cs;
  const chunk = new Uint8Array(cs);
  const gcmLoop = (inflight: number) => async () => {
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const nonce = new Uint8Array(12);
        new DataView(nonce.buffer).setUint32(7, next++);
        await gcm(key, nonce, aad).encrypt(chunk);
      }
    };
    await Promise.all(Array.from({ length: inflight }, worker));
  };
  const one = await best(gcmLoop(1));
  const three = await best(gcmLoop(3));
  const node = await best(async () => {
    for (let i = 0; i < n; i++) {
      const c = createCipheriv('aes-256-gcm', key, new Uint8Array(12));
      c.setAAD(aad);
      c.update(chunk);
      c.final();
      c.getAuthTag();
    }
  });
  let sealed: Uint8Array[] = [];
  const prot = await best(async () => {
    sealed = [];
    await protect(
      zeros(64 * 1024),
      // The write block is the second write, patched in place once the body is written.
      { write: async (c) => void sealed.push(c), writeAt: async (c) => void (sealed[1] = c) },
      { owner, label: { id: 'l', name: 'L' }, innerName: 'x', size: total, chunkSize: cs },
    );
  });
  const opened = await best(async () => {
    await openEnvelope(
      (async function* () {
        yield* sealed;
      })(),
      { write: async () => undefined },
      owner,
    );
  });
  sealed = [];
  rows.push(`| ${cs / 1024} KiB | ${one} | ${three} | ${node} | ${prot} | ${opened} |`);
}
const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? 'unknown CPU';
console.log(`${total / MIB} MiB, best of ${REPS}: wall MB/s (MB per CPU-second) — ${cpu}, Node ${process.version}`);
console.log('| chunk | webcrypto gcm, 1 in flight | webcrypto gcm, 3 in flight | node:crypto gcm (sync) | protect (in memory) | open (in memory) |');
console.log('|---|---|---|---|---|---|');
console.log(rows.join('\n'));
