/**
 * Organisation sign-in (OIDC, npm `openid-client`): the authorization code flow with PKCE on a loopback
 * redirect (RFC 8252: http://127.0.0.1:PORT/callback, any port), the device authorization grant (RFC 8628)
 * for machines without a browser, refresh, revocation; machines (service accounts, CI jobs) by client
 * credentials or by exchanging a CI's own OIDC token (RFC 8693); and `SignInTokens`, the TokenSource both hosts use.
 * Where the session is kept is the host's (`SessionStore`): a 0600 file under $SENSITIVITY_HOME for the CLI
 * (`fileSessionStore`), SecretStorage for VS Code. Tokens are never logged.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promises as fs } from 'node:fs';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { importPKCS8 } from 'jose';
import * as oidc from 'openid-client';
import type { TokenSource } from '../core/app/ports.js';
import { SensitivityError } from '../core/errors.js';
import { systemClock, type Clock } from '../core/ports.js';
import { withLock } from './lock.js';
import { readTextIfExists, writeFileAtomic } from './node-io.js';

/** The organisation: its identity provider and this application's client there. */
export interface OrgSettings {
  readonly issuer: string;
  readonly clientId: string;
  /** Resource indicators (RFC 8707) to ask for: the key services' audiences. Empty: the IdP's default. */
  readonly audiences: readonly string[];
}

/** Who is signed in, from the ID token (or the access token when the IdP puts the claims there only). */
export interface SignedInAccount {
  readonly sub: string;
  readonly email?: string;
  readonly name?: string;
  readonly groups?: readonly string[];
}

interface AccessToken {
  /** The `aud` values of the token (from its payload), or [''] for an opaque token. */
  readonly audiences: readonly string[];
  readonly value: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /** Epoch milliseconds: used until then, refreshed after (a quarter of its life, at most 30 s, early). */
  readonly refreshAt: number;
}

/** What a store keeps: secrets included. */
export interface SignInSession {
  readonly version: 1;
  readonly settings: OrgSettings;
  readonly account: SignedInAccount;
  readonly refreshToken?: string;
  readonly tokens: readonly AccessToken[];
  /** ISO 8601. */
  readonly signedInAt: string;
  /** A machine's sign-in: renewed by the same grant when its token expires (it has no refresh token). */
  readonly machine?: MachineSignIn;
}

/**
 * How a machine proves itself. Its secret (the client secret, or the CI's token) is read when needed from
 * `file` or else the environment (MACHINE_ENV), and never stored.
 */
export interface MachineSignIn {
  readonly grant: 'client_credentials' | 'token_exchange';
  /** Client credentials authenticated by a signed assertion (`private_key_jwt`): the secret is a PEM private key. */
  readonly privateKeyJwt?: boolean;
  readonly file?: string;
}

/** The environment variables a machine's secret comes from when no file is named. */
export const MACHINE_ENV = {
  clientSecret: 'SENSITIVITY_CLIENT_SECRET',
  clientKeyFile: 'SENSITIVITY_CLIENT_KEY_FILE',
  subjectToken: 'SENSITIVITY_SUBJECT_TOKEN',
  subjectTokenFile: 'SENSITIVITY_SUBJECT_TOKEN_FILE',
} as const;

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** Where a host keeps the session. `exclusive` serialises refreshes (between processes, for a file). */
export interface SessionStore {
  load(): Promise<SignInSession | undefined>;
  save(session: SignInSession): Promise<void>;
  clear(): Promise<void>;
  exclusive<T>(f: () => Promise<T>): Promise<T>;
}

/** Seconds allowed for one request to the identity provider. */
const REQUEST_TIMEOUT_S = 15;
const SCOPE = 'openid email profile groups offline_access';

export const signInPath = (home: string) => join(home, 'signin.json');

