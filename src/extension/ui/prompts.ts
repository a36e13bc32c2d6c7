/** Small prompts shared by commands: downgrade justification, people and roles. */
import * as vscode from 'vscode';
import type { PublicIdentity } from '../../core/identity.js';
import type { Policy } from '../../core/index.js';
import { RIGHT_WORDS } from '../../shared/words.js';
import type { Core } from '../core.js';
import { identityDisplay } from './people.js';
import { COMMAND } from '../commands/ids.js';

/** Purview's preset reasons for lowering a label; "Other" asks for one's own words. */
export const DOWNGRADE_REASONS = ['Previous label no longer applies', 'Previous label was incorrect', 'The content is already public'] as const;
const OTHER_REASON = 'Other (explain)…';

/**
 * Asks why a label is being lowered (recorded in labels.json and the audit log): a preset reason, or "Other"
 * and the person's words. Undefined when cancelled.
 */
export async function askJustification(what: string): Promise<string | undefined> {
  const title = 'Justify Lowering the Label';
  const prompt = `${what}. Your organisation's policy asks why; the reason is recorded in the audit log.`;
  const items = [...DOWNGRADE_REASONS, OTHER_REASON].map((label) => ({ label }));
  const picked = (await vscode.window.showQuickPick(items, { title, placeHolder: prompt, ignoreFocusOut: true }))?.label;
  if (picked !== OTHER_REASON) return picked;
  const own = await vscode.window.showInputBox({
    title,
    prompt,
    placeHolder: 'Why the lower label is right for this content',
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() ? undefined : 'A justification is required'),
  });
  return own?.trim() || undefined;
}

/** Asks for a role (built-in roles in Purview's order, then the policy's custom roles). */
export async function pickRole(core: Core, policy: Policy, title: string): Promise<string | undefined> {
  const roles = { ...core.BUILTIN_ROLES, ...(policy.roles ?? {}) };
  const items = Object.entries(roles).map(([name, rights]) => ({
    label: name,
    description: rights.includes('OWNER') ? 'every right' : rights.map((r) => RIGHT_WORDS[r]).join(', '),
  }));
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'What may they do?' });
  return picked?.label;
}

/** The quick pick's last row: add someone to the people directory, then pick again. */
const ADD_PERSON = '$(person-add) Add a person…';

/**
 * Asks for people from the workspace's people directory (several may be picked), each email once (the
 * latest listed identity wins). `exclude` holds identity ids or emails already granted, or yours. An
 * empty choice is allowed when `allowNone` (protect "only me"). "Add a person…" adds someone through
 * the Add a Person command, then asks again with `people()` read anew.
 */
export async function pickPeople(
  people: () => Promise<readonly PublicIdentity[]>,
  opts: { title: string; exclude?: ReadonlySet<string>; allowNone?: boolean; fingerprint?: (id: string) => string; placeHolder?: string },
): Promise<PublicIdentity[] | undefined> {
  for (;;) {
    const byEmail = new Map<string, PublicIdentity>();
    for (const p of await people()) if (!opts.exclude?.has(p.id) && !opts.exclude?.has(p.email.toLowerCase())) byEmail.set(p.email.toLowerCase(), p);
    const items: (vscode.QuickPickItem & { person?: PublicIdentity })[] = [...byEmail.values()].map((p) => ({
      label: `$(person) ${identityDisplay(p)}`,
      description: p.email,
      ...(opts.fingerprint ? { detail: `fingerprint ${opts.fingerprint(p.id)}` } : {}),
      person: p,
    }));
    items.push({ label: ADD_PERSON, description: 'from their public identity (Copy Public Identity in Show My Identity)', alwaysShow: true });
    const picked = await vscode.window.showQuickPick(items, {
      title: opts.title,
      canPickMany: true,
      matchOnDescription: true,
      placeHolder:
        opts.placeHolder ??
        (byEmail.size === 0
          ? "Nobody else is in this workspace's people yet: add a person"
          : opts.allowNone
            ? "Pick people to grant access (none: only you and the label's defaults)"
            : 'Pick people'),
    });
    if (!picked) return undefined;
    if (picked.some((p) => p.label === ADD_PERSON)) {
      const added = await vscode.commands.executeCommand<PublicIdentity | undefined>(COMMAND.addPerson);
      if (!added && byEmail.size === 0 && !opts.allowNone) return undefined;
      continue;
    }
    const chosen = picked.flatMap((p) => (p.person ? [p.person] : []));
    if (chosen.length === 0 && !opts.allowNone) return undefined;
    return chosen;
  }
}
