/**
 * The client of an organisation key service (docs/KEY-SERVICE.md, Microsoft's Double Key Encryption
 * protocol): `GET <service>/<keyName>` for the public key (cached until the service's `cache.exp`), and
 * `POST <kid>/decrypt` with a bearer token from the organisation sign-in. Every failure is a stable code:
 * unreachable (E_KEYSERVICE_UNREACHABLE), a 5xx or no answer in time (E_KEYSERVICE_UNAVAILABLE: a fault at
 * the service, never a verdict about the key), sign-in (E_SIGNIN_REQUIRED after one refresh), not authorised
 * (E_KEYSERVICE_DENIED), revoked (E_KEYSERVICE_REVOKED), retired key (E_KEY_RETIRED), anything else the
 * protocol does not say (E_KEYSERVICE_PROTOCOL). Tokens and secrets are never logged or put in messages.
 */
import { base64url } from 'jose';
import type { OrganisationDirectory, TokenSource, WitnessService } from '../core/app/index.js';
import type { PublicIdentity } from '../core/identity.js';
import {
  DOUBLE_KEY_ALG,
  fromBase64,
  toBase64,
  type DoubleKeyContent,
  type KeyServiceClient,
  type RsaPublicJwk,
  type WitnessHeadHandler,
} from '../core/envelope/index.js';
import { integrityError, isSensitivityError, SensitivityError, type ErrorCode, type ErrorHint } from '../core/errors.js';
import { WITNESS_KIND } from '../core/org/index.js';
import { systemClock, type Clock } from '../core/ports.js';

export interface KeyServiceClientOptions {
  /** The organisation sign-in; without one, decrypting is E_SIGNIN_REQUIRED. */
  readonly tokens?: TokenSource | undefined;
  readonly clock?: Clock;
  /** Per request (default 10 s): a service that does not answer in time is unreachable. */
  readonly timeoutMs?: number;
}

/** The audience of a key service's tokens: its base URL (`<service>` of `<service>/<keyName>[/<keyId>]`). */
export function serviceOf(url: string, segments: number): string {
  return url.split('/').slice(0, -segments).join('/');
}

/** The service's JSON error codes, and what they mean here. */
const SERVICE_CODES: Readonly<Record<string, { code: ErrorCode; hint?: ErrorHint; say: string }>> = {
  E_NOT_AUTHORISED: { code: 'E_KEYSERVICE_DENIED', hint: 'ask-admin', say: 'does not authorise you for this key' },
  E_REVOKED: { code: 'E_KEYSERVICE_REVOKED', hint: 'ask-admin', say: 'has revoked your access to this file' },
  E_KEY_RETIRED: { code: 'E_KEY_RETIRED', hint: 'ask-admin', say: 'has retired the key this file was protected with: it opens for nobody any more' },
  E_KEY_UNKNOWN: { code: 'E_KEY_RETIRED', hint: 'ask-admin', say: 'does not have the key this file was protected with' },
  E_KEY_VERSION_UNKNOWN: { code: 'E_KEY_RETIRED', hint: 'ask-admin', say: 'does not have the key version this file was protected with' },
  E_IDP_UNAVAILABLE: { code: 'E_KEYSERVICE_UNAVAILABLE', hint: 'retry', say: 'cannot reach the identity provider; try again shortly' },
  E_HSM_UNAVAILABLE: { code: 'E_KEYSERVICE_UNAVAILABLE', hint: 'retry', say: 'cannot reach its key token right now; try again shortly' },
  E_LOG_FAILED: { code: 'E_KEYSERVICE_UNAVAILABLE', hint: 'retry', say: 'cannot write its access log; try again shortly' },
  // The witness: the new version is not signed by an owner of the one it replaces (our writers never send such a one).
  E_LINEAGE: { code: 'E_LINEAGE', say: 'refused this access change: the new version is not signed by an owner of the version it replaces' },
};
const TOKEN_CODES = new Set(['E_TOKEN_MISSING', 'E_TOKEN_INVALID', 'E_TOKEN_EXPIRED']);

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
}