/** The CLI's store: `$SENSITIVITY_HOME/signin.json`, mode 0600, written atomically, refreshes under its lock. */
export function fileSessionStore(home: string): SessionStore {
  const path = signInPath(home);
  return {
    async load() {
      const text = await readTextIfExists(path);
      return text === undefined ? undefined : parseSession(text, path);
    },
    async save(session) {
      await fs.mkdir(home, { recursive: true, mode: 0o700 });
      await writeFileAtomic(path, JSON.stringify(session, null, 2) + '\n', 0o600);
    },
    clear: () => fs.rm(path, { force: true }),
    async exclusive(f) {
      await fs.mkdir(home, { recursive: true, mode: 0o700 });
      return withLock(path, f);
    },
  };
}

/** Checks a stored session's shape (E_FORMAT naming `where`, with the sign-in hint). */
export function parseSession(text: string, where?: string): SignInSession {
  const bad = () => new SensitivityError('E_FORMAT', 'the stored sign-in is unreadable', where, { details: { hint: 'sign-in' } });
  let s: SignInSession;
  try {
    s = JSON.parse(text) as SignInSession;
  } catch {
    throw bad();
  }
  const ok =
    s?.version === 1 &&
    typeof s.settings?.issuer === 'string' &&
    typeof s.settings.clientId === 'string' &&
    Array.isArray(s.settings.audiences) &&
    typeof s.account?.sub === 'string' &&
    Array.isArray(s.tokens) &&
    s.tokens.every((t) => typeof t?.value === 'string' && Array.isArray(t.audiences) && typeof t.expiresAt === 'number' && typeof t.refreshAt === 'number') &&
    (s.machine === undefined ||
      ((s.machine.grant === 'client_credentials' || s.machine.grant === 'token_exchange') &&
        (s.machine.file === undefined || typeof s.machine.file === 'string')));
  if (!ok) throw bad();
  return s;
}

/** The hint every "sign in (again)" error carries. */
const signInAgain = { hint: 'sign-in' } as const;

/** Maps what openid-client and fetch throw to stable codes. */
export function signInError(e: unknown, issuer: string): unknown {
  if (e instanceof SensitivityError) return e;
  if (e instanceof oidc.AuthorizationResponseError || e instanceof oidc.ResponseBodyError) {
    if (e.error === 'access_denied') return new SensitivityError('E_CANCELLED', 'the sign-in was cancelled at the identity provider', undefined, { cause: e });
    if (e.error === 'expired_token')
      return new SensitivityError('E_SIGNIN_TIMEOUT', 'the device code expired before the sign-in was confirmed', undefined, { cause: e });
    return refused(e, e.error, e.error_description, issuer);
  }
  // A 401 with a challenge: the client failed to authenticate (a machine's wrong secret).
  if (e instanceof oidc.WWWAuthenticateChallengeError) {
    const p = e.cause[0]?.parameters;
    return refused(e, p?.error ?? 'invalid_client', p?.error_description, issuer);
  }
  if (isNetworkError(e)) {
    return new SensitivityError('E_IDP_UNREACHABLE', `the identity provider at ${issuer} cannot be reached; check the network and the issuer URL`, undefined, {
      cause: e,
      details: { issuer, hint: 'retry' },
    });
  }
  if (e instanceof oidc.ClientError || (e instanceof Error && e.name === 'OperationProcessingError')) {
    return new SensitivityError('E_SIGNIN_FAILED', `the identity provider at ${issuer} answered unexpectedly: ${e.message}`, undefined, {
      cause: e,
      details: { issuer },
    });
  }
  return e;
}

function refused(cause: Error, error: string, description: string | undefined, issuer: string): SensitivityError {
  return new SensitivityError('E_SIGNIN_FAILED', `the identity provider refused the sign-in (${error}${description ? `: ${description}` : ''})`, undefined, {
    cause,
    details: { error, issuer },
  });
}

function isNetworkError(e: unknown): boolean {
  for (let c = e; c instanceof Error; c = c.cause) {
    if (c.name === 'TimeoutError' || c.name === 'AbortError') return true;
    if (c instanceof TypeError && c.message === 'fetch failed') return true;
    const code = (c as NodeJS.ErrnoException).code;
    if (code && ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'].includes(code)) return true;
  }
  return false;
}

async function guarded<T>(issuer: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw signInError(e, issuer);
  }
}

