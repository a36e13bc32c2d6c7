/**
 * The organisation's signed statements (certificates, witness receipts): compact JWS, ES256, signed by a key
 * in the key service's HSM (through a signer that returns the raw `r || s`), verified against pinned EC
 * P-256 public keys named by their RFC 7638 thumbprint in `kid`. Pure: WebCrypto only.
 */
import { base64url, calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';

/** Signs a JWS signing input with ES256 and returns the raw `r || s` (64 bytes), as RFC 7518 §3.4 wants. */
export interface CertificateSigner {
  /** The RFC 7638 thumbprint of the signer's public key: the JWS `kid`. */
  readonly kid: string;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

const enc = (v: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(v)));

/** The compact JWS of `payload` with header `{alg: ES256, typ, kid}`, signed by `signer`. */
export async function signOrgStatement(typ: string, payload: Record<string, unknown>, signer: CertificateSigner): Promise<string> {
  const input = `${enc({ alg: 'ES256', typ, kid: signer.kid })}.${enc(payload)}`;
  const signature = await signer.sign(new TextEncoder().encode(input));
  if (signature.length !== 64) throw new TypeError('an ES256 signature is 64 bytes (r || s)');
  return `${input}.${base64url.encode(signature)}`;
}

/** The `kid` of an EC P-256 public JWK: its RFC 7638 thumbprint. */
export function certificationKeyId(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } as JWK, 'sha256');
}

/**
 * Checks a statement's header (`typ`, ES256 only, a `kid` naming a pinned key) and signature; its claims and
 * the signing key's thumbprint. `invalid(why)` makes the caller's error for each failure.
 */
export async function verifyOrgStatement(
  jws: string,
  typ: string,
  pinned: readonly JWK[],
  invalid: (why: string) => Error,
): Promise<{ claims: Record<string, unknown>; kid: string }> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    throw invalid('is not a compact JWS');
  }
  if (header.typ !== typ) throw invalid(`has type ${JSON.stringify(header.typ)}, not ${typ}`);
  if (header.alg !== 'ES256') throw invalid('is not signed with ES256');
  const kids = await Promise.all(pinned.map(certificationKeyId));
  const i = kids.indexOf(String(header.kid));
  if (i < 0) throw invalid('is signed by a key you have not pinned');
  let payload: Uint8Array;
  try {
    const key = await importJWK({ kty: 'EC', crv: 'P-256', x: pinned[i]!.x, y: pinned[i]!.y } as JWK, 'ES256');
    ({ payload } = await compactVerify(jws, key, { algorithms: ['ES256'] }));
  } catch {
    throw invalid('has a signature that does not verify');
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    throw invalid('has a payload that is not JSON');
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw invalid('has a payload that is not a JSON object');
  return { claims: claims as Record<string, unknown>, kid: kids[i]! };
}