/** One JSON request to a service at `service`; no connection is E_KEYSERVICE_UNREACHABLE, no answer in time E_KEYSERVICE_UNAVAILABLE. */
async function call(url: string, service: string, init: RequestInit, timeoutMs: number, what = 'the key service'): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const late = e instanceof Error && e.name === 'TimeoutError';
    throw new SensitivityError(
      late ? 'E_KEYSERVICE_UNAVAILABLE' : 'E_KEYSERVICE_UNREACHABLE',
      late ? `${what} at ${service} did not answer within ${timeoutMs / 1000} s; try again shortly` : `${what} at ${service} cannot be reached`,
      undefined,
      { cause: e, details: { hint: 'retry', service } },
    );
  }
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = await res.json();
    body = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, body };
}

/**
 * A service's answer other than success, as a stable code: any 5xx is E_KEYSERVICE_UNAVAILABLE (a fault:
 * whatever its body says, never a verdict such as "retired"), else the service's own code when it says
 * one, the protocol error otherwise.
 */
function failure(a: Answer, service: string, what = 'the key service'): SensitivityError {
  const code = typeof a.body?.code === 'string' ? a.body.code : '';
  const said = SERVICE_CODES[code];
  const known = a.status < 500 || said?.code === 'E_KEYSERVICE_UNAVAILABLE' ? said : undefined;
  if (known)
    return new SensitivityError(known.code, `${what} at ${service} ${known.say}`, undefined, {
      details: { service, ...(known.hint ? { hint: known.hint } : {}) },
    });
  if (a.status >= 500)
    return new SensitivityError('E_KEYSERVICE_UNAVAILABLE', `${what} at ${service} failed (HTTP ${a.status}); try again shortly`, undefined, {
      details: { hint: 'retry', service },
    });
  if (code === 'E_DECRYPT') return integrityError();
  return protocolError(service, `answered HTTP ${a.status}${code ? ` ${code}` : ''}, which this program does not expect`, what);
}

function protocolError(service: string, said: string, what = 'the key service'): SensitivityError {
  return new SensitivityError('E_KEYSERVICE_PROTOCOL', `${what} at ${service} ${said}`, undefined, { details: { hint: 'ask-admin', service } });
}

/** A KeyServiceClient over HTTP(S), for the CLI and the extension. */
export function httpKeyServiceClient(options: KeyServiceClientOptions = {}): KeyServiceClient {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const cache = new Map<string, { kid: string; key: RsaPublicJwk; until: number }>();

  return {
    async publicKey(url) {
      const hit = cache.get(url);
      if (hit && hit.until > clock.now().getTime()) return { kid: hit.kid, key: hit.key };
      const service = serviceOf(url, 1);
      const a = await call(url, service, { headers: { accept: 'application/json' } }, timeoutMs);
      if (a.status !== 200) throw failure(a, service);
      const parsed = parsePublicKey(a.body, service);
      const exp = parseCacheExp((a.body?.cache as Record<string, unknown> | undefined)?.exp);
      if (Number.isFinite(exp)) cache.set(url, { ...parsed, until: exp });
      return parsed;
    },

    async decrypt(kid: string, value: Uint8Array, content: DoubleKeyContent, onWitnessHead?: WitnessHeadHandler) {
      const service = serviceOf(kid, 2);
      if (!options.tokens) {
        throw new SensitivityError('E_SIGNIN_REQUIRED', `this file needs the key service at ${service}: sign in to your organisation first`, undefined, {
          details: { hint: 'sign-in', service },
        });
      }
      const body = JSON.stringify({ alg: DOUBLE_KEY_ALG, value: toBase64(value), contentId: content.contentId, label: content.label });
      let a: Answer | undefined;
      for (const fresh of [false, true]) {
        const token = await options.tokens.token(service, { fresh });
        a = await call(
          `${kid}/decrypt`,
          service,
          {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
            body,
          },
          timeoutMs,
        );
        if (a.status !== 401) break;
      }
      if (a!.status === 200 && typeof a!.body?.value === 'string') {
        let secret: Uint8Array;
        try {
          secret = fromBase64(a!.body.value);
        } catch (e) {
          if (isSensitivityError(e)) throw failure({ status: 200, body: undefined }, service);
          throw e;
        }
        try {
          await onWitnessHead?.(witnessHeadOf(a!.body, service), service);
          return secret;
        } catch (e) {
          secret.fill(0);
          throw e;
        }
      }
      if (a!.status === 401 || TOKEN_CODES.has(String(a!.body?.code))) {
        throw new SensitivityError('E_SIGNIN_REQUIRED', `the key service at ${service} did not accept your sign-in, even a fresh one`, undefined, {
          details: { hint: 'sign-in', service },
        });
      }
      throw failure(a!, service);
    },
  };
}

