/**
 * Content markings as a label changes: the one place that gives a file the header and footer of its new label
 * (or removes them when it has none), for plain files (replaced atomically) and protected ones (inside the
 * encrypted content, through `save`). `label.ts` and `protect.ts` call it; every host goes through them.
 */
import { sameBytes } from '../bytes.js';
import { SensitivityError } from '../errors.js';
import { applyMarkings, commentStyleOf, type MarkSkip } from '../markings/index.js';
import { plainPathOf } from '../paths.js';
import { renderMarkings, type PolicyLabel } from '../policy/index.js';
import { readWhole, withHandle } from './context.js';
import { open } from './open.js';
import type { AppContext, ReadHandle } from './ports.js';
import { save } from './save.js';

/** Files larger than this are not marked (they are read into memory to be marked). */
export const MARKING_SIZE_LIMIT = 16 * 1024 * 1024;

/**
 * What a label change did to a file's markings: `added`, `replaced` or `removed` them, left them as they were
 * (`unchanged`), or could not write the label's markings: its kind has no comments (`no-comments`: JSON, CSV,
 * binary kinds, documents), it is not UTF-8 text, its first line opens an unclosed declaration, or it is too large.
 */
export type MarkingOutcome = 'added' | 'replaced' | 'removed' | 'unchanged' | MarkSkip | 'too-large';

/** True when `label` writes a header or a footer. */
const writesMarkings = (label: PolicyLabel | undefined): boolean => {
  const marks = renderMarkings(label);
  return marks.header !== undefined || marks.footer !== undefined;
};

/** The file's new content for `label`'s markings (absent when it stays as it is), and what that is. */
function marked(content: Uint8Array, innerPath: string, label: PolicyLabel | undefined): { bytes?: Uint8Array; outcome: MarkingOutcome } {
  const result = applyMarkings(content, innerPath, renderMarkings(label));
  if ('skipped' in result) return { outcome: result.skipped };
  if (!result.changed) return { outcome: 'unchanged' };
  return { bytes: result.bytes, outcome: !writesMarkings(label) ? 'removed' : result.found ? 'replaced' : 'added' };
}

/** Why a file of this kind and size is not even read to be marked, or undefined when it is. */
const unmarkable = (innerPath: string, size: number): MarkingOutcome | undefined =>
  !commentStyleOf(innerPath) ? 'no-comments' : size > MARKING_SIZE_LIMIT ? 'too-large' : undefined;

/** What is worth saying: everything for a label with markings; for one without, only that old markings were removed. */
const said = (outcome: MarkingOutcome, label: PolicyLabel | undefined): MarkingOutcome | undefined =>
  writesMarkings(label) || outcome === 'removed' ? outcome : undefined;

const changedWhileRead = (path: string) => new SensitivityError('E_IO', 'the file changed while it was read; try again', path);

/** The plain file behind `h` marked for `label` (absent `bytes`: unchanged), its content as read, or only why it was not read. */
async function readMarked(
  h: ReadHandle,
  path: string,
  label: PolicyLabel | undefined,
): Promise<{ bytes?: Uint8Array; content?: Uint8Array; outcome: MarkingOutcome }> {
  const skip = unmarkable(path, h.size);
  if (skip) return { outcome: skip };
  const content = await readWhole(h, h.size, () => changedWhileRead(path));
  return { ...marked(content, path, label), content };
}

/** For `protect`: the plain file's content marked for `label`, to seal instead of the file's (absent `bytes`: seal the file as it is). */
export async function markedContent(h: ReadHandle, path: string, label: PolicyLabel): Promise<{ bytes?: Uint8Array; outcome?: MarkingOutcome }> {
  const { bytes, outcome } = await readMarked(h, path, label);
  const worth = said(outcome, label);
  return { ...(bytes ? { bytes } : {}), ...(worth ? { outcome: worth } : {}) };
}

/**
 * Gives the plain file at `path` the markings of `label` (none: removes any), rewriting it atomically under its
 * lock with its permission bits. Just before the new file replaces it, the file is read again: if another program
 * (an editor's save) changed it meanwhile, nothing is written (E_FILE_CHANGED), so no edit is lost. Undefined when
 * the label has no markings and the file had none.
 */
export async function markPlainFile(ctx: AppContext, path: string, label: PolicyLabel | undefined): Promise<MarkingOutcome | undefined> {
  const outcome = await ctx.files.withLock(path, () =>
    withHandle(ctx, path, async (h) => {
      const { bytes, content, outcome } = await readMarked(h, path, label);
      if (!bytes || !content) return outcome;
      await ctx.files.replace(path, h.mode, async (sink) => {
        const now = await withHandle(ctx, path, async (again): Promise<Uint8Array | undefined> =>
          again.size === content.length ? readWhole(again, again.size, () => changedWhileRead(path)) : undefined,
        );
        if (!now || !sameBytes(now, content)) {
          throw new SensitivityError('E_FILE_CHANGED', 'changed while its markings were written; nothing was written: apply the label again', path, {
            details: { hint: 'retry' },
          });
        }
        await sink.write(bytes);
      });
      return outcome;
    }),
  );
  return said(outcome, label);
}

/**
 * Gives the protected file at `path` the markings of `label` inside its encrypted content: opened (VIEW), marked,
 * and saved as an editor saves (EDIT, the same policy, E_FILE_CHANGED if its access changed meanwhile).
 */
export async function markProtectedFile(ctx: AppContext, path: string, label: PolicyLabel, size: number): Promise<MarkingOutcome | undefined> {
  const inner = plainPathOf(path);
  const skip = unmarkable(inner, size);
  if (skip) return said(skip, label);
  const { content, info } = await open(ctx, path);
  try {
    const { bytes, outcome } = marked(content, inner, label);
    if (bytes) await save(ctx, path, bytes, { expectPolicy: info.policyDigest });
    bytes?.fill(0);
    return said(outcome, label);
  } finally {
    content.fill(0);
  }
}
