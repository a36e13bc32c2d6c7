/** A scan pool's worker (scan-pool.ts): scans each file it is handed and answers with the result. */
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { DetectionPolicy } from '../core/index.js';
import { scanBytes, type Reply, type Request } from './scan-pool.js';

const detection = (workerData as { detection?: DetectionPolicy }).detection;
parentPort!.on('message', ({ id, abs }: Request) => {
  let reply: Reply;
  try {
    reply = { id, result: scanBytes(detection, readFileSync(abs)) };
  } catch (e) {
    reply = { id, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort!.postMessage(reply);
});
