/**
 * The key service's state in files (the embedded default): run-time revocations in `revocations.json` in
 * the state folder, certificates one file per email in the directory's folder, the access log a hash-chained
 * file (the audit log's format and code). Replicas on one machine may share them: every write takes the
 * audit log's cross-process lock and replaces files atomically.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { extendsWitnessHead, type WitnessHead } from '../../core/index.js';
import { appendAuditBatch } from '../../node/audit-log.js';
import { withLock } from '../../node/lock.js';
import { readTextIfExists, writeFileAtomic } from '../../node/node-io.js';
import type { Revocation, ServiceState, StoredHead } from './port.js';

const isRevocation = (v: unknown): v is Revocation =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Revocation).scope === 'string' &&
  ['people', 'contentIds', 'labels'].includes((v as Revocation).kind) &&
  typeof (v as Revocation).value === 'string';

/** The last line of a text file, if it has one (how a rotated log's successor learns where the chain stands). */
async function lastLine(file: string): Promise<string | undefined> {
  const text = await readTextIfExists(file).catch(() => undefined);
  return text?.trimEnd().split('\n').at(-1) || undefined;
}

export function fileState(folder: string, logFile: string, certificates: string | undefined): ServiceState {
  /** The log's last line as this process last saw it: a log renamed away (rotated) is continued, not restarted. */
  let lastLogged: Promise<string | undefined> | undefined;
  const revocationsFile = join(folder, 'revocations.json');
  const headsFile = join(folder, 'witness-heads.json');
  const heads = async (): Promise<Record<string, StoredHead>> => {
    const text = await readTextIfExists(headsFile);
    return text === undefined ? {} : (JSON.parse(text) as Record<string, StoredHead>);
  };
  /** The heads as last parsed, and the file's identity then: the file is parsed only when it changed. */
  let parsed: { id: string; heads: Promise<Record<string, StoredHead>> } | undefined;
  /** The heads as the last `headChanges` saw them: the next one names the lines that differ. */
  let seen: Record<string, StoredHead> | undefined;
  const currentHeads = async (): Promise<Record<string, StoredHead>> => {
    const s = await stat(headsFile).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    const id = s ? `${s.ino}:${s.size}:${s.mtimeMs}` : 'none';
    if (parsed?.id !== id) parsed = { id, heads: heads() };
    return parsed.heads;
  };
  const read = async (): Promise<Revocation[]> => {
    const text = await readTextIfExists(revocationsFile);
    if (text === undefined) return [];
    const json: unknown = JSON.parse(text);
    if (!Array.isArray(json) || !json.every(isRevocation)) throw new Error(`${revocationsFile} is not a list of revocations`);
    return json;
  };
  const certificateFile = (email: string) => join(certificates ?? folder, `${createHash('sha256').update(email).digest('hex')}.jws`);
  return {
    where: folder,
    revocations: read,
    revoke: (r, undo = false) =>
      withLock(revocationsFile, async () => {
        const all = await read();
        const same = (x: Revocation) => x.scope === r.scope && x.kind === r.kind && x.value === r.value;
        const next = undo ? all.filter((x) => !same(x)) : all.some(same) ? all : [...all, r];
        if (next === all || next.length === all.length) return false;
        await writeFileAtomic(revocationsFile, JSON.stringify(next, null, 2) + '\n', 0o644);
        return true;
      }),
    putCertificate: (email, certificate) => writeFileAtomic(certificateFile(email), certificate, 0o644),
    certificate: (email) => readTextIfExists(certificateFile(email)),
    head: async (line) => (await currentHeads())[line],
    async headChanges(since) {
      // No time per line in a file: the lines whose head differs from the last look — registered, replaced or removed
      // (`key-service witness --remove`) — and every line when there was no earlier look.
      const now = Date.now();
      const before = seen;
      const current = await currentHeads();
      seen = current;
      if (since === undefined || current === before) return { lines: [], now };
      const unchanged = (a: StoredHead | undefined, b: StoredHead | undefined) => a?.pd === b?.pd && a?.ver === b?.ver && a?.receipt === b?.receipt;
      const lines = new Set([...Object.keys(current), ...Object.keys(before ?? {})]);
      return { lines: [...lines].filter((line) => before === undefined || !unchanged(before[line], current[line])), now };
    },
    registerHead: (claim, receipt) =>
      withLock(headsFile, async () => {
        const all = await heads();
        const stored = all[claim.line];
        const head: WitnessHead | undefined = stored && { pd: stored.pd, ver: stored.ver };
        if (!extendsWitnessHead(head, claim)) return { registered: false, head };
        // The same head again keeps its first receipt (both verify), unless it was kept without one.
        if (stored?.pd !== claim.pd || stored.receipt === undefined)
          await writeFileAtomic(headsFile, JSON.stringify({ ...all, [claim.line]: { pd: claim.pd, ver: claim.ver, receipt } }) + '\n', 0o644);
        return { registered: true, head };
      }),
    removeHead: (line) =>
      withLock(headsFile, async () => {
        const { [line]: stored, ...rest } = await heads();
        if (!stored) return undefined;
        await writeFileAtomic(headsFile, JSON.stringify(rest) + '\n', 0o644);
        return { pd: stored.pd, ver: stored.ver };
      }),
    async appendLog(take) {
      lastLogged ??= lastLine(logFile);
      const lines = await appendAuditBatch(logFile, take, await lastLogged);
      lastLogged = Promise.resolve(lines.at(-1));
      return lines;
    },
    logText: () => readFile(logFile, 'utf8'),
    close: async () => undefined,
  };
}