/** Discovers the issuer (http allowed only for loopback issuers, as in tests and local IdPs). */
export function discover(settings: OrgSettings, clientAuth: oidc.ClientAuth = oidc.None()): Promise<oidc.Configuration> {
  return guarded(settings.issuer, async () => {
    const url = new URL(settings.issuer);
    const loopback = url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !loopback) throw new SensitivityError('E_USAGE', `the issuer must be an https URL: ${settings.issuer}`);
    const config = await oidc.discovery(url, settings.clientId, undefined, clientAuth, {
      timeout: REQUEST_TIMEOUT_S,
      ...(loopback ? { execute: [oidc.allowInsecureRequests] } : {}),
    });
    config.timeout = REQUEST_TIMEOUT_S;
    return config;
  });
}

type TokenResponse = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

function jwtPayload(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (token.split('.').length !== 3 || !part) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function accessToken(res: TokenResponse, now: number): AccessToken {
  const payload = jwtPayload(res.access_token);
  const aud = payload?.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [''];
  const lifetimeMs = (res.expiresIn() ?? 300) * 1000;
  return { audiences, value: res.access_token, expiresAt: now + lifetimeMs, refreshAt: now + lifetimeMs - Math.min(30_000, lifetimeMs / 4) };
}

function accountOf(res: TokenResponse): SignedInAccount {
  const claims = { ...jwtPayload(res.access_token), ...res.claims() };
  const str = (k: string) => (typeof claims[k] === 'string' ? (claims[k] as string) : undefined);
  const groups = Array.isArray(claims.groups) ? claims.groups.filter((g): g is string => typeof g === 'string') : undefined;
  const sub = str('sub');
  if (!sub) throw new SensitivityError('E_SIGNIN_FAILED', 'the identity provider named no subject (sub) for the signed-in account');
  const email = str('email');
  const name = str('name');
  return { sub, ...(email ? { email } : {}), ...(name ? { name } : {}), ...(groups ? { groups } : {}) };
}

function sessionFrom(settings: OrgSettings, res: TokenResponse, clock: Clock): SignInSession {
  return {
    version: 1,
    settings,
    account: accountOf(res),
    ...(res.refresh_token ? { refreshToken: res.refresh_token } : {}),
    tokens: [accessToken(res, clock.now().getTime())],
    signedInAt: clock.now().toISOString(),
  };
}

function resourceParams(settings: OrgSettings): URLSearchParams {
  const p = new URLSearchParams({ scope: SCOPE });
  for (const a of settings.audiences) p.append('resource', a);
  return p;
}

/** The first audience asked for goes on the token request (one resource per access token). */
const firstResource = (settings: OrgSettings): Record<string, string> => (settings.audiences[0] ? { resource: settings.audiences[0] } : {});

export interface BrowserSignInOptions {
  /** Shows or opens the authorization URL (the CLI prints it, VS Code opens it). */
  readonly open: (url: string) => PromiseLike<unknown> | unknown;
  /** Milliseconds to wait for the browser to come back (default five minutes): then E_SIGNIN_TIMEOUT. */
  readonly timeoutMs?: number;
  /** Aborts the wait (E_CANCELLED). */
  readonly signal?: AbortSignal;
  /** Maps the loopback redirect URI before it is sent (VS Code's asExternalUri in a remote window). */
  readonly redirectUri?: (local: string) => Promise<string> | string;
  readonly clock?: Clock;
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:sans-serif;margin:3em"><h1>${title}</h1><p>${text}</p></body>`;

/**
 * Signs in with the authorization code flow and PKCE (S256) on a loopback redirect: listens on 127.0.0.1 at
 * a free port, hands the authorization URL to `open`, and exchanges the code that comes back (state
 * checked). The listener closes however it ends.
 */
export async function signInWithBrowser(settings: OrgSettings, options: BrowserSignInOptions): Promise<SignInSession> {
  const config = await discover(settings);
  const clock = options.clock ?? systemClock;
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const server = createServer();
  const callback = new Promise<{ url: URL; res: ServerResponse }>((resolve) => {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', `http://127.0.0.1`);
      if (url.pathname !== '/callback' || req.method !== 'GET') {
        res.writeHead(404).end();
        return;
      }
      resolve({ url, res });
    });
  });
  /** Answers the browser; resolves once the page is handed to the socket (before the listener closes). */
  const answer = (res: ServerResponse, ok: boolean, text: string) =>
    new Promise<void>((resolve) => {
      res.writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(PAGE(ok ? 'Signed in' : 'Sign-in failed', text), () => resolve());
      res.once('close', () => resolve());
    });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const timeoutMs = options.timeoutMs ?? 300_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
    const redirectUri = options.redirectUri ? await options.redirectUri(local) : local;
    const params = resourceParams(settings);
    params.set('redirect_uri', redirectUri);
    params.set('code_challenge', await oidc.calculatePKCECodeChallenge(verifier));
    params.set('code_challenge_method', 'S256');
    params.set('state', state);
    // OpenID Connect Core §11: offline_access (the refresh token) counts only with prompt=consent.
    params.set('prompt', 'consent');
    await options.open(oidc.buildAuthorizationUrl(config, params).href);
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SensitivityError('E_SIGNIN_TIMEOUT', `nobody finished the sign-in in the browser within ${Math.round(timeoutMs / 1000)} s`)),
        timeoutMs,
      );
      options.signal?.addEventListener('abort', () => reject(new SensitivityError('E_CANCELLED', 'the sign-in was cancelled')), { once: true });
    });
    // A cancel after the sign-in finished rejects nobody's promise.
    stopped.catch(() => undefined);
    const { url, res } = await Promise.race([callback, stopped]);
    // The code is exchanged against the redirect URI the IdP saw.
    const current = new URL(redirectUri);
    current.search = url.search;
    try {
      const tokens = await guarded(settings.issuer, () =>
        oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: verifier, expectedState: state }, { ...firstResource(settings) }),
      );
      const session = sessionFrom(settings, tokens, clock);
      await answer(res, true, 'You are signed in to your organisation. You can close this tab.');
      return session;
    } catch (e) {
      await answer(res, false, 'The sign-in did not complete; see the terminal or VS Code for the reason.');
      throw e;
    }
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  }
}

