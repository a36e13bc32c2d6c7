/**
 * `merge`: a three-way merge of a protected file (git's merge driver). Decrypts base, ours and theirs (EDIT
 * on each), merges the plaintexts with the host's text merge, and writes the result under the access policy
 * of the side whose history extends the other's: a rights reduction or an expiry on either branch is never
 * undone, and a side that is not a version of the same file (a Viewer's own copy) is refused.
 */
import { type EnvelopeLabel, type OpenedEnvelope, memorySink, openEnvelope, randomAccessOf, replaceEnvelopeContent } from '../envelope/index.js';
import { SensitivityError } from '../errors.js';
import type { Identity } from '../identity.js';
import { actorOf, guarded, requireIdentity, keyServiceOf, timeAndChance, withHandle } from './context.js';
import type { AppContext, ReadHandle } from './ports.js';
import { checkHistory, headOf, relate, witnessHeadCheck } from './versions.js';

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

/** One side of a merge: its plaintext, and its envelope as authenticated (EDIT). */
interface Side {
  readonly content: Uint8Array;
  readonly info: OpenedEnvelope;
}

async function decrypt(ctx: AppContext, id: Identity, h: ReadHandle, file: string): Promise<Side> {
  const sink = memorySink();
  const info = await openEnvelope(h, sink, id, { right: 'EDIT', clock: ctx.clock, ...keyServiceOf(ctx) });
  const content = sink.bytes();
  if (info.lineageId === undefined) {
    content.fill(0);
    throw new SensitivityError('E_READ_ONLY_FORMAT', 'one side of the merge is in the old format 1, which nothing is built on; merge by hand', file);
  }
  return { content, info };
}

/**
 * The side whose access history extends the other's (its policy is the later decision: a grant, a revoke or an
 * expiry made on that branch stands). E_FORK when a side is another file's history (a copy re-protected with
 * the same content id, a Viewer's own line); E_POLICY_MISMATCH when both branches changed access independently.
 */
function later(ours: Side, theirs: Side, base: Side, file: string): 'ours' | 'theirs' {
  if (ours.info.lineageId !== theirs.info.lineageId || base.info.lineageId !== ours.info.lineageId) {
    throw new SensitivityError(
      'E_FORK',
      'the sides of the merge are not versions of one protected file (a copy re-protected with its content id?); do not merge them',
      file,
    );
  }
  const r = relate(headOf(ours.info), theirs.info.history);
  if (r === 'fork') {
    throw new SensitivityError(
      'E_POLICY_MISMATCH',
      `both branches changed who may access it (ours: version ${ours.info.history.length}, theirs: version ${theirs.info.history.length}, neither built on the other); merge by hand, then grant or revoke deliberately`,
      file,
      { details: { ours: ours.info.policy.label.name, theirs: theirs.info.policy.label.name } },
    );
  }
  return r === 'extends' ? 'theirs' : 'ours';
}

/**
 * Merges the protected file's three versions into `paths.ours` (replaced atomically), under the access policy
 * of the side whose history extends the other's, so a grant, revoke or expiry made on either branch stands;
 * nothing is built on a side that is older than the history this user or git has seen (E_ROLLBACK). Plaintexts
 * live in memory only here and are wiped afterwards; the text merge is the host's to keep off the disk.
 * Denials as for `open` (needs EDIT on all three).
 */
export async function merge(ctx: AppContext, req: MergeRequest): Promise<MergeOutcome> {
  const id = requireIdentity(ctx);
  const { paths, file } = req;
  const plain: Uint8Array[] = [];
  const keep = (s: Side): Side => (plain.push(s.content), s);
  try {
    return await guarded(ctx, file, 'EDIT', () =>
      withHandle(ctx, paths.base, (hb) =>
        withHandle(ctx, paths.theirs, (ht) =>
          withHandle(ctx, paths.ours, async (ho) => {
            const base = keep(await decrypt(ctx, id, hb, file));
            const theirs = keep(await decrypt(ctx, id, ht, file));
            const ours = keep(await decrypt(ctx, id, ho, file));
            // Ours is what HEAD holds: a fork of what memory or git has seen is refused. Theirs is judged against ours (and then as the side built on).
            await checkHistory(ctx, file, ours.info, 'read');
            const winner = later(ours, theirs, base, file) === 'theirs' ? { side: theirs, h: ht } : { side: ours, h: ho };
            await checkHistory(ctx, file, winner.side.info, 'build');
            const { merged, conflicts } = await req.merge({ base: base.content, ours: ours.content, theirs: theirs.content });
            plain.push(merged);
            await ctx.files.replace(paths.ours, ho.mode, async (sink) => {
              await replaceEnvelopeContent(winner.h, randomAccessOf(merged), sink, id, {
                size: merged.length,
                ...timeAndChance(ctx),
                // The organisation witness's head in the decrypt answer: a winner older than it is not built on (E_ROLLBACK).
                ...keyServiceOf(ctx, witnessHeadCheck(ctx, winner.side.info, 'build').onWitnessHead),
              });
              await ctx.audit.append({ action: 'edit', actor: actorOf(ctx), file, size: merged.length, merge: true, conflicts });
            });
            return { conflicts, label: winner.side.info.policy.label };
          }),
        ),
      ),
    );
  } finally {
    for (const p of plain) p.fill(0);
  }
}
