/**
 * git's history of a protected file as a witness of its access history (docs/FORMAT.md §14.4.1): the
 * versions committed in HEAD's ancestry (or on every branch), oldest first, each reduced to its line, the
 * digests of its policy versions and its head's signer. A committed version is read once per blob id, ever:
 * only its header (its first bytes), verified without any key, then kept in `<git dir>/sensitivity-history.json`
 * (a blob id names its bytes, so the summary never goes stale). Outside a repository it knows nothing.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CommittedVersion, HistoryWitness } from '../core/app/index.js';
import { randomAccessOf, readEnvelopeHistory } from '../core/envelope/index.js';
import { SensitivityError } from '../core/errors.js';
import { runGit } from './git.js';
import { readTextIfExists, writeFileAtomic } from './node-io.js';

/** What a blob says of itself, or null when it is not a readable envelope. */
type Summary = Omit<CommittedVersion, 'blob'> | null;

const CACHE_FILE = 'sensitivity-history.json';
/** The fixed header, the largest metadata (1 MiB) and the MAC: all a history needs of a blob. */
const FIXED = 90;
const MAX_HEADER = FIXED + 1024 * 1024 + 32;
const RAW_LINE = /^:\d+ \d+ [0-9a-f]+ ([0-9a-f]{40,64}) [A-Z]\d*\t/;
const ZERO = /^0+$/;

function isSummary(v: unknown): v is Summary {
  if (v === null) return true;
  const o = v as Partial<CommittedVersion> | undefined;
  return (
    typeof o === 'object' &&
    typeof o.cid === 'string' &&
    (o.lineId === undefined || typeof o.lineId === 'string') &&
    Array.isArray(o.history) &&
    o.history.every((d) => typeof d === 'string') &&
    typeof o.signer?.id === 'string' &&
    typeof o.signer.email === 'string'
  );
}

/** The first bytes of a blob: its header, read until the length it declares (then git is stopped). */
async function headerOfBlob(root: string, blob: string): Promise<Uint8Array> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', 'blob', blob], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] });
    const parts: Buffer[] = [];
    let got = 0;
    let need = FIXED;
    child.stdout.on('data', (b: Buffer) => {
      parts.push(b);
      got += b.length;
      if (need === FIXED && got >= FIXED) need = Math.min(MAX_HEADER, FIXED + Buffer.concat(parts).readUInt32BE(86) + 32);
      if (got >= need) child.kill();
    });
    child.on('error', reject);
    child.on('close', () => resolve(new Uint8Array(Buffer.concat(parts))));
  });
}

/** The witness over the repository that holds `root` (a workspace folder): paths are relative to it. */
export function gitHistoryWitness(root: string): HistoryWitness {
  let cache: Promise<{ path: string | undefined; blobs: Map<string, Summary> }> | undefined;
  const load = () =>
    (cache ??= (async () => {
      // The usual case (the workspace is the repository's top, with a .git folder) needs no git process.
      const own = join(root, '.git');
      const isDir = await stat(own).then(
        (st) => st.isDirectory(),
        () => false,
      );
      const r = isDir ? undefined : await runGit(['rev-parse', '--absolute-git-dir'], root).catch(() => undefined);
      const dir = isDir ? own : r?.code === 0 ? r.stdout.toString('utf8').trim() : undefined;
      const blobs = new Map<string, Summary>();
      if (!dir) return { path: undefined, blobs };
      const path = join(dir, CACHE_FILE);
      try {
        const saved = JSON.parse((await readTextIfExists(path)) ?? '{}') as { v?: unknown; blobs?: Record<string, unknown> };
        if (saved.v === 1 && saved.blobs) for (const [id, s] of Object.entries(saved.blobs)) if (isSummary(s)) blobs.set(id, s);
      } catch {
        // A damaged cache is rebuilt from git: it holds nothing git cannot say again.
      }
      return { path, blobs };
    })());

  const summarise = async (blob: string): Promise<Summary> => {
    try {
      const h = await readEnvelopeHistory(randomAccessOf(await headerOfBlob(root, blob)));
      return {
        cid: h.policy.cid,
        ...(h.lineageId !== undefined ? { lineId: h.lineageId } : {}),
        history: h.history,
        signer: { id: h.policy.owner.id, email: h.policy.owner.email },
      };
    } catch {
      return null; // not an envelope, or one that does not verify: it witnesses nothing
    }
  };

  return {
    async committed(path, scope) {
      const r = await runGit(
        ['log', '--format=', '--raw', '--no-abbrev', '--full-history', '-m', '--topo-order', '--reverse', scope === 'all' ? '--all' : 'HEAD', '--', path],
        root,
      ).catch(() => undefined);
      if (!r || r.code !== 0) return [];
      const ids = [
        ...new Set(
          r.stdout
            .toString('utf8')
            .split('\n')
            .map((line) => RAW_LINE.exec(line)?.[1])
            .filter((id): id is string => id !== undefined && !ZERO.test(id)),
        ),
      ];
      const { path: cachePath, blobs } = await load();
      const fresh = ids.filter((id) => !blobs.has(id));
      for (const id of fresh) blobs.set(id, await summarise(id));
      if (fresh.length > 0 && cachePath) {
        await writeFileAtomic(cachePath, JSON.stringify({ v: 1, blobs: Object.fromEntries(blobs) }), 0o644).catch(() => undefined);
      }
      return ids.flatMap((id) => {
        const s = blobs.get(id);
        return s ? [{ ...s, blob: id }] : [];
      });
    },
    async read(blob) {
      const r = await runGit(['cat-file', 'blob', blob], root);
      if (r.code !== 0) throw new SensitivityError('E_NOT_FOUND', `git has no blob ${blob}`, root);
      return new Uint8Array(r.stdout);
    },
  };
}
