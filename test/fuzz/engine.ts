/**
 * The fuzzing loop: fast-check draws mutation cases (test/fuzz/mutate.ts) over a corpus that starts as the
 * committed seeds; with coverage guidance (V8's block coverage through the inspector, restricted to the
 * target's files) every input that runs a block no earlier input ran joins the corpus, so later mutations
 * build on it. A failure is an exception the target does not accept or an input that takes longer than
 * HANG_MS; fast-check shrinks it to fewer mutations and the smallest failing input is returned.
 */
import { Session } from 'node:inspector/promises';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { applyCase, caseArb } from './mutate.js';
import { seeds, type Target } from './targets.js';

/** An input that takes longer than this is a hang (unless the target allows more). */
export const HANG_MS = 10_000;
/** Guided runs take coverage once per this many inputs. */
const BATCH = 64;

export interface Failure {
  readonly input: Uint8Array;
  readonly error: string;
}

export interface FuzzResult {
  readonly target: string;
  readonly executions: number;
  /** Inputs added to the corpus because they ran new blocks (guided runs only). */
  readonly found: readonly Uint8Array[];
  readonly failure?: Failure;
}

/** Runs `input` through `target`; the failure, if it is one. */
export async function execute(target: Target, input: Uint8Array): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const limit = target.hangMs ?? HANG_MS;
  const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), limit)));
  try {
    const r = await Promise.race([target.run(input).then(() => 'ok' as const), hang]);
    return r === 'hang' ? `no answer within ${limit} ms` : undefined;
  } catch (e) {
    return target.accepts(e) ? undefined : e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
  } finally {
    clearTimeout(timer);
  }
}

/** Block coverage of some source files, for guidance: which blocks have run so far. */
export class Coverage {
  readonly #session = new Session();
  readonly #urls: Set<string>;
  /** Per function (url + start): every block range ever seen, and those that have run. */
  readonly #known = new Map<string, Set<string>>();
  readonly #ran = new Set<string>();

  private constructor(files: readonly string[]) {
    this.#urls = new Set(files.map((f) => pathToFileURL(resolve(f)).href));
  }

  static async start(files: readonly string[]): Promise<Coverage> {
    const c = new Coverage(files);
    c.#session.connect();
    await c.#session.post('Profiler.enable');
    // Binary block coverage: each take reports what ran since the last one.
    await c.#session.post('Profiler.startPreciseCoverage', { callCount: false, detailed: true });
    return c;
  }

  /**
   * How many blocks ran for the first time since the last call; with `commit` false they are not recorded
   * as run (a batch is checked first, then its inputs one by one to find which ran them).
   */
  async newBlocks(commit = true): Promise<number> {
    const { result } = await this.#session.post('Profiler.takePreciseCoverage');
    let fresh = 0;
    for (const script of result) {
      if (!this.#urls.has(script.url)) continue;
      for (const fn of script.functions) {
        const [whole, ...inner] = fn.ranges;
        if (!whole || whole.count === 0) continue;
        const key = `${script.url}:${whole.startOffset}`;
        const known = this.#known.get(key) ?? new Set<string>();
        this.#known.set(key, known);
        const skipped = inner.filter((r) => r.count === 0);
        for (const r of [whole, ...inner]) known.add(`${r.startOffset}-${r.endOffset}`);
        // A block ran unless a range reported as not run contains it.
        for (const block of known) {
          const [s, e] = block.split('-').map(Number) as [number, number];
          if (skipped.some((z) => z.startOffset <= s && e <= z.endOffset)) continue;
          const id = `${key}/${block}`;
          if (!this.#ran.has(id)) {
            if (commit) this.#ran.add(id);
            fresh++;
          }
        }
      }
    }
    return fresh;
  }

  async stop(): Promise<void> {
    await this.#session.post('Profiler.stopPreciseCoverage');
    this.#session.disconnect();
  }
}

/** Fuzzes `target` for `timeMs` (or `runs` inputs, whichever ends first). */
export async function fuzz(target: Target, options: { timeMs: number; runs?: number; seed?: number; guided?: boolean }): Promise<FuzzResult> {
  const corpus = seeds(target.corpus);
  const found: Uint8Array[] = [];
  const coverage = options.guided ? await Coverage.start(target.files) : undefined;
  let executions = 0;
  let failure: Failure | undefined;
  const batch: Uint8Array[] = [];
  // Coverage is taken once per batch (a take costs milliseconds); a batch that ran new blocks is run
  // again input by input, and each input that runs some of them joins the corpus.
  const keepNew = async (inputs: readonly Uint8Array[]): Promise<void> => {
    if ((await coverage!.newBlocks(false)) === 0) return;
    for (const input of inputs) {
      await execute(target, input);
      if ((await coverage!.newBlocks()) > 0) {
        corpus.push(input);
        found.push(input);
      }
    }
  };
  await target.setup?.();
  try {
    if (coverage) {
      for (const s of corpus) await execute(target, s);
      await coverage.newBlocks();
    }
    await fc
      .assert(
        fc.asyncProperty(caseArb, async (c) => {
          const input = applyCase(c, corpus, target.fields ?? []);
          executions++;
          const error = await execute(target, input);
          if (error !== undefined) {
            failure = { input, error }; // the last one is the smallest fast-check found
            return false;
          }
          if (coverage) {
            batch.push(input);
            if (batch.length === BATCH) await keepNew(batch.splice(0));
          }
          return true;
        }),
        {
          numRuns: options.runs ?? Number.MAX_SAFE_INTEGER,
          interruptAfterTimeLimit: options.timeMs,
          markInterruptAsFailure: false,
          ...(options.seed !== undefined ? { seed: options.seed } : {}),
        },
      )
      .catch((e: unknown) => {
        if (!failure) throw e;
      });
    if (coverage && !failure) await keepNew(batch);
  } finally {
    await coverage?.stop();
    await target.teardown?.();
  }
  return { target: target.name, executions, found, ...(failure ? { failure } : {}) };
}
