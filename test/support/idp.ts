/**
 * The test identity provider: the npm `oidc-provider` (9.x, a certified OpenID Provider), run as a
 * subprocess by the test that needs it, and a small HTTP "browser" that drives its real login flow.
 *
 * How to use it:
 *
 *   const idp = await startIdp();              // 127.0.0.1, random free port; own process group
 *   try {
 *     const jwt = await idp.tokenFor('bob@example.com', 'http://127.0.0.1:8443');  // a real access token
 *     // … call the key service with `Authorization: Bearer ${jwt}` …
 *   } finally {
 *     await idp.stop();                        // SIGTERM to the group, SIGKILL after 3 s
 *   }
 *
 * - Issuer: `idp.issuer` (http://127.0.0.1:PORT); discovery at `${issuer}/.well-known/openid-configuration`,
 *   keys at its `jwks_uri` (RS256). Verify with jose: `createRemoteJWKSet(new URL(jwks_uri))` and
 *   `jwtVerify(jwt, jwks, { issuer, audience })`.
 * - Users (TEST_USERS): alice@example.com, bob@example.com, admin@example.com. The login is the email
 *   (any password); claims `email`, `email_verified`, `name`, `groups` (scopes email, profile, groups).
 *   `sub` is the email too.
 * - Access tokens are **JWTs** (RFC 9068, `typ: at+jwt`) for a resource indicator (RFC 8707): `aud` is the
 *   `resource` the client asked for, or KEY_SERVICE_AUDIENCE (`urn:sensitivity:key-service`) when it asked
 *   for none. Any absolute http(s) or urn URI is accepted as a resource. They carry `email`,
 *   `email_verified`, `name` and `groups` besides `iss`, `sub`, `aud`, `exp`, `iat`, `jti`, `client_id`,
 *   `scope`. TTL: `accessTokenTTL` seconds (default 600; pass 2 to test refresh).
 * - Clients (public, PKCE S256 required, `token_endpoint_auth_method: none`): CLI_CLIENT_ID
 *   (`sensitivity-cli`) and VSCODE_CLIENT_ID (`sensitivity-vscode`); both native with the loopback
 *   redirect `http://127.0.0.1/callback` (any port, RFC 8252 §7.3), the device grant, and refresh tokens
 *   when the scope has `offline_access` (not rotated).
 * - The browser step: `idp.signIn(authorizationUrl, user)` follows the authorization URL, fills the login
 *   and consent forms, and returns the redirect to the client (with `code`); `idp.completeLogin` also
 *   requests that redirect (a CLI's loopback listener); `idp.approveDevice(verification_uri_complete, user)`
 *   confirms a device code. Cookies are kept per call, like one browser session.
 * - Key rotation: `startIdp({ signingKeys: [newKey, ...idp.signingKeys], port })` after `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export const CLI_CLIENT_ID = 'sensitivity-cli';
export const VSCODE_CLIENT_ID = 'sensitivity-vscode';
/** A confidential client for machines (client credentials, `client_secret_basic`); its tokens' `sub` is its id. */
export const MACHINE_CLIENT_ID = 'ci-deploy';
export const MACHINE_CLIENT_SECRET = 'test-machine-secret-2f6c0b7a';
/** A confidential client for machines that authenticates with a signed assertion (`private_key_jwt`), when `machineKey` is given. */
export const KEY_MACHINE_CLIENT_ID = 'ci-signer';
/** A public client that a CI's own OIDC token is exchanged for (RFC 8693), when `federation` names the CI. */
export const FEDERATED_CLIENT_ID = 'ci-federated';
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** The audience of access tokens requested without a `resource`; the key service checks `aud`. */
export const KEY_SERVICE_AUDIENCE = 'urn:sensitivity:key-service';
/** The redirect URI both clients registered (the port is free: loopback). */
export const LOOPBACK_REDIRECT = 'http://127.0.0.1/callback';

export interface TestUser {
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
}

export const TEST_USERS: readonly TestUser[] = [
  { email: 'alice@example.com', name: 'Alice Example', groups: ['staff', 'finance'] },
  { email: 'bob@example.com', name: 'Bob Example', groups: ['staff', 'engineering'] },
  { email: 'admin@example.com', name: 'Admin Example', groups: ['staff', 'admins'] },
];

