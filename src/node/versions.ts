/**
 * The Node adapter of the core's `VersionMemory`: `$SENSITIVITY_HOME/versions.json` maps each line of policy
 * versions (content id and first version) to the head of its access history this user accepted: every
 * version's policy digest, and who signed the last. Updated read-modify-write under the file's lock and
 * written atomically (0600), like the other stores; kept in the home folder, never in the workspace, so
 * whoever can edit the workspace cannot rewrite it. Only a head that extends the remembered one replaces it:
 * nothing a file says can lower it, fork it or make it unreadable. Beside the heads, `witness` keeps per line the
 * organisation witness's head a Double Key decrypt last answered (version, digest, when signed), from receipts that
 * verified: only the organisation's later word replaces it.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { relate, replacesOrganisationHead, type HistoryHead, type OrganisationHead, type VersionMemory } from '../core/app/index.js';
import type { SignedHistory } from '../core/envelope/index.js';
import { SensitivityError } from '../core/errors.js';
import { withLock } from './lock.js';
import { readTextIfExists, writeFileAtomic } from './node-io.js';

export const versionsPath = (home: string) => join(home, 'versions.json');
/** Where the signed history of an owner's head is kept, one small file per line (named by it: letters, digits, `_-.`). */
const signedPath = (home: string, lineId: string) => join(home, 'heads', `${lineId}.json`);

type Heads = ReadonlyMap<string, HistoryHead>;
/** The file's two maps: the heads this user accepted, and the organisation's heads answered (issue 21). */
interface Memory {
  readonly heads: Heads;
  readonly witness: ReadonlyMap<string, OrganisationHead>;
}
const EMPTY: Memory = { heads: new Map(), witness: new Map() };

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

function parseOrganisationHead(v: unknown): OrganisationHead | undefined {
  const o = v as { ver?: unknown; pd?: unknown; iat?: unknown } | null;
  if (typeof o !== 'object' || o === null || !Number.isSafeInteger(o.ver) || (o.ver as number) < 1) return undefined;
  if (typeof o.pd !== 'string' || !DIGEST.test(o.pd) || !Number.isSafeInteger(o.iat)) return undefined;
  return { ver: o.ver as number, pd: o.pd, iat: o.iat as number };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parse(text: string | undefined, path: string): Memory {
  if (text === undefined) return EMPTY;
  let file: { v?: unknown; heads?: unknown; witness?: unknown } | undefined;
  try {
    file = JSON.parse(text) as typeof file;
  } catch {
    throw invalid(path);
  }
  // Format 1 of this file kept numbers only, which cannot tell a fork from the real history: it is started afresh.
  if (file?.v === 1) return EMPTY;
  if (file?.v !== 2 || !isRecord(file.heads) || (file.witness !== undefined && !isRecord(file.witness))) throw invalid(path);
  const heads = new Map<string, HistoryHead>();
  for (const [line, value] of Object.entries(file.heads)) {
    const head = parseHead(value);
    if (!LINE.test(line) || !head) throw invalid(path);
    heads.set(line, head);
  }
  const witness = new Map<string, OrganisationHead>();
  for (const [line, value] of Object.entries(file.witness ?? {})) {
    const head = parseOrganisationHead(value);
    if (!LINE.test(line) || !head) throw invalid(path);
    witness.set(line, head);
  }
  return { heads, witness };
}

const serialise = ({ heads, witness }: Memory): string =>
  JSON.stringify({ v: 2, heads: Object.fromEntries(heads), ...(witness.size ? { witness: Object.fromEntries(witness) } : {}) }, null, 1) + '\n';

/** The heads this user has accepted, kept in `home`; parsed once per change of the file (listings ask for thousands). */
export function homeVersionMemory(home: string): VersionMemory {
  const path = versionsPath(home);
  let cached: { stamp: string; memory: Memory } | undefined;
  const load = async (): Promise<Memory> => {
    const st = await fs.stat(path).catch(() => undefined);
    const stamp = st ? `${st.mtimeMs}:${st.size}:${st.ino}` : 'absent';
    if (cached?.stamp !== stamp) cached = { stamp, memory: parse(st ? await readTextIfExists(path) : undefined, path) };
    return cached.memory;
  };
  return {
    async head(lineId) {
      return (await load()).heads.get(lineId);
    },
    async seenInFormat2(cid) {
      return [...(await load()).heads.keys()].some((line) => line.startsWith(`${cid}.`));
    },
    async remember(lineId, head, signed) {
      if (!LINE.test(lineId) || !parseHead(head)) throw new TypeError('not a history head');
      await fs.mkdir(join(home, 'heads'), { recursive: true, mode: 0o700 });
      await withLock(path, async () => {
        const memory = parse(await readTextIfExists(path), path);
        const r = relate(memory.heads.get(lineId), head.history);
        if (r !== 'new' && r !== 'extends') return;
        // The signed history always belongs to the head beside it: replaced with it, or removed.
        if (signed) await writeFileAtomic(signedPath(home, lineId), JSON.stringify({ v: 1, line: lineId, signed }), 0o600);
        else await fs.rm(signedPath(home, lineId), { force: true });
        const heads = new Map([...memory.heads, [lineId, { history: [...head.history], signer: { ...head.signer } }]]);
        await writeFileAtomic(path, serialise({ ...memory, heads }), 0o600);
      });
    },
    async organisationHead(lineId) {
      return (await load()).witness.get(lineId);
    },
    async rememberOrganisationHead(lineId, head) {
      if (!LINE.test(lineId) || !parseOrganisationHead(head)) throw new TypeError('not an organisation head');
      // Most opens answer the head already kept: no lock, no write.
      if (!replacesOrganisationHead((await load()).witness.get(lineId), head)) return;
      await fs.mkdir(home, { recursive: true, mode: 0o700 });
      await withLock(path, async () => {
        const memory = parse(await readTextIfExists(path), path);
        if (!replacesOrganisationHead(memory.witness.get(lineId), head)) return;
        const witness = new Map([...memory.witness, [lineId, { ver: head.ver, pd: head.pd, iat: head.iat }]]);
        await writeFileAtomic(path, serialise({ ...memory, witness }), 0o600);
      });
    },
    async forgetOrganisationHead(lineId) {
      if (!(await load()).witness.has(lineId)) return;
      await withLock(path, async () => {
        const memory = parse(await readTextIfExists(path), path);
        if (!memory.witness.has(lineId)) return;
        const witness = new Map(memory.witness);
        witness.delete(lineId);
        await writeFileAtomic(path, serialise({ ...memory, witness }), 0o600);
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
