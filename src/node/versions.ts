/**
 * The Node adapter of the core's `VersionMemory`: `$SENSITIVITY_HOME/versions.json` maps each line of policy
 * versions (content id and first version) to the head of its access history this user accepted: every
 * version's policy digest, and who signed the last. Updated read-modify-write under the file's lock and
 * written atomically (0600), like the other stores; kept in the home folder, never in the workspace, so
 * whoever can edit the workspace cannot rewrite it. Only a head that extends the remembered one replaces it:
 * nothing a file says can lower it, fork it or make it unreadable.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { relate, type HistoryHead, type VersionMemory } from '../core/app/index.js';
import type { SignedHistory } from '../core/envelope/index.js';
import { SensitivityError } from '../core/errors.js';
import { withLock } from './lock.js';
import { readTextIfExists, writeFileAtomic } from './node-io.js';

export const versionsPath = (home: string) => join(home, 'versions.json');
/** Where the signed history of an owner's head is kept, one small file per line (named by it: letters, digits, `_-.`). */
const signedPath = (home: string, lineId: string) => join(home, 'heads', `${lineId}.json`);

type Heads = ReadonlyMap<string, HistoryHead>;

const DIGEST = /^[A-Za-z0-9_-]{43}$/;
const LINE = /^[A-Za-z0-9_-]{1,64}\.[A-Za-z0-9_-]{43}$/;

function invalid(path: string): SensitivityError {
  // Fail closed: a damaged memory must not silently forget every head seen.
  return new SensitivityError('E_FORMAT', 'is not a valid record of the access histories seen; fix or remove it', path);
}

function parseHead(v: unknown): HistoryHead | undefined {
  const o = v as { history?: unknown; signer?: { id?: unknown; email?: unknown } } | null;
  if (typeof o !== 'object' || o === null || !Array.isArray(o.history) || o.history.length === 0) return undefined;
  if (!o.history.every((d) => typeof d === 'string' && DIGEST.test(d))) return undefined;
  if (typeof o.signer?.id !== 'string' || typeof o.signer.email !== 'string') return undefined;
  return { history: o.history as string[], signer: { id: o.signer.id, email: o.signer.email } };
}

function parse(text: string | undefined, path: string): Heads {
  if (text === undefined) return new Map();
  let file: { v?: unknown; heads?: unknown } | undefined;
  try {
    file = JSON.parse(text) as typeof file;
  } catch {
    throw invalid(path);
  }
  // Format 1 of this file kept numbers only, which cannot tell a fork from the real history: it is started afresh.
  if (file?.v === 1) return new Map();
  if (file?.v !== 2 || typeof file.heads !== 'object' || file.heads === null || Array.isArray(file.heads)) throw invalid(path);
  const heads = new Map<string, HistoryHead>();
  for (const [line, value] of Object.entries(file.heads)) {
    const head = parseHead(value);
    if (!LINE.test(line) || !head) throw invalid(path);
    heads.set(line, head);
  }
  return heads;
}

const serialise = (heads: Heads): string => JSON.stringify({ v: 2, heads: Object.fromEntries(heads) }, null, 1) + '\n';

/** The heads this user has accepted, kept in `home`; parsed once per change of the file (listings ask for thousands). */
export function homeVersionMemory(home: string): VersionMemory {
  const path = versionsPath(home);
  let cached: { stamp: string; heads: Heads } | undefined;
  const load = async (): Promise<Heads> => {
    const st = await fs.stat(path).catch(() => undefined);
    const stamp = st ? `${st.mtimeMs}:${st.size}:${st.ino}` : 'absent';
    if (cached?.stamp !== stamp) cached = { stamp, heads: parse(st ? await readTextIfExists(path) : undefined, path) };
    return cached.heads;
  };
  return {
    async head(lineId) {
      return (await load()).get(lineId);
    },
    async seenInFormat2(cid) {
      return [...(await load()).keys()].some((line) => line.startsWith(`${cid}.`));
    },
    async remember(lineId, head, signed) {
      if (!LINE.test(lineId) || !parseHead(head)) throw new TypeError('not a history head');
      await fs.mkdir(join(home, 'heads'), { recursive: true, mode: 0o700 });
      await withLock(path, async () => {
        const heads = parse(await readTextIfExists(path), path);
        const r = relate(heads.get(lineId), head.history);
        if (r !== 'new' && r !== 'extends') return;
        // The signed history always belongs to the head beside it: replaced with it, or removed.
        if (signed) await writeFileAtomic(signedPath(home, lineId), JSON.stringify({ v: 1, line: lineId, signed }), 0o600);
        else await fs.rm(signedPath(home, lineId), { force: true });
        await writeFileAtomic(path, serialise(new Map([...heads, [lineId, { history: [...head.history], signer: { ...head.signer } }]])), 0o600);
      });
    },
    async signed(lineId) {
      if (!LINE.test(lineId)) return undefined;
      try {
        const f = JSON.parse((await readTextIfExists(signedPath(home, lineId))) ?? 'null') as { line?: unknown; signed?: Partial<SignedHistory> } | null;
        const s = f?.signed;
        const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
        if (f?.line !== lineId || typeof s?.policy !== 'string' || !strings(s.lineage) || !Array.isArray(s.witness)) return undefined;
        // Verified again (signatures, lineage, receipts) by whoever builds on it.
        return { policy: s.policy, lineage: s.lineage, witness: s.witness };
      } catch {
        return undefined;
      }
    },
  };
}
