/**
 * `sensitivity.acceptRestore (target?: Uri)`: an owner accepts an older copy of a protected file (restored on
 * purpose from git, a merge or a backup) as its current version, after a modal that names both versions and
 * who the copy lets in. Its access is signed again as the next version of the newest history seen, under a new
 * file key (E_ROLLBACK no more; docs/FORMAT.md §14.4).
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { ProtectedInfo } from '../../core/app/index.js';
import type { Services } from '../services.js';
import { ensureIdentity } from '../ui/identity-setup.js';
import { identityDisplay } from '../ui/people.js';
import { CANCELLED, headerForAction, parseArgs, resolveTargets, runBatch, type BatchResult } from './targets.js';

/** Asks before accepting: a restored copy may still let in people whose access was revoked since. */
async function confirmRestore(info: ProtectedInfo, name: string, seen: number): Promise<boolean> {
  const version = info.lineage.at(-1)?.version ?? 0;
  const people = info.grants.map((g) => `${identityDisplay(g)} — ${g.recovery ? 'Recovery' : g.role}`).join('\n');
  const accept = 'Accept This Version';
  const picked = await vscode.window.showWarningMessage(
    `Accept this older copy of ${name} as its current version?`,
    {
      modal: true,
      detail:
        `This copy has version ${version} of its access policy; you have opened version ${seen}. ` +
        'An older copy (restored by git, a merge or a backup) may still let in people whose access was revoked since. ' +
        `Accept it only if it was restored on purpose. Its access is signed again as version ${seen + 1}, the next after the newest, under a new file key, so everyone who saw the newer version opens it too.\n\n` +
        `Who can open this copy:\n${people}`,
    },
    accept,
  );
  return picked === accept;
}

export async function acceptRestore(services: Services, ...args: unknown[]): Promise<BatchResult> {
  const { uris } = parseArgs<object>(args);
  const [file] = (await resolveTargets(uris, 'protected', 'Accept Restored Version', false)) ?? [];
  if (!file) return CANCELLED;
  if (!(await ensureIdentity(services, 'accept a restored protected file'))) return CANCELLED;
  const name = basename(file.fsPath);
  const { app } = await services.core();
  const header = await headerForAction(services, 'Accepting the restored version', file, app.restoreRefusal);
  if ('refused' in header) return header.refused;
  const { info } = header;
  if (!info.rollback || !(await confirmRestore(info, name, info.rollback.seen))) return CANCELLED;
  const result = await runBatch(services, 'Accepting the restored version', [file], async (f) => {
    const s = await services.session(f);
    await app.acceptRestore(s, s.workspace.relPath(f.fsPath));
  });
  if (result.done.length > 0) {
    const now = await services.labels.protectedInfo(file).catch(() => undefined);
    void vscode.window.showInformationMessage(`${name} is accepted as the current version${now ? ` (access version ${now.lineage.at(-1)?.version})` : ''}.`);
  }
  return result;
}
