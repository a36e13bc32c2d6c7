/**
 * `sensitivity.applyLabel (target?: Uri | Uri[], options?: { label, justification, reason })`: applies or
 * changes the label of plain files (the manifest) and protected ones (their envelope; needs OWNER).
 * Without `options.label` the label quick pick asks; a downgrade the policy wants justified asks why.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { confirmChange, reportWithUndo } from '../ui/confirm.js';
import { ensureIdentity } from '../ui/identity-setup.js';
import { pickLabel } from '../ui/label-picker.js';
import { Justification } from './justified.js';
import { CANCELLED, parseArgs, resolveTargets, runBatch, type BatchResult } from './targets.js';
import { COMMAND } from './ids.js';

export interface ApplyLabelOptions {
  /** Label id or name ("Confidential/All Employees"). */
  readonly label: string;
  readonly justification: string;
  /** Why the picker is shown (e.g. a mandatory label on save), used as its title. */
  readonly reason: string;
}

export async function applyLabel(services: Services, ...args: unknown[]): Promise<BatchResult> {
  const { uris, options = {} } = parseArgs<ApplyLabelOptions>(args);
  const files = await resolveTargets(uris, 'any', 'Apply Sensitivity Label');
  if (!files) return CANCELLED;
  let label = options.label;
  let undo: { file: vscode.Uri; label: string; name: string } | undefined;
  if (!label) {
    const [core, policy, current] = await Promise.all([
      services.core(),
      services.labels.policyOf(files[0]!),
      files.length === 1 ? services.labels.labelOf(files[0]!).catch(() => undefined) : undefined,
    ]);
    const picked = await pickLabel(core, policy, {
      iconStorage: services.context.globalStorageUri,
      title: options.reason ?? (files.length === 1 ? `Sensitivity Label of ${basename(files[0]!.fsPath)}` : `Sensitivity Label of ${files.length} Files`),
      ...(current?.label ? { current: current.label.id } : {}),
    });
    if (!picked) return CANCELLED;
    label = picked.id;
    const lower = current?.label?.rank !== undefined && picked.rank < current.label.rank ? current.label : undefined;
    if (lower) {
      const name = basename(files[0]!.fsPath);
      const ok = await confirmChange(
        `Lower the label of ${name} from ${lower.displayName} to ${picked.displayName}?`,
        `People, policies and tools that go by the label will treat ${name} as ${picked.displayName}: less protected than before. The change is recorded in the audit log${policy.requireDowngradeJustification ? ', with the reason you give next' : ''}.`,
        'Lower the Label',
      );
      if (!ok) return CANCELLED;
      undo = { file: files[0]!, label: lower.id, name: lower.displayName };
    }
  }
  if (!(await ensureIdentity(services, 'label files'))) return CANCELLED;
  const { app } = await services.core();
  const justification = new Justification(options.justification);
  const result = await runBatch(services, 'Applying sensitivity label', files, async (file) => {
    const session = await services.session(file);
    await justification.run((j) => app.setFileLabel(session, session.workspace.relPath(file.fsPath), label, j ? { justification: j } : {}));
  });
  if (undo && result.done.length === 1) {
    const back = undo;
    reportWithUndo(`Lowered the label of ${basename(back.file.fsPath)} (it was ${back.name}).`, () =>
      vscode.commands.executeCommand(COMMAND.applyLabel, back.file, { label: back.label }),
    );
  } else if (result.done.length > 0) {
    vscode.window.setStatusBarMessage(`$(tag) Labeled ${result.done.length === 1 ? basename(result.done[0]!) : `${result.done.length} files`}`, 3000);
  }
  return result;
}
