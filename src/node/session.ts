/** What both hosts act with: the core's AppContext over a workspace on disk, an identity and the home audit log. */
import type { AppContext, AuditSink, KeyAcceptance, OrganisationDirectory, WitnessService } from '../core/app/index.js';
import { isSensitivityError, SensitivityError } from '../core/errors.js';
import type { KeyServiceClient } from '../core/envelope/index.js';
import type { Identity } from '../core/identity.js';
import { systemClock, type Clock } from '../core/ports.js';
import { appendAudit } from './audit-log.js';
import { gitHistoryWitness } from './git-history.js';
import { homeVersionMemory } from './versions.js';
import { homeAcceptance, homeOrganisationPins, homePins } from './trust-store.js';
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

/** Where a session keeps what its user trusts: the home folder, and whether workspace keys are used ('ignore': VS Code's restricted mode). */
export interface TrustHome {
  readonly home: string;
  readonly workspaceKeys?: KeyAcceptance['mode'];
}

/**
 * A session acting as `identity` in `workspace`, recording to `audit`; with `trust`, people are pinned, access-history
 * heads remembered (git's history of the workspace a second witness) and workspace keys accepted in that home folder (without it nothing is pinned and no workspace key accepted);
 * `keyService` for Double Key files, `directory` for the organisation's certified directory, `witness` for its witness of access history.
 */
export function sessionIn(
  workspace: Workspace,
  identity: Identity | undefined,
  audit: AuditSink,
  clock: Clock = systemClock,
  trust?: TrustHome,
  keyService?: KeyServiceClient,
  directory?: OrganisationDirectory,
  witness?: WitnessService,
): Session {
  const base = {
    workspace,
    files: workspace.files,
    store: workspace,
    audit,
    clock,
    identity,
    ...(keyService ? { keyService } : {}),
    ...(directory ? { directory } : {}),
    ...(witness ? { witness } : {}),
  };
  if (!trust) return base;
  return {
    ...base,
    pins: homePins(trust.home, clock),
    acceptance: homeAcceptance(trust.home, trust.workspaceKeys ?? 'ask', clock),
    versions: homeVersionMemory(trust.home),
    history: gitHistoryWitness(workspace.root),
    organisations: homeOrganisationPins(trust.home, clock),
  };
}
