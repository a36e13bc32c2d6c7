/**
 * `sensitivity.revokeAccess (target?: Uri, options?: { who: string[] })`: removes people's access (needs
 * OWNER). The file key is rotated, so a copy of their old key slot opens nothing new.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { ensureIdentity } from '../ui/identity-setup.js';
import { identityDisplay } from '../ui/people.js';
import { CANCELLED, parseArgs, resolveTargets, runBatch, type BatchResult } from './targets.js';

export interface RevokeAccessOptions {
  /** Emails or identity ids. */
  readonly who: readonly string[];
}

async function askWho(services: Services, file: vscode.Uri): Promise<string[] | undefined> {
  const [info, me] = await Promise.all([services.labels.protectedInfo(file), services.identities.get()]);
  const candidates = info.grants.filter((g) => g.id !== me?.id && !g.recovery && g.id !== info.owner.id);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(`Nobody but the owner has access to ${basename(file.fsPath)}.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map((g) => ({ label: `$(person) ${identityDisplay(g)}`, description: g.role, email: g.email })),
    { title: `Revoke Access to ${basename(file.fsPath)}`, canPickMany: true, placeHolder: 'Their access ends now; the file key is rotated' },
  );
  return picked && picked.length > 0 ? picked.map((p) => p.email) : undefined;
}

export async function revokeAccess(services: Services, ...args: unknown[]): Promise<BatchResult> {
  const { uris, options = {} } = parseArgs<RevokeAccessOptions>(args);
  // The access panel passes the grantee as a bare string: `(uri, identityIdOrEmail)`.
  const named = args.slice(1).flat().filter((a): a is string => typeof a === 'string');
  const files = await resolveTargets(uris, 'protected', 'Revoke Access', false);
  if (!files) return CANCELLED;
  if (!(await ensureIdentity(services, 'change access'))) return CANCELLED;
  const who = options.who ?? (named.length > 0 ? named : undefined) ?? (await askWho(services, files[0]!).catch(() => undefined));
  if (!who || who.length === 0) return CANCELLED;
  const { app } = await services.core();
  const result = await runBatch(services, 'Revoking access', files, async (file) => {
    const s = await services.session(file);
    await app.revoke(s, s.workspace.relPath(file.fsPath), who);
  });
  if (result.done.length > 0) vscode.window.setStatusBarMessage(`Revoked ${who.join(', ')}; the file key was rotated`, 4000);
  return result;
}
