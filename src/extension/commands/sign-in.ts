/**
 * `sensitivity.signIn (options?: { audiences?, open? })`: signs in to the organisation through the
 * authentication provider (the browser opens the identity provider; `open` lets a caller show the page
 * itself). Returns the account label. `sensitivity.signOut`: forgets the session and revokes its refresh token.
 */
import * as vscode from 'vscode';
import { isSensitivityError } from '../../core/errors.js';
import type { OpenSignInPage } from '../organisation.js';
import type { Services } from '../services.js';
import { showError } from '../ui/errors.js';
import { parseArgs } from './targets.js';

export interface SignInOptions {
  /** Key service audiences to ask for besides the configured ones. */
  readonly audiences: readonly string[];
  readonly open: OpenSignInPage;
}

export async function signIn(services: Services, ...args: unknown[]): Promise<string | undefined> {
  const { options = {} } = parseArgs<SignInOptions>(args);
  try {
    const session = await services.organisation.signIn(options.audiences ?? [], options.open);
    void vscode.window.showInformationMessage(`Signed in to your organisation as ${session.account.label}.`);
    return session.account.label;
  } catch (e) {
    if (!(isSensitivityError(e) && e.code === 'E_CANCELLED')) await showError(services, e);
    return undefined;
  }
}

export async function signOut(services: Services): Promise<void> {
  const account = await services.organisation.account();
  await services.organisation.removeSession();
  void vscode.window.showInformationMessage(
    account ? `Signed out of your organisation (${account.email ?? account.sub}).` : 'You were not signed in to an organisation.',
  );
}