export interface IdpOptions {
  /** Access token lifetime in seconds (default 600). */
  readonly accessTokenTTL?: number;
  /** Refresh token lifetime in seconds (default one day). */
  readonly refreshTokenTTL?: number;
  /** Default audience (default KEY_SERVICE_AUDIENCE). */
  readonly audience?: string;
  /** Private signing JWKs, first one signs (default: one fresh RSA 2048 key). */
  readonly signingKeys?: readonly JWK[];
  /** A fixed port (default: a free one). */
  readonly port?: number;
  readonly users?: readonly TestUser[];
  /** Startup wait in milliseconds (default 15 000). */
  readonly startTimeoutMs?: number;
  /** The public JWK of KEY_MACHINE_CLIENT_ID (`private_key_jwt`); without it that client is not registered. */
  readonly machineKey?: JWK;
  /** Trust for token exchange: a CI issuer, the subject it must name and its public keys (FEDERATED_CLIENT_ID). */
  readonly federation?: { readonly issuer: string; readonly subject: string; readonly keys: readonly JWK[] };
  /** The repository root, where test/support/idp-server.mjs and node_modules are (default: the working directory). */
  readonly root?: string;
}

export interface TokenSet {
  readonly access_token: string;
  readonly refresh_token?: string;
  readonly id_token?: string;
  readonly expires_in: number;
}

export interface BrowseOptions {
  /** Click Cancel on the login page instead of signing in. */
  readonly cancel?: boolean;
}

export interface TestIdp {
  readonly issuer: string;
  readonly audience: string;
  readonly signingKeys: readonly JWK[];
  /** A real access token (a JWT for `audience`) for `user`, through the authorization code flow with PKCE. */
  tokenFor(user: string, audience?: string): Promise<string>;
  /** The whole token response of that flow (scope `openid email profile groups offline_access`). */
  tokensFor(user: string, audience?: string, clientId?: string): Promise<TokenSet>;
  /**
   * Drives the browser step from `authorizationUrl` as `user`: returns the redirect to the client (with
   * code, or error=access_denied when `cancel` clicks the login page's Cancel link).
   */
  signIn(authorizationUrl: string, user: string, options?: BrowseOptions): Promise<URL>;
  /** signIn, then requests that redirect (the client's loopback listener) and returns its response body. */
  completeLogin(authorizationUrl: string, user: string, options?: BrowseOptions): Promise<string>;
  /** Opens `verificationUri` (verification_uri_complete) as `user` and confirms the device code. */
  approveDevice(verificationUri: string, user: string): Promise<void>;
  /** Stops the process group; idempotent. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** A fresh RS256 signing key as a private JWK with `kid`, `alg` and `use`. */
export async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' };
}

