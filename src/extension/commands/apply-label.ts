/**
 * `sensitivity.applyLabel (target?: Uri | Uri[], options?: { label, justification, reason, grants })`: applies or
 * changes the label of plain files (the manifest) and protected ones (their envelope; needs OWNER).
 * Without `options.label` the label quick pick asks; a downgrade the policy wants justified asks why.
 * A label whose protection is required protects plain files in the same gesture (the core's rule): who else may
 * open them is asked, the label's default grants shown (`options.grants` answers it); cancelling applies nothing.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { confirmChange, reportWithUndo } from '../ui/confirm.js';
import { ensureIdentity } from '../ui/identity-setup.js';
import { pickLabel } from '../ui/label-picker.js';
import type { GrantSpec } from '../../core/app/index.js';
import type { PolicyLabel } from '../../core/index.js';
import { swapEditors } from '../protected/editor-swap.js';
import { SavedEdits } from '../protected/save-first.js';
import { isEnvelopeUri } from '../protected/uris.js';
import type { MarkingOutcome } from '../../core/app/index.js';
import { MARKING_WORDS } from '../../shared/marking-words.js';
import { Justification } from './justified.js';
import { askGrants } from './protect.js';
import { TrustConfirmation } from './trust-confirm.js';
import { CANCELLED, parseArgs, resolveTargets, runBatch, type BatchResult } from './targets.js';
import { COMMAND } from './ids.js';

export interface ApplyLabelOptions {
  /** Label id or name ("Confidential/All Employees"). */
  readonly label: string;
  readonly justification: string;
  /** Why the picker is shown (e.g. a mandatory label on save), used as its title. */
  readonly reason: string;
  /** For a label that protects: people and roles besides its default grants (not asked then). */
  readonly grants: readonly GrantSpec[];
}

/** How plain files are protected when the label applied requires it: who else may open them, and whether the plain file stays. */
interface LabelProtection {
  readonly grants: readonly GrantSpec[];
  readonly keep: boolean;
}

/**
 * For a label whose protection is required and plain files among `files`: how to protect them (who else may open
 * them, asked unless `grants` is given). Undefined when nothing needs protecting; `CANCELLED` when cancelled.
 */
async function protectionFor(
  services: Services,
  files: readonly vscode.Uri[],
  query: string,
  grants: readonly GrantSpec[] | undefined,
): Promise<LabelProtection | BatchResult | undefined> {
  const plain = files.filter((f) => !isEnvelopeUri(f));
  if (plain.length === 0) return undefined;
  const [core, policy] = await Promise.all([services.core(), services.labels.policyOf(plain[0]!)]);
  let label: PolicyLabel;
  try {
    label = core.findLabel(policy, query, { applicable: true });
  } catch {
    return undefined; // An unknown label fails in the batch, in the core's words.
  }
  if (!core.requiresProtection(label)) return undefined;
  const what = plain.length === 1 ? basename(plain[0]!.fsPath) : `${plain.length} files`;
  const asked =
    grants ??
    (await askGrants(services, plain, label, (step) => `${label.displayName} Protects ${what} (${step}/2)${step === 1 ? ': Who Else May Open It?' : ''}`));
  if (!asked) return CANCELLED;
  return { grants: asked, keep: vscode.workspace.getConfiguration('sensitivity').get<boolean>('protect.keepOriginal', false) };
}

/**
 * Saves the editors' unsaved edits of `files` before their label changes (issue 22): of plain files about to be
 * `protecting`, and where the policy has content markings, which rewrite files, of every file (a protected one's
 * editor too). Each file is then acted on only through the result's `run`, which refuses it (E_SAVE_FAILED) when its
 * edits did not reach the disk: else the old text would be protected or marked, and the edits lost.
 */
export async function saveBeforeLabel(services: Services, files: readonly vscode.Uri[], protecting: boolean): Promise<SavedEdits> {
  const { flattenLabels } = await services.core();
  const marks = flattenLabels(await services.labels.policyOf(files[0]!)).some((l) => l.markings);
  return SavedEdits.save(
    marks ? files : protecting ? files.filter((f) => !isEnvelopeUri(f)) : [],
    protecting ? 'the file was not protected' : 'its label was not changed',
  );
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
  const protection = await protectionFor(services, files, label, options.grants);
  if (protection && 'cancelled' in protection) return CANCELLED;
  const { app } = await services.core();
  const edits = await saveBeforeLabel(services, files, protection !== undefined);
  const justification = new Justification(options.justification);
  const trust = new TrustConfirmation(services);
  let markings: MarkingOutcome | undefined;
  const result = await runBatch(services, protection ? 'Labeling and protecting' : 'Applying sensitivity label', files, async (file, step) => {
    const session = await services.session(file);
    const change = await justification.run((j) =>
      trust.run(session, ({ acceptNewKey }) =>
        edits.run(file, step.signal, (signal) =>
          app.setFileLabel(session, session.workspace.relPath(file.fsPath), label, {
            ...(j ? { justification: j } : {}),
            ...(protection ? { protect: { grants: protection.grants, keep: protection.keep, acceptNewKey, signal, onProgress: step.onProgress } } : {}),
          }),
        ),
      ),
    );
    markings = change.markings;
    if (!change.protectedAs) return undefined;
    const envelope = vscode.Uri.file(session.workspace.absPath(change.protectedAs));
    if (!protection?.keep) await swapEditors([file], envelope);
    return envelope;
  });
  if (undo && result.done.length === 1) {
    const back = undo;
    reportWithUndo(`Lowered the label of ${basename(back.file.fsPath)} (it was ${back.name}).`, () =>
      vscode.commands.executeCommand(COMMAND.applyLabel, back.file, { label: back.label }),
    );
  } else if (result.done.length > 0) {
    const marked = result.done.length === 1 && markings ? ` (${MARKING_WORDS[markings]})` : '';
    vscode.window.setStatusBarMessage(`$(tag) Labeled ${result.done.length === 1 ? basename(result.done[0]!) : `${result.done.length} files`}${marked}`, 5000);
  }
  return result;
}
