/**
 * Which labels an `apply` rule set, so that a later rule may raise them while a label a person chose is
 * never changed automatically. The manifest does not record how a label was set, so this workspace's
 * extension remembers the labels it applied (path, label, time); a person relabeling the file changes the
 * time, and the label is theirs from then on.
 */
import type * as vscode from 'vscode';

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