/**
 * The witness's head a decrypt answer carries (`"witness": {"kind": "org-witness", "receipt": <JWS>}`, docs/KEY-SERVICE.md):
 * none from a service that sends none, or of a kind this program does not know; E_KEYSERVICE_PROTOCOL when malformed.
 */
function witnessHeadOf(body: Record<string, unknown>, service: string): string | undefined {
  const w = body.witness;
  if (w === undefined) return undefined;
  if (typeof w !== 'object' || w === null || Array.isArray(w)) throw protocolError(service, 'answered a witness head that is not an object');
  const { kind, receipt } = w as Record<string, unknown>;
  if (kind !== WITNESS_KIND) return undefined;
  if (typeof receipt !== 'string') throw protocolError(service, 'answered a witness head without a receipt');
  return receipt;
}

/** `{"key":{"kty":"RSA","n":<base64>,"e":65537,"kid":…}}` → the kid and a JWK (E_KEYSERVICE_PROTOCOL otherwise). */
function parsePublicKey(body: Record<string, unknown> | undefined, service: string): { kid: string; key: RsaPublicJwk } {
  const k = body?.key as Record<string, unknown> | undefined;
  try {
    if (!k || k.kty !== 'RSA' || typeof k.n !== 'string' || typeof k.kid !== 'string') throw new TypeError('shape');
    const n = base64url.encode(fromBase64(k.n.replaceAll('-', '+').replaceAll('_', '/')));
    const e = typeof k.e === 'number' && Number.isSafeInteger(k.e) && k.e > 1 ? base64url.encode(bigEndian(k.e)) : typeof k.e === 'string' ? k.e : undefined;
    if (!e) throw new TypeError('exponent');
    return { kid: k.kid, key: { kty: 'RSA', n, e } };
  } catch {
    throw protocolError(service, 'did not answer with an RSA public key');
  }
}

/** `cache.exp`: the reference service writes UTC without a zone (`2020-11-21T21:15:55`), which is UTC, not local time. */
function parseCacheExp(v: unknown): number {
  if (typeof v !== 'string') return NaN;
  return Date.parse(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$/.test(v) ? `${v}Z` : v);
}

function bigEndian(n: number): Uint8Array {
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return Uint8Array.from(out);
}

/** The organisation's certified directory over HTTP(S) (docs/KEY-SERVICE.md), and publishing one's own identity to it. */
export interface HttpOrganisationDirectory extends OrganisationDirectory {
  /** POST <url>/directory with a sign-in token: certifies the signed-in person's own identity; the certificate. */
  publish(url: string, identity: PublicIdentity): Promise<string>;
}

const DIRECTORY = "the organisation's directory";

