/**
 * Runs an operation that uses people's keys or the workspace's; when it stops on a changed key
 * (E_KEY_CHANGED: Compare Fingerprints and Replace, ui/key-change.ts), on workspace keys not accepted yet
 * (E_POLICY_UNACCEPTED) or on an organisation key other than the one accepted (E_ORG_KEY_CHANGED), asks in modals
 * that show the fingerprints, and runs it again once confirmed (Cancelled when dismissed). Once per batch.
 */
import * as vscode from 'vscode';
import { isSensitivityError } from '../../core/errors.js';
import type { Session } from '../../node/session.js';
import type { Services } from '../services.js';
import { askAboutKeyChange } from '../ui/key-change.js';
import { Cancelled } from './targets.js';

/** Asks to accept the workspace policy's keys as `reviewWorkspaceKeys` shows them, their fingerprints shown. */
export async function confirmWorkspaceKeys(review: {
  readonly keys: readonly string[];
  readonly organisation?: { readonly pinned?: string };
}): Promise<boolean> {
  const accept = 'Accept These Keys';
  const previous = review.organisation?.pinned ? `\n\nThe organisation's key you accepted before: ${review.organisation.pinned}` : '';
  const picked = await vscode.window.showWarningMessage(
    'This workspace policy names keys you have not accepted.',
    {
      modal: true,
      detail:
        `${review.keys.join('\n')}${previous}\n\n` +
        'A recovery key becomes a Co-Owner of every file you protect here; the organisation certifies the people you grant to by email and runs the key service Double Key files need. ' +
        "Accept them only if you know who holds them: check the fingerprints with whoever runs this workspace (the organisation's with your administrator). Until then, what needs them is refused.",
    },
    accept,
  );
  return picked === accept;
}

/** The batch's answers: a changed key accepted once stays accepted for the batch; the workspace's keys are asked about once. */
export class TrustConfirmation {
  private acceptNewKey = false;
  private askedWorkspaceKeys = false;
  constructor(private readonly services: Services) {}

  /** Runs `act`, asking and retrying on a changed key, unaccepted workspace keys or a changed organisation key. */
  async run<T>(session: Session, act: (opts: { acceptNewKey: boolean }) => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await act({ acceptNewKey: this.acceptNewKey });
      } catch (e) {
        if (isSensitivityError(e, 'E_KEY_CHANGED') && !this.acceptNewKey) {
          if (!(await askAboutKeyChange(this.services, session, e))) throw new Cancelled();
          this.acceptNewKey = true;
        } else if ((isSensitivityError(e, 'E_POLICY_UNACCEPTED') || isSensitivityError(e, 'E_ORG_KEY_CHANGED')) && !this.askedWorkspaceKeys) {
          this.askedWorkspaceKeys = true;
          const { app } = await this.services.core();
          const policy = await session.store.policy();
          const review = await app.reviewWorkspaceKeys(session, policy);
          if (review.accepted) throw e;
          if (!(await confirmWorkspaceKeys(review))) throw new Cancelled();
          await app.acceptWorkspaceKeys(session, policy, { digest: review.digest });
        } else {
          throw e;
        }
      }
    }
  }
}
