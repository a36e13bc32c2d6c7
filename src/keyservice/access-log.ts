/**
 * The key access log: one hash-chained JSON line per decrypt or certification request, the audit log's
 * format and code (src/core/audit), so `key-service log --verify` is the audit log's verification. The
 * lines go to the shared state (state/port.ts): a file (replicas on one machine share it under the audit
 * log's lock) or PostgreSQL (one chain across every replica). Under load, requests that arrive while a
 * write is under way are written together by the next one (group commit: one lock or transaction, one
 * fsync); each request still waits until its own line is stored.
 */
import type { AuditEvent, JsonValue } from '../core/index.js';
import { HttpError } from './http-error.js';
import type { ServiceState } from './state/port.js';
import type { Caller } from './tokens.js';

export interface AccessRecord {
  readonly action: 'key.decrypt' | 'directory.certify' | 'witness.register' | 'witness.remove';
  readonly caller: Caller | undefined;
  readonly decision: 'allow' | 'deny';
  /** The stable code of a denial. */
  readonly code?: string;
  readonly reason?: string;
  readonly client: string;
  readonly [detail: string]: JsonValue | Caller | undefined;
}

interface Pending {
  readonly event: AuditEvent;
  readonly done: (error?: unknown) => void;
}

export class AccessLog {
  private queue: Pending[] = [];
  private writing = false;

  constructor(
    private readonly state: ServiceState,
    private readonly stdout: boolean,
  ) {}

  /** Appends the record; E_LOG_FAILED when it cannot be written, so the request fails closed. */
  record(r: AccessRecord): Promise<void> {
    const { action, caller, ...details } = r;
    // An audit actor is {id, email}: a service account (no email) is named beside it.
    const actor = caller ? { id: caller.sub, email: caller.email ?? '' } : null;
    const machine = caller?.serviceAccount !== undefined ? { serviceAccount: caller.serviceAccount } : {};
    const event = { action, actor, ...machine, ...(details as Record<string, JsonValue>) } as AuditEvent;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ event, done: (e) => (e === undefined ? resolve() : reject(e)) });
      if (!this.writing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      let batch: Pending[] = [];
      // Taken when the log is held (locked, its last line read), not before waiting for it: what arrives meanwhile goes in too.
      const take = () => {
        batch = this.queue;
        this.queue = [];
        return { events: batch.map((p) => p.event), now: new Date() };
      };
      try {
        const lines = await this.state.appendLog(take);
        if (this.stdout) process.stdout.write(lines.map((l) => l + '\n').join(''));
        for (const p of batch) p.done();
      } catch (e) {
        process.stderr.write(`key-service: the access log could not be written: ${(e as Error).message}\n`);
        const failed = new HttpError('E_LOG_FAILED', 'the key access log could not be written, so the request was not served; tell your administrator');
        // Before the log was held nothing was taken: every waiting request fails (none is left to retry forever).
        if (batch.length === 0) take();
        for (const p of batch) p.done(failed);
      }
    }
    this.writing = false;
  }
}