export async function startIdp(options: IdpOptions = {}): Promise<TestIdp> {
  const audience = options.audience ?? KEY_SERVICE_AUDIENCE;
  const signingKeys = options.signingKeys ?? [await newSigningKey()];
  const redirectUris = [LOOPBACK_REDIRECT];
  const client = (client_id: string) => ({
    client_id,
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    redirect_uris: redirectUris,
    grant_types: ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    response_types: ['code'],
  });
  const config = {
    port: options.port ?? 0,
    audience,
    accessTokenTTL: options.accessTokenTTL ?? 600,
    refreshTokenTTL: options.refreshTokenTTL ?? 86_400,
    signingKeys,
    users: options.users ?? TEST_USERS,
    clients: [
      client(CLI_CLIENT_ID),
      client(VSCODE_CLIENT_ID),
      {
        client_id: MACHINE_CLIENT_ID,
        client_secret: MACHINE_CLIENT_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
      },
      ...(options.machineKey
        ? [
            {
              client_id: KEY_MACHINE_CLIENT_ID,
              token_endpoint_auth_method: 'private_key_jwt',
              jwks: { keys: [options.machineKey] },
              grant_types: ['client_credentials'],
              response_types: [],
              redirect_uris: [],
            },
          ]
        : []),
      { client_id: FEDERATED_CLIENT_ID, token_endpoint_auth_method: 'none', grant_types: [TOKEN_EXCHANGE_GRANT], response_types: [], redirect_uris: [] },
    ],
    ...(options.federation ? { federation: { [FEDERATED_CLIENT_ID]: options.federation } } : {}),
  };
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
  const server = join(resolve(options.root ?? '.'), 'test', 'support', 'idp-server.mjs');
  const child = spawn(process.execPath, [server, JSON.stringify(config)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...env, NODE_ENV: 'test' },
  });
  running.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => running.forEach((c) => killGroup(c, 'SIGKILL')));
  }
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (!running.delete(child)) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };

  const timeoutMs = options.startTimeoutMs ?? 15_000;
  let issuer: string;
  try {
    issuer = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the test IdP did not start within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve((JSON.parse(out.slice(0, nl)) as { issuer: string }).issuer);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the test IdP exited (${code}) before listening: ${stderr}`));
      });
    });
  } catch (e) {
    await stop();
    throw e;
  }

  const signIn = (url: string, user: string, browse: BrowseOptions = {}) => new Browser(issuer).signIn(url, user, browse);

  const tokensFor = async (user: string, aud = audience, clientId = CLI_CLIENT_ID): Promise<TokenSet> => {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const auth = new URL(`${issuer}/auth`);
    auth.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: LOOPBACK_REDIRECT,
      response_type: 'code',
      scope: 'openid email profile groups offline_access',
      prompt: 'consent',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      resource: aud,
    }).toString();
    const back = await signIn(auth.href, user);
    const code = back.searchParams.get('code');
    if (!code) throw new Error(`the test IdP returned no code: ${back.href}`);
    const res = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: LOOPBACK_REDIRECT,
        code_verifier: verifier,
        client_id: clientId,
        resource: aud,
      }),
    });
    const body = (await res.json()) as TokenSet & { error?: string; error_description?: string };
    if (!res.ok) throw new Error(`token request failed: ${body.error}: ${body.error_description}`);
    return body;
  };

  return {
    issuer,
    audience,
    signingKeys,
    tokensFor,
    tokenFor: async (user, aud) => (await tokensFor(user, aud)).access_token,
    signIn,
    async completeLogin(url, user, browse) {
      const back = await signIn(url, user, browse);
      return (await fetch(back)).text();
    },
    approveDevice: (url, user) => new Browser(issuer).approveDevice(url, user),
    stop,
  };
}

/** One browser session against the IdP: a cookie jar, manual redirects, the dev login/consent/device forms. */
class Browser {
  private readonly cookies = new Map<string, string>();
  private readonly origin: string;
  constructor(issuer: string) {
    this.origin = new URL(issuer).origin;
  }

  async signIn(url: string, user: string, options: BrowseOptions): Promise<URL> {
    const end = await this.walk(new URL(url), user, options);
    if (!end) throw new Error('the sign-in ended at the IdP instead of redirecting to the client');
    return end;
  }

  async approveDevice(url: string, user: string): Promise<void> {
    const end = await this.walk(new URL(url), user, {});
    if (end) throw new Error(`the device confirmation left the IdP: ${end.href}`);
  }

  /** Follows pages and forms until a redirect leaves the IdP (returned) or a page has no form (undefined). */
  private async walk(start: URL, user: string, options: BrowseOptions): Promise<URL | undefined> {
    let res = await this.request(start);
    let here = start;
    for (let step = 0; step < 30; step++) {
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        here = new URL(location, here);
        if (here.origin !== this.origin) return here;
        res = await this.request(here);
        continue;
      }
      const html = await res.text();
      if (res.status !== 200) throw new Error(`the IdP answered ${res.status} at ${here.pathname}: ${strip(html)}`);
      const abort = /<a href="([^"]*\/abort)"/.exec(html);
      if (options.cancel && abort) {
        here = new URL(unescapeHtml(abort[1]!), here);
        res = await this.request(here);
        continue;
      }
      const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
      if (!form) {
        if (/error/i.test(html) && !/success/i.test(html)) throw new Error(`the IdP showed an error at ${here.pathname}: ${strip(html)}`);
        return undefined;
      }
      const fields = new URLSearchParams();
      for (const input of form[2]!.matchAll(/<input([^>]*)>/gi)) {
        const name = /name="([^"]*)"/.exec(input[1]!)?.[1];
        const value = /value="([^"]*)"/.exec(input[1]!)?.[1] ?? '';
        if (name === 'login') fields.set(name, user);
        else if (name === 'password') fields.set(name, 'any password');
        else if (name) fields.set(name, unescapeHtml(value));
      }
      here = new URL(unescapeHtml(form[1]!), here);
      res = await this.request(here, fields);
    }
    throw new Error('the sign-in did not finish within 30 steps');
  }

  private async request(url: URL, form?: URLSearchParams): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, { method: form ? 'POST' : 'GET', headers, redirect: 'manual', ...(form ? { body: form } : {}) });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}

const strip = (html: string) =>
  html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 400);

const unescapeHtml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
