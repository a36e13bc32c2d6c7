/** Small prompts shared by commands: downgrade justification, people and roles. */
import * as vscode from 'vscode';
import type { PublicIdentity } from '../../core/identity.js';
import type { Policy } from '../../core/index.js';
import { RIGHT_WORDS } from '../../shared/words.js';
import type { Core } from '../core.js';
import { identityDisplay } from './people.js';

/** Asks why a label is being lowered (recorded in labels.json and the audit log); undefined when cancelled. */
export function askJustification(what: string): Promise<string | undefined> {
  return Promise.resolve(
    vscode.window.showInputBox({
      title: 'Justify Lowering the Label',
      prompt: `${what}. Your organisation's policy asks why; the reason is recorded in the audit log.`,
      placeHolder: 'e.g. Previous label was wrong; the content is already public',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'A justification is required'),
    }),
  ).then((v) => v?.trim() || undefined);
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

/**
 * Asks for people from the workspace's people directory (several may be picked). `exclude` holds identity
 * ids already granted or yourself. An empty choice is allowed when `allowNone` (protect "only me").
 */
export async function pickPeople(
  people: readonly PublicIdentity[],
  opts: { title: string; exclude?: ReadonlySet<string>; allowNone?: boolean },
): Promise<PublicIdentity[] | undefined> {
  const candidates = people.filter((p) => !opts.exclude?.has(p.id));
  if (candidates.length === 0) {
    const add = await vscode.window.showInformationMessage(
      'Nobody else is in this workspace\'s people directory (.sensitivity/people.json). Add people with "Sensitivity: Add a Person…".',
      ...(opts.allowNone ? ['Continue (Only Me)', 'Add a Person…'] : ['Add a Person…']),
    );
    if (add === 'Add a Person…') void vscode.commands.executeCommand('sensitivity.addPerson');
    return add === 'Continue (Only Me)' ? [] : undefined;
  }
  const items = candidates.map((p) => ({ label: `$(person) ${identityDisplay(p)}`, description: p.email, person: p }));
  const picked = await vscode.window.showQuickPick(items, {
    title: opts.title,
    canPickMany: true,
    matchOnDescription: true,
    placeHolder: opts.allowNone ? 'Pick people to grant access (none: only you and the label\'s defaults)' : 'Pick people',
  });
  if (!picked) return undefined;
  if (picked.length === 0 && !opts.allowNone) return undefined;
  return picked.map((p) => p.person);
}
