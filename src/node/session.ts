/** What both hosts act with: the core's AppContext over a workspace on disk, an identity and the home audit log. */
import type { AppContext, AuditSink } from '../core/app/index.js';
import { isSensitivityError, SensitivityError } from '../core/errors.js';
import type { KeyServiceClient } from '../core/envelope/index.js';
import type { Identity } from '../core/identity.js';
import { systemClock, type Clock } from '../core/ports.js';
import { appendAudit } from './audit-log.js';
import type { Workspace } from './workspace.js';

/** An AppContext bound to a workspace folder (hosts convert their paths with `workspace.relPath`). */
export interface Session extends AppContext {
  readonly workspace: Workspace;
}

/**
 * The audit log at `path` as the core's sink. A failure to append fails the operation (it does not take
 * effect): the log's own errors keep their codes (E_AUDIT_BROKEN, E_LOCKED, E_IO); anything else is
 * E_AUDIT_FAILED with what went wrong as its cause.
 */
export function auditLogSink(path: string, clock: Clock = systemClock): AuditSink {
  return {
    async append(event) {
      try {
        await appendAudit(path, event, clock.now());
      } catch (e) {
        if (isSensitivityError(e)) throw e;
        throw new SensitivityError('E_AUDIT_FAILED', 'the audit log cannot be written, so nothing was done', path, {
          cause: e,
          details: { hint: 'verify-audit', reason: (e as NodeJS.ErrnoException).code ?? 'error' },
        });
      }
    },
  };
}

/** A session acting as `identity` in `workspace`, recording to `audit`; `keyService` for Double Key files. */
export function sessionIn(
  workspace: Workspace,
  identity: Identity | undefined,
  audit: AuditSink,
  clock: Clock = systemClock,
  keyService?: KeyServiceClient,
): Session {
  return { workspace, files: workspace.files, store: workspace, audit, clock, identity, ...(keyService ? { keyService } : {}) };
}
