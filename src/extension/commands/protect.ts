/**
 * `sensitivity.protect (target?: Uri | Uri[], options?: { label, grants, expires, keep, justification })`:
 * encrypts plain files into `FILE.protected` for you (Co-Owner), the label's default grantees and the people
 * named. Interactive without options: label, then people and their role. Many files show a cancellable
 * progress notification.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { GrantSpec } from '../../core/app/index.js';
import type { PolicyLabel } from '../../core/index.js';
import type { Services } from '../services.js';
import { ensureIdentity } from '../ui/identity-setup.js';
import { pickLabel } from '../ui/label-picker.js';
import { pickPeople, pickRole } from '../ui/prompts.js';
import { swapEditors } from '../protected/editor-swap.js';
import { SavedEdits } from '../protected/save-first.js';
import { isEnvelopeUri } from '../protected/uris.js';
import { Justification } from './justified.js';
import { TrustConfirmation } from './trust-confirm.js';
import { CANCELLED, parseArgs, resolveTargets, runBatch, type BatchResult } from './targets.js';

export interface ProtectOptions {
  /** Label id or name; default: the file's label, else the policy's default label. */
  readonly label: string;
  /** People (email or identity id) and roles, besides the label's default grants. */
  readonly grants: readonly GrantSpec[];
  /** "2026-12-31" (the end of that day, UTC), an ISO time, or "30d"; default: the label's expiry. */
  readonly expires: string;
  /** Keep the plain file (default: the `sensitivity.protect.keepOriginal` setting). */
  readonly keep: boolean;
  readonly justification: string;
}

/** A label's default grants in words: "everyone in the people directory (Co-Author)"; empty when it has none. */
export function defaultGrantWords(label: PolicyLabel): string {
  const who = (to: string) => (to === '*' ? 'everyone in the people directory' : to.startsWith('@') ? `everyone at ${to.slice(1)}` : to);
  return (label.protection?.grants ?? []).map((g) => `${who(g.to)} (${g.role})`).join(', ');
}

/**
 * Asks who else may open `files` protected under `label` (people, then their role), the label's default
 * grants shown; `step` numbers the two questions in the title. Undefined when cancelled.
 */
export async function askGrants(
  services: Services,
  files: readonly vscode.Uri[],
  label: PolicyLabel,
  title: (step: 1 | 2) => string,
): Promise<GrantSpec[] | undefined> {
  const [core, policy, session] = await Promise.all([services.core(), services.labels.policyOf(files[0]!), services.session(files[0]!)]);
  const defaults = defaultGrantWords(label);
  const me = session.identity;
  const picked = await pickPeople(async () => (await session.workspace.people()).people, {
    title: title(1),
    fingerprint: core.fingerprint,
    exclude: new Set(me ? [me.id, me.email.toLowerCase()] : []),
    allowNone: true,
    placeHolder: `${label.displayName} grants ${defaults || 'nobody else'} besides you (Co-Owner). Pick more people, or none`,
  });
  if (!picked) return undefined;
  if (picked.length === 0) return [];
  const role = await pickRole(core, policy, `${title(2)}: Role of ${picked.length === 1 ? picked[0]!.name : `${picked.length} People`}`);
  return role ? picked.map((p) => ({ who: p.email, role })) : undefined;
}

/** Asks label, people and role; undefined when cancelled. */
async function askProtection(services: Services, files: readonly vscode.Uri[]): Promise<{ label: string; grants: GrantSpec[] } | undefined> {
  const [core, policy, current] = await Promise.all([
    services.core(),
    services.labels.policyOf(files[0]!),
    files.length === 1 ? services.labels.labelOf(files[0]!).catch(() => undefined) : undefined,
  ]);
  const what = files.length === 1 ? basename(files[0]!.fsPath) : `${files.length} files`;
  const label = await pickLabel(core, policy, {
    iconStorage: services.context.globalStorageUri,
    title: `Protect ${what} (1/3): Label`,
    placeHolder: 'The label travels inside the protected file; its protection settings apply',
    ...(current?.label ? { current: current.label.id } : {}),
  });
  if (!label) return undefined;
  const grants = await askGrants(services, files, label, (step) => (step === 1 ? `Protect ${what} (2/3): Who Else May Open It?` : `Protect ${what} (3/3)`));
  return grants && { label: label.id, grants };
}

export async function protect(services: Services, ...args: unknown[]): Promise<BatchResult> {
  const { uris, options } = parseArgs<ProtectOptions>(args);
  const files = await resolveTargets(uris, 'plain', 'Protect Files…');
  if (!files) return CANCELLED;
  if (!(await ensureIdentity(services, 'protect files'))) return CANCELLED;
  let request: Partial<ProtectOptions> = options ?? {};
  if (!options) {
    const asked = await askProtection(
      services,
      files.filter((f) => !isEnvelopeUri(f)),
    );
    if (!asked) return CANCELLED;
    request = asked;
  }
  const keep = request.keep ?? vscode.workspace.getConfiguration('sensitivity').get<boolean>('protect.keepOriginal', false);
  const { app, parseExpiry } = await services.core();
  // The CLI's reading: "2026-12-31" is the end of that day in UTC (src/core/expiry.ts).
  const expires = request.expires ? parseExpiry(request.expires, new Date()) : undefined;
  const edits = await SavedEdits.save(files, 'the file was not protected');
  const justification = new Justification(request.justification);
  const trust = new TrustConfirmation(services);
  const result = await runBatch(services, 'Protecting', files, async (file, step) => {
    const session = await services.session(file);
    const { output } = await justification.run((j) =>
      trust.run(session, ({ acceptNewKey }) =>
        edits.run(file, step.signal, (signal) =>
          app.protect(session, session.workspace.relPath(file.fsPath), {
            ...(request.label ? { label: request.label } : {}),
            ...(request.grants ? { grants: request.grants } : {}),
            ...(expires ? { expires } : {}),
            ...(j ? { justification: j } : {}),
            keep,
            acceptNewKey,
            signal,
            onProgress: step.onProgress,
          }),
        ),
      ),
    );
    const envelope = vscode.Uri.file(session.workspace.absPath(output));
    if (!keep) await swapEditors([file], envelope);
    return envelope;
  });
  if (result.done.length > 0)
    vscode.window.setStatusBarMessage(`$(lock) Protected ${result.done.length === 1 ? basename(result.done[0]!) : `${result.done.length} files`}`, 3000);
  return result;
}
