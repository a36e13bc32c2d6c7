/**
 * `sensitivity.grantAccess (target?: Uri | Uri[], options?: { grants: { who, role }[] })`: gives people a
 * role on protected files (needs OWNER); a grant to someone already listed replaces their rights.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { GrantSpec } from '../../core/app/index.js';
import type { Services } from '../services.js';
import { ensureIdentity } from '../ui/identity-setup.js';
import { pickPeople, pickRole } from '../ui/prompts.js';
import { CANCELLED, parseArgs, refusedUnlessMay, resolveTargets, runBatch, type BatchResult } from './targets.js';
import { TrustConfirmation } from './trust-confirm.js';

export interface GrantAccessOptions {
  readonly grants: readonly GrantSpec[];
}

async function askGrants(services: Services, files: readonly vscode.Uri[]): Promise<GrantSpec[] | undefined> {
  const session = await services.session(files[0]!);
  const core = await services.core();
  const people = async () => (await session.workspace.people()).people;
  // For one file, hide people who already have access (change their role by granting again from the panel).
  const granted =
    files.length === 1
      ? await services.labels.protectedInfo(files[0]!).then(
          (i) => i.grants.flatMap((g) => [g.id, g.email.toLowerCase()]),
          () => [],
        )
      : [];
  const what = files.length === 1 ? basename(files[0]!.fsPath) : `${files.length} files`;
  const picked = await pickPeople(people, {
    title: `Grant Access to ${what} (1/2)`,
    fingerprint: core.fingerprint,
    exclude: new Set([...granted, ...(session.identity ? [session.identity.id, session.identity.email.toLowerCase()] : [])]),
  });
  if (!picked) return undefined;
  const role = await pickRole(core, await session.workspace.policy(), `Grant Access to ${what} (2/2): Role`);
  return role ? picked.map((p) => ({ who: p.email, role })) : undefined;
}

export async function grantAccess(services: Services, ...args: unknown[]): Promise<BatchResult> {
  const { uris, options = {} } = parseArgs<GrantAccessOptions>(args);
  const files = await resolveTargets(uris, 'protected', 'Grant Access');
  if (!files) return CANCELLED;
  if (!(await ensureIdentity(services, 'share protected files'))) return CANCELLED;
  // Refused before the people and role questions when you may not change who has access.
  const refused = await refusedUnlessMay(services, 'Granting access', files, 'share');
  if (refused) return refused;
  const grants = options.grants ?? (await askGrants(services, files));
  if (!grants || grants.length === 0) return CANCELLED;
  const { app, fingerprint } = await services.core();
  const trust = new TrustConfirmation(services);
  const used = new Map<string, string>();
  const result = await runBatch(services, 'Granting access', files, async (file) => {
    const s = await services.session(file);
    await trust.run(s, ({ acceptNewKey }) =>
      app.grant(s, s.workspace.relPath(file.fsPath), grants, { acceptNewKey, onPin: (p) => used.set(p.email, fingerprint(p.id)) }),
    );
  });
  if (result.done.length > 0) {
    // The fingerprints used, to compare with the people (they see theirs in Show My Identity).
    const shown = [...used].map(([email, fp]) => `${email}: ${fp}`).join('; ');
    services.log.info(`granted ${grants.map((g) => `${g.who} (${g.role})`).join(', ')}; fingerprints ${shown}`);
    vscode.window.setStatusBarMessage(`$(person-add) Granted ${grants.map((g) => `${g.who} (${g.role})`).join(', ')} — fingerprints ${shown}`, 8000);
  }
  return result;
}
