/**
 * The key access log: one hash-chained JSON line per decrypt or certification request, the audit log's
 * format and code (src/core/audit, src/node/audit-log.ts), so `key-service log --verify` is the audit
 * log's verification. Replicas on one machine may share the file: appends take the audit log's lock.
 */
import type { JsonValue } from '../core/index.js';
import { appendAudit } from '../node/audit-log.js';
import { HttpError } from './http-error.js';
import type { Caller } from './tokens.js';

export interface AccessRecord {
  readonly action: 'key.decrypt' | 'directory.certify';
  readonly caller: Caller | undefined;
  readonly decision: 'allow' | 'deny';
  /** The stable code of a denial. */
  readonly code?: string;
  readonly reason?: string;
  readonly client: string;
  readonly [detail: string]: JsonValue | Caller | undefined;
}

export class AccessLog {
  constructor(
    private readonly file: string,
    private readonly stdout: boolean,
  ) {}

  /** Appends the record; E_LOG_FAILED when it cannot be written, so the request fails closed. */
  async record(r: AccessRecord, now: Date): Promise<void> {
    const { action, caller, ...details } = r;
    let line: string;
    try {
      line = await appendAudit(
        this.file,
        { action, actor: caller ? { id: caller.sub, email: caller.email } : null, ...(details as Record<string, JsonValue>) },
        now,
      );
    } catch (e) {
      process.stderr.write(`key-service: the access log could not be written: ${(e as Error).message}\n`);
      throw new HttpError('E_LOG_FAILED', 'the key access log could not be written, so the request was not served; tell your administrator');
    }
    if (this.stdout) process.stdout.write(line + '\n');
  }
}
