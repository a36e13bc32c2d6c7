/** A scan pool's worker (scan-pool.ts): says it is ready, then scans each batch of files it is handed and answers with their results. */
import { parentPort, workerData } from 'node:worker_threads';
// The detectors alone, not '../core/index.js': through it esbuild bundled the document readers (fast-xml-parser,
// is-unsafe, the policy schema) into dist/scan-worker.js, 176 KB against 64 KB, which every worker compiled and ran at start.
import { scannerFor, type DetectionPolicy } from '../core/detect/index.js';
import { READY, readReusing, scanBytes, type Reply, type Request } from './scan-pool.js';

const detection = (workerData as { detection?: DetectionPolicy }).detection;
parentPort!.on('message', ({ paths }: Request) => {
  let reply: Reply;
  try {
    reply = { results: paths.map((abs) => scanBytes(detection, readReusing(abs))) };
  } catch (e) {
    reply = { error: e instanceof Error ? e.message : String(e) };
  }
  parentPort!.postMessage(reply);
});
// Compiled and listening: a file's time limit counts from here, not from a start-up slowed by load.
scannerFor(detection);
parentPort!.postMessage(READY);
