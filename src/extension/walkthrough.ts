/**
 * The walkthrough's steps complete when what they ask for succeeded, not when their button is clicked:
 * package.json's completionEvents wait for `onContext:sensitivity.walkthrough.<step>`, set here after an
 * audited action (every successful operation is audited) or after the access panel is shown.
 */
import * as vscode from 'vscode';
import type { AuditSink } from '../core/app/ports.js';

export type WalkthroughStep = 'identity' | 'label' | 'protect' | 'share' | 'panel';

/** The step an audited action completes. */
const STEP_OF_ACTION: Readonly<Record<string, WalkthroughStep>> = {
  'identity.create': 'identity',
  'identity.import': 'identity',
  'label.set': 'label',
  protect: 'protect',
  grant: 'share',
};

/** Marks a walkthrough step done (VS Code remembers it from then on). */
export function completeStep(step: WalkthroughStep): void {
  void vscode.commands.executeCommand('setContext', `sensitivity.walkthrough.${step}`, true);
}

/** `sink`, completing the step of each action once it is recorded. */
export function completingSteps(sink: AuditSink): AuditSink {
  return {
    async append(event) {
      await sink.append(event);
      const step = Object.hasOwn(STEP_OF_ACTION, event.action) ? STEP_OF_ACTION[event.action] : undefined;
      if (step) completeStep(step);
    },
  };
}
