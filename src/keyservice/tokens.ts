/**
 * Bearer tokens: JWTs from the organisation's OIDC provider, verified with jose against the key set named
 * by the issuer's discovery document. createRemoteJWKSet refetches the set when a token names an unknown
 * `kid` (key rotation at the IdP), at most once per JWKS_COOLDOWN_MS.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { systemClock, type Clock } from '../core/ports.js';
import type { ServiceConfig } from './config.js';
import { HttpError } from './http-error.js';

/** The signed-in caller, as the token says. */
export interface Caller {
  readonly sub: string;
  /** Lower-cased; absent for a service account. */
  readonly email?: string;
  /** The service account's name (`oidc.serviceAccounts`) when a machine signed in: its token carries no email. */
  readonly serviceAccount?: string;
  readonly groups: readonly string[];
  readonly roles: readonly string[];
}

/** Asymmetric JWS algorithms only: a shared-secret token could be minted by anyone holding the secret. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** After a failed discovery, the next request tries again after this long. */
const RETRY_MS = 2000;
const FETCH_TIMEOUT_MS = 5000;
/** A token naming an unknown `kid` refetches the IdP's key set at most this often (jose's default is 30 s). */
export const JWKS_COOLDOWN_MS = 5000;

type Oidc = ServiceConfig['oidc'];

/** Verified tokens are remembered (by their exact text) for at most this long, and never past their `exp`. */
const REMEMBER_MS = 60_000;
/** At most this many remembered tokens; the memory is emptied when it is full. */
const REMEMBER_MAX = 10_000;

export class TokenVerifier {
  private jwks: Promise<JWTVerifyGetKey> | undefined;
  private failedAt = 0;
  /** Tokens already verified: a client reuses its token for every request until it expires, and a signature check costs more than the rest of a request. */
  private readonly verified = new Map<string, { caller: Caller; until: number }>();
  /** Token subject → service-account name. */
  private serviceAccounts: ReadonlyMap<string, string> = new Map();

  constructor(
    private readonly oidc: Oidc,
    private readonly clock: Clock = systemClock,
  ) {
    this.useServiceAccounts(oidc.serviceAccounts);
  }

  /**
   * Takes the service accounts of a re-read config (no restart needed). When they changed, the remembered
   * tokens are forgotten: a remembered caller carries the name its subject had, so a machine removed from
   * the config is refused from its next request, and one added or renamed is known by its new name.
   */
  useServiceAccounts(accounts: Oidc['serviceAccounts']): void {
    const next = new Map(Object.entries(accounts).map(([name, subject]) => [subject, name]));
    const same = next.size === this.serviceAccounts.size && [...next].every(([subject, name]) => this.serviceAccounts.get(subject) === name);
    if (same) return;
    this.serviceAccounts = next;
    this.verified.clear();
  }

  private keySet(): Promise<JWTVerifyGetKey> {
    if (this.jwks === undefined && Date.now() - this.failedAt >= RETRY_MS) {
      this.jwks = discover(this.oidc.issuer).catch((e: unknown) => {
        this.jwks = undefined;
        this.failedAt = Date.now();
        throw e;
      });
    }
    return this.jwks ?? Promise.reject(new HttpError('E_IDP_UNAVAILABLE', 'the identity provider could not be reached; try again shortly'));
  }

  /** The caller behind an `Authorization` header value; HttpError 401 (or 503 when the IdP is down). */
  async verify(authorization: string | undefined): Promise<Caller> {
    // RFC 7235 §2.1: the scheme is case-insensitive ("bearer" is as good as "Bearer").
    const m = /^Bearer +([A-Za-z0-9_.~+/=-]+) *$/i.exec(authorization ?? '');
    if (!m) throw new HttpError('E_TOKEN_MISSING', 'send the access token from your sign-in as "Authorization: Bearer TOKEN"');
    const now = this.clock.now().getTime();
    const known = this.verified.get(m[1]!);
    if (known && now < known.until) return known.caller;
    const caller = await this.check(m[1]!);
    if (this.verified.size >= REMEMBER_MAX) this.verified.clear();
    this.verified.set(m[1]!, { caller: caller.caller, until: Math.min(now + REMEMBER_MS, caller.exp * 1000) });
    return caller.caller;
  }

  /** The full check of one token: signature, issuer, audience, times, claims. */
  private async check(token: string): Promise<{ caller: Caller; exp: number }> {
    const jwks = await this.keySet();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: this.oidc.issuer,
        audience: this.oidc.audience,
        clockTolerance: this.oidc.clockSkewSeconds,
        currentDate: this.clock.now(),
        algorithms: ALGORITHMS,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (e) {
      if (e instanceof errors.JWTExpired) throw new HttpError('E_TOKEN_EXPIRED', 'the access token has expired: refresh it or sign in again');
      if (e instanceof errors.JWKSTimeout || !(e instanceof errors.JOSEError)) {
        throw new HttpError('E_IDP_UNAVAILABLE', 'the identity provider’s keys could not be fetched; try again shortly');
      }
      throw new HttpError('E_TOKEN_INVALID', `the access token is not valid here (${e.code})`);
    }
    const email = payload[this.oidc.emailClaim];
    const groupsAndRoles = { groups: strings(payload[this.oidc.groupsClaim]), roles: strings(payload[this.oidc.rolesClaim]) };
    if (email === undefined) {
      // A machine (client credentials, token exchange): known only by its subject, named in the config.
      const serviceAccount = this.serviceAccounts.get(payload.sub!);
      if (serviceAccount === undefined)
        throw new HttpError('E_TOKEN_INVALID', `the access token has no "${this.oidc.emailClaim}" claim and names no service account`);
      return { caller: { sub: payload.sub!, serviceAccount, ...groupsAndRoles }, exp: payload.exp! };
    }
    if (typeof email !== 'string' || !email.includes('@')) throw new HttpError('E_TOKEN_INVALID', `the access token has no "${this.oidc.emailClaim}" claim`);
    if (payload.email_verified === false) throw new HttpError('E_TOKEN_INVALID', 'the access token’s email is not verified');
    return {
      caller: {
        sub: payload.sub!,
        email: email.trim().toLowerCase(),
        ...groupsAndRoles,
      },
      exp: payload.exp!,
    };
  }
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : []);

/** OpenID Connect Discovery 1.0 §4: the document at the issuer's well-known path, naming the same issuer. */
async function discover(issuer: string): Promise<JWTVerifyGetKey> {
  let doc: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    doc = (await res.json()) as typeof doc;
  } catch {
    throw new HttpError('E_IDP_UNAVAILABLE', 'the identity provider’s discovery document could not be fetched; try again shortly');
  }
  if (typeof doc.issuer !== 'string' || doc.issuer.replace(/\/+$/, '') !== issuer || typeof doc.jwks_uri !== 'string') {
    throw new HttpError('E_IDP_UNAVAILABLE', 'the identity provider’s discovery document names another issuer or no key set');
  }
  return createRemoteJWKSet(new URL(doc.jwks_uri), { timeoutDuration: FETCH_TIMEOUT_MS, cooldownDuration: JWKS_COOLDOWN_MS });
}