export interface DeviceCode {
  readonly userCode: string;
  readonly verificationUri: string;
  readonly verificationUriComplete?: string;
  /** Seconds the code stays valid. */
  readonly expiresIn: number;
}

/**
 * Signs in with the device authorization grant: `show` tells the user where to go and which code to enter
 * (on any device); polls until they confirm. E_CANCELLED when they deny or `signal` aborts,
 * E_SIGNIN_TIMEOUT when the code expires or `timeoutMs` passes.
 */
export async function signInWithDeviceCode(
  settings: OrgSettings,
  options: {
    readonly show: (code: DeviceCode) => Promise<void> | void;
    readonly timeoutMs?: number;
    readonly signal?: AbortSignal;
    readonly clock?: Clock;
  },
): Promise<SignInSession> {
  const config = await discover(settings);
  const device = await guarded(settings.issuer, () => oidc.initiateDeviceAuthorization(config, resourceParams(settings)));
  await options.show({
    userCode: device.user_code,
    verificationUri: device.verification_uri,
    ...(device.verification_uri_complete ? { verificationUriComplete: device.verification_uri_complete } : {}),
    expiresIn: device.expires_in,
  });
  const timeout = AbortSignal.timeout(options.timeoutMs ?? device.expires_in * 1000);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const tokens = await guarded(settings.issuer, () => oidc.pollDeviceAuthorizationGrant(config, device, firstResource(settings), { signal }));
    return sessionFrom(settings, tokens, options.clock ?? systemClock);
  } catch (e) {
    if (options.signal?.aborted) throw new SensitivityError('E_CANCELLED', 'the sign-in was cancelled', undefined, { cause: e });
    if (timeout.aborted)
      throw new SensitivityError(
        'E_SIGNIN_TIMEOUT',
        `nobody confirmed the device code within ${Math.round((options.timeoutMs ?? device.expires_in * 1000) / 1000)} s`,
        undefined,
        { cause: e },
      );
    throw e;
  }
}

