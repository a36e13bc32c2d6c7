/**
 * `merge`: a three-way merge of a protected file (git's merge driver). Decrypts base, ours and theirs (EDIT
 * on each), merges the plaintexts with the host's text merge, and writes the result into "ours" under the
 * policy of "ours". A merge never widens access: when ours and theirs differ in who may read, it refuses.
 */
import { type EnvelopeLabel, type EnvelopePolicy, memorySink, openEnvelope, randomAccessOf, replaceEnvelopeContent } from '../envelope/index.js';
import { SensitivityError } from '../errors.js';
import type { Identity } from '../identity.js';
import { actorOf, guarded, requireIdentity, keyServiceOf, timeAndChance, withHandle } from './context.js';
import type { AppContext, ReadHandle } from './ports.js';

/** The three plaintexts of a merge. */
export interface MergeSides<T> {
  readonly base: T;
  readonly ours: T;
  readonly theirs: T;
}

/** A text merge (git's `merge-file`): the merged bytes, with conflict markers where sides disagree, and how many conflicts. */
export type TextMerge = (sides: MergeSides<Uint8Array>) => Promise<{ readonly merged: Uint8Array; readonly conflicts: number }>;

export interface MergeRequest {
  /** Workspace-relative paths of the three envelopes (git's temporary files need not end in `.protected`). */
  readonly paths: MergeSides<string>;
  /** The file being merged, as audit records and errors name it. */
  readonly file: string;
  readonly merge: TextMerge;
}

export interface MergeOutcome {
  /** 0 when the merge is clean; otherwise the result holds conflict markers (still encrypted). */
  readonly conflicts: number;
  readonly label: EnvelopeLabel;
}

/** The identities that may read content under `policy`, in a stable order. */
const readers = (policy: EnvelopePolicy): string =>
  policy.grants
    .filter((g) => g.rights.includes('VIEW'))
    .map((g) => g.id)
    .sort()
    .join(',');

async function decrypt(ctx: AppContext, id: Identity, h: ReadHandle): Promise<{ content: Uint8Array; policy: EnvelopePolicy }> {
  const sink = memorySink();
  const opened = await openEnvelope(h, sink, id, { right: 'EDIT', clock: ctx.clock, ...keyServiceOf(ctx) });
  return { content: sink.bytes(), policy: opened.policy };
}

/**
 * Merges the protected file's three versions into `paths.ours` (replaced atomically). Plaintexts live in
 * memory only here and are wiped afterwards; the text merge is the host's to keep off the disk.
 * E_POLICY_MISMATCH when ours and theirs differ in who may read; denials as for `open` (needs EDIT).
 */
export async function merge(ctx: AppContext, req: MergeRequest): Promise<MergeOutcome> {
  const id = requireIdentity(ctx);
  const { paths, file } = req;
  const plain: Uint8Array[] = [];
  try {
    return await guarded(ctx, file, 'EDIT', async () => {
      const base = await withHandle(ctx, paths.base, (h) => decrypt(ctx, id, h));
      const theirs = await withHandle(ctx, paths.theirs, (h) => decrypt(ctx, id, h));
      plain.push(base.content, theirs.content);
      return withHandle(ctx, paths.ours, async (h) => {
        const ours = await decrypt(ctx, id, h);
        plain.push(ours.content);
        if (readers(ours.policy) !== readers(theirs.policy)) {
          throw new SensitivityError(
            'E_POLICY_MISMATCH',
            'the two sides of the merge differ in who may read them, so merging would widen access; merge by hand',
            file,
            {
              details: { ours: ours.policy.label.name, theirs: theirs.policy.label.name },
            },
          );
        }
        const { merged, conflicts } = await req.merge({ base: base.content, ours: ours.content, theirs: theirs.content });
        plain.push(merged);
        await ctx.files.replace(paths.ours, h.mode, async (sink) => {
          await replaceEnvelopeContent(h, randomAccessOf(merged), sink, id, { size: merged.length, ...timeAndChance(ctx), ...keyServiceOf(ctx) });
          await ctx.audit.append({ action: 'edit', actor: actorOf(ctx), file, size: merged.length, merge: true, conflicts });
        });
        return { conflicts, label: ours.policy.label };
      });
    });
  } finally {
    for (const p of plain) p.fill(0);
  }
}
