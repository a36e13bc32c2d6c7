/** The service's HTTP errors: a status and a stable code (docs/KEY-SERVICE.md, "Errors"). */
export const HTTP_CODES = {
  E_BAD_REQUEST: 400,
  E_UNSUPPORTED_ALG: 400,
  E_DECRYPT: 400,
  E_TOKEN_MISSING: 401,
  E_TOKEN_INVALID: 401,
  E_TOKEN_EXPIRED: 401,
  E_NOT_AUTHORISED: 403,
  E_REVOKED: 403,
  E_LINEAGE: 403,
  E_KEY_UNKNOWN: 404,
  E_KEY_VERSION_UNKNOWN: 404,
  E_KEY_RETIRED: 404,
  E_NOT_FOUND: 404,
  E_METHOD: 405,
  E_FORK: 409,
  E_TOO_LARGE: 413,
  E_IDP_UNAVAILABLE: 503,
  E_HSM_UNAVAILABLE: 503,
  E_STATE_UNAVAILABLE: 503,
  E_LOG_FAILED: 503,
  E_INTERNAL: 500,
} as const;

export type HttpCode = keyof typeof HTTP_CODES;

/** An answer other than 200: the response body is `{code, reason}`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly code: HttpCode,
    readonly reason: string,
  ) {
    super(reason);
  }

  get status(): number {
    return HTTP_CODES[this.code];
  }
}

/** Seconds a client (or a load balancer) should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 1;

/** The token failed: a fault, answered 503 so that clients retry and load balancers fail over. */
export function hsmUnavailable(): HttpError {
  return new HttpError('E_HSM_UNAVAILABLE', 'the key service cannot reach its key token right now; try again shortly');
}

/** The one reason for every value that does not decrypt, whatever failed. */
export const DECRYPT_REASON = 'the value does not decrypt under this key version with this content id and label';