/** The machine's secret: from its file, else the environment (E_USAGE naming both when neither has it). */
async function machineSecret(machine: MachineSignIn, env: NodeJS.ProcessEnv): Promise<string> {
  const what =
    machine.grant === 'token_exchange'
      ? { name: "the CI's OIDC token", fileEnv: MACHINE_ENV.subjectTokenFile, valueEnv: MACHINE_ENV.subjectToken, flag: '--subject-token-file' }
      : machine.privateKeyJwt
        ? { name: "the client's private key", fileEnv: MACHINE_ENV.clientKeyFile, valueEnv: undefined, flag: '--client-key-file' }
        : { name: 'the client secret', fileEnv: undefined, valueEnv: MACHINE_ENV.clientSecret, flag: '--client-secret-file' };
  const file = machine.file ?? (what.fileEnv ? env[what.fileEnv] : undefined);
  let value: string | undefined;
  if (file !== undefined) {
    try {
      value = await fs.readFile(file, 'utf8');
    } catch (e) {
      throw new SensitivityError('E_USAGE', `${what.name} cannot be read from ${file}`, file, { cause: e });
    }
  } else value = what.valueEnv ? env[what.valueEnv] : undefined;
  value = value?.trim();
  if (!value) {
    const sources = [`${what.flag} FILE`, ...[what.fileEnv, what.valueEnv].filter((v) => v !== undefined).map((v) => `$${v}`)];
    throw new SensitivityError('E_USAGE', `signing in as a machine needs ${what.name}: ${sources.join(' or ')}`);
  }
  return value;
}

/** How a machine's client authenticates: its secret (`client_secret_basic`) or an assertion signed with its key (`private_key_jwt`, RFC 7523). */
async function clientAuthOf(machine: MachineSignIn, secret: string): Promise<oidc.ClientAuth> {
  if (!machine.privateKeyJwt) return oidc.ClientSecretBasic(secret);
  let key: KeyObject;
  try {
    key = createPrivateKey(secret);
  } catch (e) {
    throw new SensitivityError('E_USAGE', "the client's private key is not a PEM private key", machine.file, { cause: e });
  }
  const alg =
    key.asymmetricKeyType === 'rsa' ? 'RS256' : key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'ES256' : undefined;
  if (!alg) throw new SensitivityError('E_USAGE', "the client's private key must be RSA or EC P-256", machine.file);
  return oidc.PrivateKeyJwt(await importPKCS8(key.export({ format: 'pem', type: 'pkcs8' }).toString(), alg));
}

/** One access token for a machine, for `audience` (none: the IdP's default), by its grant. */
async function machineGrant(settings: OrgSettings, machine: MachineSignIn, audience: string | undefined, env: NodeJS.ProcessEnv): Promise<TokenResponse> {
  const secret = await machineSecret(machine, env);
  const resource: Record<string, string> = audience ? { resource: audience } : {};
  if (machine.grant === 'client_credentials') {
    const config = await discover(settings, await clientAuthOf(machine, secret));
    return guarded(settings.issuer, () => oidc.clientCredentialsGrant(config, resource));
  }
  const config = await discover(settings);
  return guarded(settings.issuer, () =>
    oidc.genericGrantRequest(config, TOKEN_EXCHANGE, { subject_token: secret, subject_token_type: 'urn:ietf:params:oauth:token-type:jwt', ...resource }),
  );
}

/**
 * Signs a machine in: OAuth 2.0 client credentials (a service account's client secret) or RFC 8693 token
 * exchange of a CI's own OIDC token (workload identity federation). No browser, no refresh token: the
 * same grant runs again when the token expires.
 */
export async function signInAsMachine(settings: OrgSettings, machine: MachineSignIn, clock: Clock = systemClock, env = process.env): Promise<SignInSession> {
  const res = await machineGrant(settings, machine, settings.audiences[0], env);
  return { ...sessionFrom(settings, res, clock), machine };
}

