/**
 * `sensitivity.revokeAccess (target?: Uri, options?: { who: string[] })`: removes people's access (needs
 * OWNER). The file key is rotated, so a copy of their old key slot opens nothing new.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { confirmChange, reportWithUndo } from '../ui/confirm.js';
import { ensureIdentity } from '../ui/identity-setup.js';
import { identityDisplay } from '../ui/people.js';
import { CANCELLED, parseArgs, refusedUnlessMay, resolveTargets, runBatch, type BatchResult } from './targets.js';
import { COMMAND } from './ids.js';

export interface RevokeAccessOptions {
  /** Emails or identity ids. */
  readonly who: readonly string[];
  /** Ask first and offer Undo after, as for people choosing in the picker (the access panel sets it). */
  readonly confirm: boolean;
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
  const named = args
    .slice(1)
    .flat()
    .filter((a): a is string => typeof a === 'string');
  const files = await resolveTargets(uris, 'protected', 'Revoke Access', false);
  if (!files) return CANCELLED;
  if (!(await ensureIdentity(services, 'change access'))) return CANCELLED;
  const refused = await refusedUnlessMay(services, 'Revoking access', files, 'share');
  if (refused) return refused;
  const picked = options.who ?? (named.length > 0 ? named : undefined);
  const who = picked ?? (await askWho(services, files[0]!).catch(() => undefined));
  if (!who || who.length === 0) return CANCELLED;
  const file = files[0]!;
  const name = basename(file.fsPath);
  const interactive = picked === undefined || options.confirm === true;
  // Named as people, also when the caller passed identity ids (the panel's Revoke All): never an id on screen.
  const leaving = (await services.labels.protectedInfo(file).catch(() => undefined))?.grants.filter((g) => who.includes(g.email) || who.includes(g.id)) ?? [];
  const names = leaving.length > 0 ? leaving.map((g) => identityDisplay(g)).join(', ') : who.join(', ');
  if (
    interactive &&
    !(await confirmChange(
      `Revoke access to ${name} for ${names}?`,
      `${names} will no longer be able to open ${name}. The file is encrypted again with a new key, so a copy of their old key opens nothing new. Copies they already opened and saved elsewhere are not affected.`,
      'Revoke Access',
    ))
  ) {
    return CANCELLED;
  }
  const { app } = await services.core();
  const result = await runBatch(services, 'Revoking access', files, async (f) => {
    const s = await services.session(f);
    await app.revoke(s, s.workspace.relPath(f.fsPath), who);
  });
  if (result.done.length === 0) return result;
  const said = `Revoked access to ${name} for ${names}; the file key was rotated.`;
  if (interactive && leaving.length > 0) {
    reportWithUndo(said, () => vscode.commands.executeCommand(COMMAND.grantAccess, file, { grants: leaving.map((g) => ({ who: g.email, role: g.role })) }));
  } else {
    vscode.window.setStatusBarMessage(said, 4000);
  }
  return result;
}
