/**
 * Which labels the system set (an `apply` rule, or the policy's default label on a new file), so that an
 * `apply` rule may raise them while a label a person chose is never changed automatically. The manifest
 * does not record how a label was set, so this workspace's extension remembers the labels it applied
 * (path, label, time); a person relabeling the file changes the time, and the label is theirs from then on.
 */
import type * as vscode from 'vscode';
import type { Services } from '../services.js';

const KEY = 'sensitivity.detect.automaticLabels';

interface Applied {
  readonly label: string;
  readonly setAt: string;
}

export class AutoLabels {
  constructor(private readonly state: vscode.Memento) {}

  private all(): Readonly<Record<string, Applied>> {
    return this.state.get<Record<string, Applied>>(KEY, {});
  }

  /** True when the file's label (id and time set) is one an `apply` rule set. */
  isAutomatic(path: string, label: string, setAt: string | undefined): boolean {
    const a = Object.hasOwn(this.all(), path) ? this.all()[path] : undefined;
    return a !== undefined && a.label === label && a.setAt === setAt;
  }

  /** Records a label just applied automatically. */
  async remember(path: string, label: string, setAt: string): Promise<void> {
    await this.state.update(KEY, { ...this.all(), [path]: { label, setAt } });
  }
}

/** Records the label just given to `file` without a person choosing it (read back from the manifest). */
export async function rememberAutomaticLabel(services: Services, file: vscode.Uri): Promise<void> {
  const [{ getLabel }, { workspace }] = await Promise.all([services.core(), services.session(file)]);
  const entry = getLabel(await workspace.manifest(), workspace.relPath(file.fsPath));
  if (entry) await new AutoLabels(services.context.workspaceState).remember(file.fsPath, entry.label, entry.setAt);
}
