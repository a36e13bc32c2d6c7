/** What every command needs from its surroundings, resolved lazily: home (identity, audit) and workspace. */
import { resolve } from 'node:path';
import { SensitivityError } from '../core/errors.js';
import type { Identity } from '../core/identity.js';
import type { AuditEvent } from '../core/index.js';
import { systemClock, type Clock } from '../core/ports.js';
import { auditPath, readHomeIdentity, resolveHome } from '../node/home.js';
import { httpKeyServiceClient, httpOrganisationDirectory, httpWitnessService, type HttpOrganisationDirectory } from '../node/key-service-client.js';
import { auditLogSink, sessionIn, type Session } from '../node/session.js';
import { locateWorkspace, openWorkspace, type Workspace } from '../node/workspace.js';
import type { TokenSource } from '../core/app/ports.js';
import { flagValue, type ParsedArgs } from './args.js';
import { note } from './commands/command.js';
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
  /** Access tokens for the organisation's key service, from `sensitivity login` (E_SIGNIN_REQUIRED without one). */
  readonly tokens: TokenSource;
  /** The organisation's certified directory (used when the workspace policy names an organisation). */
  readonly directory: HttpOrganisationDirectory;
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
  // The sign-in client (node:http, openid-client) loads only when a Double Key file or the directory asks for a token.
  let signIn: Promise<TokenSource> | undefined;
  const tokens: TokenSource = {
    async token(audience, options) {
      signIn ??= import('../node/signin.js').then(({ fileSessionStore, SignInTokens }) => new SignInTokens(fileSessionStore(home), systemClock));
      return (await signIn).token(audience, options);
    },
  };
  const ctx: CliContext = {
    clock: systemClock,
    home,
    cwd,
    workspace: memo(async () => {
      if (!explicit) {
        const { root, ignored } = await locateWorkspace(cwd);
        for (const i of ignored) note(`sensitivity: warning: ignoring ${i.dir}: ${i.reason}`);
        return openWorkspace(root);
      }
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
      const keyService = httpKeyServiceClient({ tokens: ctx.tokens, clock: systemClock });
      // The organisation's witness registers access changes in a workspace that names it.
      const witness = httpWitnessService({ tokens: ctx.tokens });
      return sessionIn(await ctx.workspace(), await identity(), sink, ctx.clock, { home }, keyService, ctx.directory, witness);
    }),
    tokens,
    directory: httpOrganisationDirectory({ tokens }),
  };
  return ctx;
}
