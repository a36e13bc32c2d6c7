/**
 * The organisation sign-in in VS Code: an authentication provider ("Sensitivity: organisation sign-in"), so
 * the account shows in the Accounts menu, with the session (refresh token included) in SecretStorage. The
 * sign-in is the CLI's (src/node/signin.ts: code + PKCE on a 127.0.0.1 loopback redirect), opened with
 * `vscode.env.openExternal`. The identity provider comes from the user (or machine policy) settings
 * `sensitivity.organisation.*`, never from a workspace: a workspace cannot send people to another sign-in page.
 */
import * as vscode from 'vscode';
import type { TokenSource } from '../core/app/ports.js';
import { isSensitivityError, SensitivityError } from '../core/errors.js';
import type { OrgSettings, SessionStore, SignInSession } from '../node/signin.js';
import { loadCore } from './core.js';

export const ORG_PROVIDER_ID = 'sensitivity-org';
export const ORG_PROVIDER_LABEL = 'Sensitivity: organisation sign-in';
/** SecretStorage key; versioned so a future format can migrate. */
const SECRET_KEY = 'sensitivity.signin.v1';

/** How the sign-in page is shown: VS Code opens it in the browser; a caller may present it itself. */
export type OpenSignInPage = (url: string) => PromiseLike<unknown> | unknown;

const signin = async () => (await loadCore()).signin;

/** The session in SecretStorage; refreshes in this window are serialised. */
class SecretSessionStore implements SessionStore {
  private queue: Promise<unknown> = Promise.resolve();
  constructor(private readonly secrets: vscode.SecretStorage) {}
  async load(): Promise<SignInSession | undefined> {
    const text = await this.secrets.get(SECRET_KEY);
    return text === undefined ? undefined : (await signin()).parseSession(text);
  }
  async save(session: SignInSession): Promise<void> {
    await this.secrets.store(SECRET_KEY, JSON.stringify(session));
  }
  async clear(): Promise<void> {
    await this.secrets.delete(SECRET_KEY);
  }
  exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** The configured organisation plus `audiences`, or E_USAGE saying which settings to set. */
function configured(audiences: readonly string[]): OrgSettings {
  const config = vscode.workspace.getConfiguration('sensitivity.organisation');
  const issuer = config.get<string>('issuer', '').trim();
  const clientId = config.get<string>('clientId', '').trim();
  if (!issuer || !clientId) {
    throw new SensitivityError(
      'E_USAGE',
      'no organisation is configured: set "sensitivity.organisation.issuer" and "sensitivity.organisation.clientId" in your user settings',
    );
  }
  const all = [...config.get<string[]>('audiences', []), ...audiences];
  return { issuer: issuer.replace(/\/+$/, ''), clientId, audiences: [...new Set(all)] };
}

const accountLabel = (s: SignInSession) => s.account.email ?? s.account.name ?? s.account.sub;

export class OrganisationSignIn implements vscode.AuthenticationProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.AuthenticationProviderAuthenticationSessionsChangeEvent>();
  readonly onDidChangeSessions = this.changed.event;
  private readonly store: SecretSessionStore;
  private readonly subscriptions: vscode.Disposable[];

  constructor(secrets: vscode.SecretStorage) {
    this.store = new SecretSessionStore(secrets);
    this.subscriptions = [
      this.changed,
      vscode.authentication.registerAuthenticationProvider(ORG_PROVIDER_ID, ORG_PROVIDER_LABEL, this, { supportsMultipleAccounts: false }),
      // Another window signed in or out.
      secrets.onDidChange(async (e) => {
        if (e.key !== SECRET_KEY) return;
        const session = await this.store.load().catch(() => undefined);
        const shown = session ? [this.toSession(session, [], session.tokens[0]?.value ?? '')] : [];
        this.changed.fire({ added: shown, removed: [], changed: [] });
      }),
    ];
  }

  /** The tokens for the key service: refreshed silently; when a sign-in is needed, the user is asked first. */
  readonly tokens: TokenSource = {
    token: async (audience, options) => {
      const tokens = new (await signin()).SignInTokens(this.store);
      try {
        return await tokens.token(audience, options);
      } catch (e) {
        if (!isSensitivityError(e) || (e.code !== 'E_SIGNIN_REQUIRED' && e.code !== 'E_TOKEN_EXPIRED')) throw e;
        const go = 'Sign In…';
        const why = e.code === 'E_TOKEN_EXPIRED' ? 'Your organisation sign-in expired.' : 'This needs your organisation sign-in.';
        if ((await vscode.window.showWarningMessage(`${why} Sign in to continue?`, go)) !== go) throw e;
        await this.signIn([audience]);
        return tokens.token(audience);
      }
    },
  };

  async getSessions(scopes: readonly string[] | undefined): Promise<vscode.AuthenticationSession[]> {
    const session = await this.store.load().catch(() => undefined);
    if (!session) return [];
    const audience = scopes?.[0] ?? session.settings.audiences[0] ?? session.tokens[0]?.audiences[0] ?? '';
    let token: string;
    try {
      token = await new (await signin()).SignInTokens(this.store).token(audience);
    } catch {
      // Unreachable IdP or an expired session: the account still shows; using the token will say why it fails.
      token = session.tokens[0]?.value ?? '';
    }
    return [this.toSession(session, scopes ?? [], token)];
  }

  createSession(scopes: readonly string[]): Promise<vscode.AuthenticationSession> {
    return this.signIn(scopes);
  }

  async removeSession(): Promise<void> {
    const { session } = await (await signin()).signOut(this.store);
    if (session) this.changed.fire({ added: [], removed: [this.toSession(session, [], '')], changed: [] });
  }

  /**
   * Signs in through the browser (loopback redirect), with a cancellable progress notification. `open`
   * replaces `vscode.env.openExternal` for callers that show the page themselves.
   */
  async signIn(audiences: readonly string[], open?: OpenSignInPage): Promise<vscode.AuthenticationSession> {
    const settings = configured(audiences);
    const { signInWithBrowser } = await signin();
    const session = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Signing in to your organisation (${settings.issuer}) in your browser…`, cancellable: true },
      (_progress, cancel) => {
        const abort = new AbortController();
        cancel.onCancellationRequested(() => abort.abort());
        return signInWithBrowser(settings, {
          signal: abort.signal,
          open: open ?? ((url) => vscode.env.openExternal(vscode.Uri.parse(url, true))),
          // In a remote window the loopback port is forwarded; a mapping that changes the path (a proxy) is not used.
          redirectUri: async (local) => {
            const external = (await vscode.env.asExternalUri(vscode.Uri.parse(local))).toString(true);
            const u = new URL(external);
            return u.protocol === 'http:' && u.hostname === '127.0.0.1' && u.pathname === '/callback' ? external : local;
          },
        });
      },
    );
    await this.store.save(session);
    const shown = this.toSession(session, audiences, session.tokens[0]?.value ?? '');
    this.changed.fire({ added: [shown], removed: [], changed: [] });
    return shown;
  }

  /** Who is signed in (no network), or undefined. */
  async account(): Promise<SignInSession['account'] | undefined> {
    return (await this.store.load().catch(() => undefined))?.account;
  }

  private toSession(s: SignInSession, scopes: readonly string[], accessToken: string): vscode.AuthenticationSession {
    return { id: `${s.settings.issuer}#${s.account.sub}`, accessToken, account: { id: s.account.sub, label: accountLabel(s) }, scopes };
  }

  dispose(): void {
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
