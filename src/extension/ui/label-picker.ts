/**
 * The label quick pick, as Purview's sensitivity menu: the policy's order (least to most sensitive), each
 * label in its color with its description, parents with sublabels shown as separators (they cannot be
 * applied), the current label marked and preselected.
 */
import * as vscode from 'vscode';
import type { Policy, PolicyLabel } from '../../core/index.js';
import type { Core } from '../core.js';
import { labelIconPath } from './label-icons.js';

interface LabelItem extends vscode.QuickPickItem {
  readonly policyLabel?: PolicyLabel;
}

/** `{ [key]: value }`, or nothing when the value is empty (optional properties are absent, never undefined). */
const optional = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> => (value ? ({ [key]: value } as Record<K, string>) : {});

/** The picker's items for `policy`: policy order, parents as separators, colored dots from `storage`. */
async function labelItems(core: Core, policy: Policy, storage: vscode.Uri, current?: string): Promise<LabelItem[]> {
  const items: LabelItem[] = [];
  let inGroup = false;
  for (const l of core.flattenLabels(policy)) {
    if (inGroup && !l.parent && l.applicable) {
      // A group ends after its last sublabel: an unnamed separator keeps the next top-level label apart.
      items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
    }
    inGroup = l.parent !== undefined || !l.applicable;
    if (!l.applicable) {
      items.push({ label: l.name, kind: vscode.QuickPickItemKind.Separator });
      continue;
    }
    const notes = [l.id === current ? 'current' : '', l.id === policy.defaultLabel ? 'default' : '', l.protection?.required ? 'protects' : ''].filter(Boolean);
    items.push({
      label: l.parent ? `\u2003${l.name}` : l.name,
      iconPath: await labelIconPath(storage, l.color),
      ...optional('description', [l.parent ? l.displayName : '', notes.join(', ')].filter(Boolean).join(' · ')),
      ...optional('detail', l.description),
      policyLabel: l,
    });
  }
  return items;
}

/** Asks for a label; undefined when cancelled. `current` is preselected. */
export async function pickLabel(
  core: Core,
  policy: Policy,
  opts: { title: string; placeHolder?: string; current?: string; iconStorage: vscode.Uri },
): Promise<PolicyLabel | undefined> {
  const items = await labelItems(core, policy, opts.iconStorage, opts.current);
  const qp = vscode.window.createQuickPick<LabelItem>();
  qp.title = opts.title;
  qp.placeholder = opts.placeHolder ?? 'Choose a sensitivity label (least to most sensitive)';
  qp.items = items;
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  const preselect = items.find((i) => i.policyLabel?.id === (opts.current ?? policy.defaultLabel));
  if (preselect) qp.activeItems = [preselect];
  try {
    return await new Promise<PolicyLabel | undefined>((resolve) => {
      qp.onDidAccept(() => resolve(qp.selectedItems[0]?.policyLabel ?? qp.activeItems[0]?.policyLabel));
      qp.onDidHide(() => resolve(undefined));
      qp.show();
    });
  } finally {
    qp.dispose();
  }
}
