/** What every command needs from its surroundings, resolved lazily: home (identity, audit) and workspace. */
import { resolve } from 'node:path';
import { SensitivityError } from '../core/errors.js';
import type { Identity } from '../core/identity.js';
import type { AuditEvent } from '../core/index.js';
import { systemClock, type Clock } from '../core/ports.js';
import { auditPath, readHomeIdentity, resolveHome } from '../node/home.js';
import { httpKeyServiceClient } from '../node/key-service-client.js';
import { auditLogSink, sessionIn, type Session } from '../node/session.js';
import { fileSessionStore, SignInTokens } from '../node/signin.js';
import { findWorkspaceRoot, openWorkspace, type Workspace } from '../node/workspace.js';
import { flagValue, type ParsedArgs } from './args.js';
import { promises as fs } from 'node:fs';

export interface CliContext {
  readonly clock: Clock;
  readonly home: string;
  readonly cwd: string;
  /** The workspace: --workspace DIR, else the nearest ancestor with `.sensitivity/` (or a git root, or cwd). */
  workspace(): Promise<Workspace>;
  identity(): Promise<Identity | undefined>;
  /** The identity, or E_NO_IDENTITY saying how to create one. */
  requireIdentity(): Promise<Identity>;
  /** Appends to the hash-chained audit log in the home folder (E_AUDIT_FAILED when it cannot). */
  audit(event: AuditEvent): Promise<void>;
  /** The application session: workspace, identity (if any), audit log. */
  session(): Promise<Session>;
}

function memo<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
}

/** Builds the context for one CLI invocation. */
export function createContext(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): CliContext {
  const cwd = process.cwd();
  const home = resolveHome(env);
  const explicit = flagValue(args, 'workspace');
  const identity = memo(() => readHomeIdentity(home));
  const sink = auditLogSink(auditPath(home), systemClock);
  const ctx: CliContext = {
    clock: systemClock,
    home,
    cwd,
    workspace: memo(async () => {
      if (!explicit) return openWorkspace(await findWorkspaceRoot(cwd));
      const dir = resolve(explicit);
      if (!(await fs.stat(dir).catch(() => undefined))?.isDirectory()) {
        throw new SensitivityError('E_NOT_FOUND', 'workspace folder does not exist', dir);
      }
      return openWorkspace(dir);
    }),
    identity,
    async requireIdentity() {
      const id = await identity();
      if (id) return id;
      throw new SensitivityError('E_NO_IDENTITY', `no identity in ${home}`, undefined, { details: { hint: 'create-identity' } });
    },
    audit: (event) => sink.append(event),
    session: memo(async () => {
      // Double Key files: the key service, with tokens from `sensitivity login`.
      const keyService = httpKeyServiceClient({ tokens: new SignInTokens(fileSessionStore(home), systemClock), clock: systemClock });
      return sessionIn(await ctx.workspace(), await identity(), sink, ctx.clock, keyService);
    }),
  };
  return ctx;
}