export function httpOrganisationDirectory(options: KeyServiceClientOptions = {}): HttpOrganisationDirectory {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const get = (url: string, path: string) => call(`${url}/directory${path}`, url, { headers: { accept: 'application/json' } }, timeoutMs, DIRECTORY);
  const certificateOf = (a: Answer, url: string): string => {
    if (typeof a.body?.certificate !== 'string') throw protocolError(url, 'did not answer with a certificate', DIRECTORY);
    return a.body.certificate;
  };
  return {
    async certificationKeys(url) {
      const a = await get(url, '');
      if (a.status !== 200) throw failure(a, url, DIRECTORY);
      const keys = a.body?.keys;
      if (!Array.isArray(keys)) throw protocolError(url, 'did not answer with its certification keys', DIRECTORY);
      return keys
        .filter(
          (k): k is Record<string, unknown> =>
            typeof k === 'object' && k !== null && k.kty === 'EC' && k.crv === 'P-256' && typeof k.x === 'string' && typeof k.y === 'string',
        )
        .map((k) => ({ kty: 'EC' as const, crv: 'P-256' as const, x: k.x as string, y: k.y as string }));
    },
    async certificate(url, email) {
      const a = await get(url, `/${encodeURIComponent(email.trim().toLowerCase())}`);
      if (a.status === 404 && a.body?.code === 'E_NOT_FOUND') {
        throw new SensitivityError(
          'E_DIRECTORY_NOT_LISTED',
          `${email} has no current certificate in ${DIRECTORY} at ${url}: they have not published their identity, it expired, or the organisation revoked them`,
          undefined,
          {
            details: { hint: 'add-person', who: email, service: url },
          },
        );
      }
      if (a.status !== 200) throw failure(a, url, DIRECTORY);
      return certificateOf(a, url);
    },
    async publish(url, identity) {
      if (!options.tokens)
        throw new SensitivityError('E_SIGNIN_REQUIRED', `publishing to ${DIRECTORY} at ${url} needs a sign-in`, undefined, {
          details: { hint: 'sign-in', service: url },
        });
      const token = await options.tokens.token(url);
      const a = await call(
        `${url}/directory`,
        url,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ identity }),
        },
        timeoutMs,
        DIRECTORY,
      );
      if (a.status === 401)
        throw new SensitivityError('E_SIGNIN_REQUIRED', `${DIRECTORY} at ${url} did not accept your sign-in`, undefined, {
          details: { hint: 'sign-in', service: url },
        });
      if (a.status !== 200) throw failure(a, url, DIRECTORY);
      return certificateOf(a, url);
    },
  };
}

const WITNESS = "the organisation's witness";

/** The organisation's witness over HTTP(S) (docs/KEY-SERVICE.md, "The witness"): one `POST <url>/witness` per new policy version. */
export function httpWitnessService(options: KeyServiceClientOptions = {}): WitnessService {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async register(url, registration) {
      if (!options.tokens)
        throw new SensitivityError(
          'E_SIGNIN_REQUIRED',
          `access changes in this workspace are registered at ${WITNESS} at ${url}: sign in to your organisation first`,
          undefined,
          {
            details: { hint: 'sign-in', service: url },
          },
        );
      let a: Answer | undefined;
      for (const fresh of [false, true]) {
        const token = await options.tokens.token(url, { fresh });
        const init = {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(registration),
        };
        a = await call(`${url}/witness`, url, init, timeoutMs, WITNESS);
        if (a.status !== 401) break;
      }
      if (a!.status === 200 && a!.body?.kind === WITNESS_KIND && typeof a!.body.receipt === 'string') return a!.body.receipt;
      if (a!.status === 401)
        throw new SensitivityError('E_SIGNIN_REQUIRED', `${WITNESS} at ${url} did not accept your sign-in, even a fresh one`, undefined, {
          details: { hint: 'sign-in', service: url },
        });
      if (a!.status === 409 && a!.body?.code === 'E_FORK') {
        const head = a!.body.head as Record<string, unknown> | undefined;
        const seen = typeof head?.ver === 'number' ? head.ver : 0;
        throw new SensitivityError(
          'E_FORK',
          `does not extend the access history ${WITNESS} at ${url} registered (version ${seen}): this copy is older than the file, or a fork of it; nothing was written`,
          undefined,
          {
            details: {
              witness: 'organisation',
              service: url,
              version: registration.ver,
              seenVersion: seen,
              seenHead: typeof head?.pd === 'string' ? head.pd : '',
            },
          },
        );
      }
      if (a!.status === 200) throw protocolError(url, 'did not answer with a receipt', WITNESS);
      throw failure(a!, url, WITNESS);
    },
  };
}