/** Revokes the refresh token at the IdP (best effort) and forgets the session. Says whether the IdP confirmed. */
export async function signOut(store: SessionStore): Promise<{ readonly session?: SignInSession; readonly revoked: boolean }> {
  const session = await store.load().catch(() => undefined);
  let revoked = false;
  if (session?.refreshToken) {
    try {
      const config = await discover(session.settings);
      await oidc.tokenRevocation(config, session.refreshToken, { token_type_hint: 'refresh_token' });
      revoked = true;
    } catch {
      // Unreachable or no revocation endpoint: the local copy goes anyway.
    }
  }
  await store.clear();
  return { ...(session ? { session } : {}), revoked };
}

/** The TokenSource over a stored session: cached tokens while fresh, refreshed (once, under the store's lock) after. */
export class SignInTokens implements TokenSource {
  private readonly clock: Clock;
  constructor(
    private readonly store: SessionStore,
    clock?: Clock,
  ) {
    this.clock = clock ?? systemClock;
  }

  async token(audience: string, options: { readonly fresh?: boolean } = {}): Promise<string> {
    const cached = this.usable(await this.requireSession(), audience, options.fresh);
    if (cached) return cached;
    return this.store.exclusive(async () => {
      // Another process may have refreshed while this one waited for the lock.
      const session = await this.requireSession();
      const now = this.clock.now().getTime();
      const again = this.usable(session, audience, options.fresh, now);
      if (again) return again;
      return (await this.refresh(session, audience)).value;
    });
  }

  /** The stored session (E_SIGNIN_REQUIRED when there is none). */
  async requireSession(): Promise<SignInSession> {
    const session = await this.store.load();
    if (!session) throw new SensitivityError('E_SIGNIN_REQUIRED', 'you are not signed in to your organisation', undefined, { details: signInAgain });
    return session;
  }

  private usable(session: SignInSession, audience: string, fresh: boolean | undefined, now = this.clock.now().getTime()): string | undefined {
    if (fresh) return undefined;
    return session.tokens.find((t) => matches(t, audience, session) && now < t.refreshAt)?.value;
  }

  /** A new token for `audience`, kept in the store: a machine runs its grant again, a person's refresh token is used. */
  private async refresh(session: SignInSession, audience: string): Promise<AccessToken> {
    const res = await (session.machine
      ? machineGrant(session.settings, session.machine, audience || undefined, process.env)
      : this.refreshGrant(session, audience));
    const token = accessToken(res, this.clock.now().getTime());
    const others = session.tokens.filter((t) => !matches(t, audience, session));
    const refreshToken = res.refresh_token ?? session.refreshToken;
    await this.store.save({ ...session, ...(refreshToken ? { refreshToken } : {}), tokens: [...others, token] });
    return token;
  }

  private async refreshGrant(session: SignInSession, audience: string): Promise<TokenResponse> {
    const { settings } = session;
    if (!session.refreshToken) {
      throw new SensitivityError('E_TOKEN_EXPIRED', 'your organisation sign-in expired (no refresh token was issued)', undefined, { details: signInAgain });
    }
    const refreshToken = session.refreshToken;
    const config = await discover(settings);
    try {
      return await guarded(settings.issuer, () => oidc.refreshTokenGrant(config, refreshToken, audience ? { resource: audience } : {}));
    } catch (e) {
      if (e instanceof SensitivityError && e.code === 'E_SIGNIN_FAILED') {
        const error = e.details.error;
        if (error === 'invalid_target') {
          throw new SensitivityError('E_SIGNIN_REQUIRED', `your sign-in does not cover ${audience}; sign in for it`, undefined, {
            cause: e,
            details: { ...signInAgain, audience },
          });
        }
        if (error === 'invalid_grant') {
          throw new SensitivityError('E_TOKEN_EXPIRED', 'your organisation sign-in expired or was revoked', undefined, { cause: e, details: signInAgain });
        }
      }
      throw e;
    }
  }
}

/** Whether `t` is a token for `audience` (an opaque token stands for the IdP's default audience). */
function matches(t: AccessToken, audience: string, session: SignInSession): boolean {
  return t.audiences.includes(audience) || (t.audiences[0] === '' && session.settings.audiences.length === 0);
}
