/**
 * `sensitivity.removeLabel (target?: Uri | Uri[], options?: { justification })`: removes plain files'
 * labels. Removing is a downgrade: the policy may ask for a justification. Protected files always keep one.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { ensureIdentity } from '../ui/identity-setup.js';
import { saveBeforeLabel } from './apply-label.js';
import { Justification } from './justified.js';
import { CANCELLED, parseArgs, resolveTargets, runBatch, type BatchResult } from './targets.js';

export interface RemoveLabelOptions {
  readonly justification: string;
}

export async function removeLabel(services: Services, ...args: unknown[]): Promise<BatchResult> {
  const { uris, options = {} } = parseArgs<RemoveLabelOptions>(args);
  const files = await resolveTargets(uris, 'plain', 'Remove Sensitivity Label');
  if (!files) return CANCELLED;
  if (!(await ensureIdentity(services, 'change labels'))) return CANCELLED;
  const { app } = await services.core();
  const edits = await saveBeforeLabel(services, files, false);
  const justification = new Justification(options.justification);
  const result = await runBatch(services, 'Removing sensitivity label', files, async (file, step) => {
    const session = await services.session(file);
    await justification.run((j) =>
      edits.run(file, step.signal, () => app.removeFileLabel(session, session.workspace.relPath(file.fsPath), j ? { justification: j } : {})),
    );
  });
  if (result.done.length > 0)
    vscode.window.setStatusBarMessage(`Removed the label of ${result.done.length === 1 ? basename(result.done[0]!) : `${result.done.length} files`}`, 3000);
  return result;
}
