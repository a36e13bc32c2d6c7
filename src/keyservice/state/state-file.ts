/**
 * The key service's state in files (the embedded default): run-time revocations in `revocations.json` in
 * the state folder, certificates one file per email in the directory's folder, the access log a hash-chained
 * file (the audit log's format and code). Replicas on one machine may share them: every write takes the
 * audit log's cross-process lock and replaces files atomically.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditEvent } from '../../core/index.js';
import { appendAuditEvents } from '../../node/audit-log.js';
import { withLock } from '../../node/lock.js';
import { readTextIfExists, writeFileAtomic } from '../../node/node-io.js';
import type { Revocation, ServiceState } from './port.js';

const isRevocation = (v: unknown): v is Revocation =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Revocation).scope === 'string' &&
  ['people', 'contentIds', 'labels'].includes((v as Revocation).kind) &&
  typeof (v as Revocation).value === 'string';

export function fileState(folder: string, logFile: string, certificates: string | undefined): ServiceState {
  const revocationsFile = join(folder, 'revocations.json');
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
    appendLog: (events: readonly AuditEvent[], now: Date) => appendAuditEvents(logFile, events, now),
    logText: () => readFile(logFile, 'utf8'),
    close: async () => undefined,
  };
}
