/**
 * Runs an operation that uses people's keys or the workspace's; when it stops on a changed key
 * (E_KEY_CHANGED) or on workspace keys not accepted yet (E_POLICY_UNACCEPTED), asks in a modal that shows
 * the fingerprints, and runs it again once confirmed (Cancelled when dismissed). Once per batch.
 */
import * as vscode from 'vscode';
import { isSensitivityError, type SensitivityError } from '../../core/errors.js';
import type { Session } from '../../node/session.js';
import type { Services } from '../services.js';
import { Cancelled } from './targets.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Asks to accept a changed key, both fingerprints shown. */
async function confirmNewKey(e: SensitivityError): Promise<boolean> {
  const d = e.details;
  const accept = 'Accept New Key';
  const picked = await vscode.window.showWarningMessage(
    `The key of ${str(d.email)} is not the one you pinned.`,
    {
      modal: true,
      detail:
        `Pinned fingerprint${str(d.pinnedEmail) && d.pinnedEmail !== d.email ? ` (${str(d.pinnedEmail)})` : ''}:\n${str(d.pinnedFingerprint)}\n\n` +
        `Offered fingerprint:\n${str(d.newFingerprint)}\n\n` +
        'It may be an impostor, or they made a new identity. Compare the offered fingerprint with them (they see it in Show My Identity) before accepting.',
    },
    accept,
  );
  return picked === accept;
}

/** Asks to accept the workspace policy's keys (from an E_POLICY_UNACCEPTED), their fingerprints shown. */
export async function confirmWorkspaceKeys(e: SensitivityError): Promise<boolean> {
  const keys = Array.isArray(e.details.keys) ? e.details.keys : [];
  const accept = 'Accept These Keys';
  const picked = await vscode.window.showWarningMessage(
    'This workspace policy adds recovery keys: Co-Owners of every file you protect here.',
    {
      modal: true,
      detail: `${keys.join('\n')}\n\nAccept them only if you know who holds them: check the fingerprints with whoever runs this workspace. Until then nothing is protected here.`,
    },
    accept,
  );
  return picked === accept;
}

/** The batch's answers: a changed key accepted once stays accepted for the batch. */
export class TrustConfirmation {
  private acceptNewKey = false;
  constructor(private readonly services: Services) {}

  /** Runs `act`, asking and retrying on a changed key or unaccepted workspace keys. */
  async run<T>(session: Session, act: (opts: { acceptNewKey: boolean }) => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await act({ acceptNewKey: this.acceptNewKey });
      } catch (e) {
        if (isSensitivityError(e, 'E_KEY_CHANGED') && !this.acceptNewKey) {
          if (!(await confirmNewKey(e))) throw new Cancelled();
          this.acceptNewKey = true;
        } else if (isSensitivityError(e, 'E_POLICY_UNACCEPTED')) {
          if (!(await confirmWorkspaceKeys(e))) throw new Cancelled();
          const { app } = await this.services.core();
          await app.acceptWorkspaceKeys(session, await session.store.policy());
        } else {
          throw e;
        }
      }
    }
  }
}
