/**
 * The policy's `apply` rules at work: saving a file whose content needs a label labels it with the least
 * label that satisfies the rule — only a file without a label, or one an `apply` rule labeled before
 * (never a label a person chose), and never downwards (the core's `evaluate` decides); a label whose protection is
 * required goes through Apply Label, which protects the file once the person says who else may open it. Audited as
 * `label.auto`, with the types that triggered it. It starts when the save does, without holding the save up:
 * VS Code waits at most 1.75 s for the extension host's will-save answer (issue 12), and that answer is written
 * on a timer tick after the listeners return, so the work (a scan of the text) waits for the tick after it
 * rather than compete with it (issue 22). The mandatory-label prompt after the save waits for `settled()`.
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { AuditEvent } from '../../core/index.js';
import type { Session } from '../../node/session.js';
import type { Services } from '../services.js';
import { rememberAutomaticLabel } from './auto-labels.js';
import type { DetectionController } from './controller.js';
import { COMMAND } from '../commands/ids.js';

/** A session whose label changes are recorded as automatic, with what triggered them. */
function automaticSession(session: Session, details: { readonly types: readonly string[]; readonly count: number }): Session {
  return {
    ...session,
    audit: {
      append: (e: AuditEvent) =>
        session.audit.append(e.action === 'label.set' ? { ...e, action: 'label.auto', types: [...details.types], count: details.count } : e),
    },
  };
}

/** Two timer ticks: the extension host writes its will-save answer on the first tick after the listeners return. */
const afterSaveAnswered = () => new Promise<void>((resolve) => setTimeout(() => setTimeout(resolve)));

export class AutoLabeler {
  private readonly running = new Set<string>();
  /** Labeling started by saves and not finished yet (it may outlast the save's wait). */
  private readonly pending = new Set<Promise<void>>();
  private toldNoIdentity = false;

  constructor(
    private readonly services: Services,
    private readonly controller: DetectionController,
  ) {}

  /** Starts labeling on `onWillSaveTextDocument`, once the extension host has answered the save. */
  onWillSave(e: vscode.TextDocumentWillSaveEvent): void {
    if (e.document.uri.scheme !== 'file' || this.running.has(e.document.uri.fsPath)) return;
    const work = afterSaveAnswered()
      .then(() => this.label(e.document))
      .then(
        () => undefined,
        (err: unknown) => {
          this.services.log.warn(`automatic label of ${basename(e.document.uri.fsPath)}: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Resolves once every automatic labeling started by a save so far has finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Labels `doc`'s file when its content triggers an `apply` rule; returns the label applied, if any. */
  async label(doc: vscode.TextDocument): Promise<string | undefined> {
    const path = doc.uri.fsPath;
    const config = vscode.workspace.getConfiguration('sensitivity.detection', doc.uri);
    if (!config.get<boolean>('enabled', true) || this.running.has(path)) return undefined;
    this.running.add(path);
    try {
      const engine = await this.controller.engine();
      // The label may have changed since the last keystroke: judge with a fresh scope.
      const scope = await this.controller.scopes.of(doc.uri, engine);
      if (!scope || scope.skip || scope.protected) return undefined;
      if (doc.getText().length > config.get<number>('maxFileSize', 2 * 1024 * 1024)) return undefined;
      const findings = engine.scannerFor(scope.policy.detection).scan(doc.getText());
      const a = engine.assess(findings, scope.policy, scope.current, scope.automatic);
      if (a.evaluation.action !== 'apply' || !a.target || !a.evaluation.required) return undefined;
      if (!(await this.services.identities.get())) {
        this.tellNoIdentity(doc, a.target.displayName);
        return undefined;
      }
      const core = await this.services.core();
      if (core.requiresProtection(a.target)) {
        // Encrypt on label: this label protects the file, so the person says who else may open it (or cancels:
        // nothing is applied and the findings stay warnings). Not awaited: the save does not wait for the answer.
        void vscode.commands.executeCommand(COMMAND.applyLabel, scope.disk, {
          label: a.target.id,
          reason: `The workspace policy labels ${basename(path)} ${a.target.displayName}`,
        });
        return undefined;
      }
      const triggering = a.evaluation.required.findings;
      const session = automaticSession(await this.services.session(scope.disk), {
        types: [...new Set(triggering.map((f) => f.typeId))],
        count: triggering.length,
      });
      await core.app.setFileLabel(session, session.workspace.relPath(scope.disk.fsPath), a.target.id);
      await rememberAutomaticLabel(this.services, scope.disk);
      // The manifest changed under the label index's cache: the mandatory-label check after the save must see it.
      this.services.labels.invalidateAll();
      const name = basename(path);
      vscode.window.setStatusBarMessage(`$(tag) ${name} labeled ${a.target.displayName} (workspace policy)`, 5000);
      void vscode.window
        .showInformationMessage(
          `${name} was labeled ${a.target.displayName}: its content (${a.summary}) needs at least ${a.required?.displayName ?? a.target.displayName} under this workspace's policy.`,
          'Change Label…',
        )
        .then((b) => b && vscode.commands.executeCommand(COMMAND.applyLabel, scope.disk));
      return a.target.id;
    } finally {
      this.running.delete(path);
    }
  }

  /** Once per session: the policy would label this file, but labels need an author. */
  private tellNoIdentity(doc: vscode.TextDocument, label: string): void {
    if (this.toldNoIdentity) return;
    this.toldNoIdentity = true;
    void vscode.window
      .showWarningMessage(
        `The workspace policy labels ${basename(doc.uri.fsPath)} ${label} because of its content, but labeling needs your identity.`,
        'Create Identity…',
        'Import Identity…',
      )
      .then((b) => b && vscode.commands.executeCommand(b.startsWith('Create') ? COMMAND.createIdentity : COMMAND.importIdentity));
  }
}
