/**
 * The `sensitivity` executable (dist/cli.js): runs the CLI bundle (dist/cli-main.js) through V8's code
 * cache. Node 20 has no `module.enableCompileCache()` (22+), and compiling the bundle's functions is a
 * fixed cost of every run, before its first byte: with the cache, a protect of a 4-byte file executes 9%
 * fewer instructions in all, Node's own start included (callgrind, issue 11).
 *
 * The caches live beside the bundle (same folder, same owner: whoever can write them can write the
 * bundle), named after the bundle's digest, so a rebuilt bundle never meets an old cache, and after the
 * command's first word, as each holds the functions one run compiled: a protect's are not an `id new`'s.
 * V8 refuses a cache from another V8 version or other flags, a truncated one, and — with its checksum on (below) — a
 * damaged one (then the bundle compiles as usual and the cache is rewritten). A successful run without a usable cache writes one as it exits; when the folder is not
 * writable (a system-wide install), runs simply compile. Only node: built-ins load here.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Module } from 'node:module';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

/** The bundle's SHA-256 (hex, first 16), set by esbuild.mjs once the bundle is built; '' in watch mode (no cache). */
declare const __BUNDLE_DIGEST__: string;

const bundle = join(__dirname, 'cli-main.js');
const command = /^[a-z]{1,16}$/.test(process.argv[2] ?? '') ? process.argv[2]! : 'other';
const cachePath = join(__dirname, `cli-main.${__BUNDLE_DIGEST__}.${command}.cache`);

function readCache(): Buffer | undefined {
  if (!__BUNDLE_DIGEST__) return undefined;
  try {
    return readFileSync(cachePath);
  } catch {
    return undefined;
  }
}

/** Writes the cache through a temp name (concurrent runs each write a whole file; the last rename wins). */
function writeCache(script: Script): void {
  if (!__BUNDLE_DIGEST__) return;
  const tmp = `${cachePath}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cachePath);
  } catch {
    rmSync(tmp, { force: true });
  }
}

// The bundle paces young-generation collections on large bodies (`paceCollections`, src/node/file-reader.ts):
// set before it compiles, so its code cache is made and checked under the same flags.
setFlagsFromString('--expose-gc');
// Release builds of V8 check a code cache's version, flags and length but not its bytes: a cache damaged on disk
// crashed the process (V8_Fatal in the deserializer). With this flag V8 writes a checksum into each cache and
// refuses one that does not match it, as it refuses any other unusable cache (issue 24).
setFlagsFromString('--verify-snapshot-checksum');
// `scan` and `check` run the detectors in a worker per core (src/node/scan-pool.ts), and each worker's TurboFan
// compiles them anew: ~20% of a 64 MiB scan's CPU, mostly inlining. Without it a worker's compiles cost ~0.1 CPU-s
// less and its warm speed stays within noise (issue 25). Process-wide, so only here, never in the extension host.
if (command === 'scan' || command === 'check') setFlagsFromString('--no-turbo-inlining');
const cachedData = readCache();
// The bundle has no `import()` (esbuild.mjs turns them into require), which a vm.Script could not resolve.
const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, ...(cachedData ? { cachedData } : {}) });
// Only a run that succeeded writes its cache: a mistyped command names no cache file.
if (!cachedData || script.cachedDataRejected) process.once('exit', (code) => code === 0 && writeCache(script));
(script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, require, module, bundle, __dirname);
