/** The CLI's operations session: workspace, identity and audit from the context. */
import type { Session } from '../node/operations.js';
import type { CliContext } from './context.js';

export async function sessionOf(ctx: CliContext): Promise<Session> {
  return { workspace: await ctx.workspace(), identity: await ctx.identity(), clock: ctx.clock, audit: (e) => ctx.audit(e) };
}
