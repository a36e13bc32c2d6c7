/** `openVersion`: the plaintext of another version of a protected file (git's HEAD or index), from its bytes. Needs VIEW. */
import { memorySink, randomAccessOf, type EnvelopeInfo } from '../envelope/index.js';
import type { Right } from '../rights.js';
import { guarded, requireIdentity } from './context.js';
import { openHandle } from './open.js';
import type { AppContext, ReadHandle } from './ports.js';
import type { Standing } from './versions.js';

/**
 * Decrypts `envelope`, a version of the protected file at `path` that is not on disk (a blob from git), in
 * memory. Recorded and decided as `open` is (an older version reads, and says so); the plaintext never touches the disk.
 */
export async function openVersion(
  ctx: AppContext,
  path: string,
  envelope: Uint8Array,
): Promise<{ content: Uint8Array; rights: readonly Right[]; info: EnvelopeInfo; standing: Standing }> {
  requireIdentity(ctx);
  const h: ReadHandle = { ...randomAccessOf(envelope), mode: 0o600, close: async () => undefined };
  const sink = memorySink();
  const opened = await guarded(ctx, path, 'VIEW', () => openHandle(ctx, path, h, sink));
  return { content: sink.bytes(), rights: opened.rights, info: opened, standing: opened.standing };
}
