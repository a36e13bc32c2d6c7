/**
 * A key service inside the test process, for the core's Double Key tests: real RSA-OAEP-256 key pairs
 * (WebCrypto), key versions, and the refusals a real service gives (by a SensitivityError, as the HTTP client
 * maps them). The real service, over HTTP with tokens and a PKCS#11 token, is in the end-to-end tests.
 */
import { exportJWK } from 'jose';
import type { DoubleKeyAccess, DoubleKeyContent, KeyServiceClient, RsaPublicJwk } from '../../src/core/envelope/index.js';
import { doubleKeyAccess, oaepLabel } from '../../src/core/envelope/index.js';
import { SensitivityError } from '../../src/core/errors.js';

export interface RsaKeyPair {
  readonly kid: string;
  readonly publicJwk: RsaPublicJwk;
  /** The private half as a JWK (n, e, d, p, q, dp, dq, qi), for vector files and the Python reader. */
  readonly privateJwk: Record<string, string>;
}

/** A fresh RSA key pair for RSA-OAEP-256 (3072 bits unless asked). */
export async function rsaKeyPair(kid: string, bits = 3072): Promise<RsaKeyPair> {
  const pair = await crypto.subtle.generateKey({ name: 'RSA-OAEP', modulusLength: bits, publicExponent: Uint8Array.of(1, 0, 1), hash: 'SHA-256' }, true, [
    'encrypt',
    'decrypt',
  ]);
  const jwk = (await exportJWK(pair.privateKey)) as Record<string, string>;
  const { kty: _k, alg: _a, key_ops: _o, ext: _e, ...priv } = jwk;
  return { kid, publicJwk: { kty: 'RSA', n: jwk.n!, e: jwk.e! }, privateJwk: { kty: 'RSA', ...priv } };
}

/** RSA-OAEP-256 decryption with a private JWK and the OAEP label of `content`, as the key service does it. */
export async function rsaDecrypt(privateJwk: Record<string, string>, value: Uint8Array, content: DoubleKeyContent): Promise<Uint8Array> {
  const key = await importPrivate(privateJwk);
  const label = oaepLabel(content) as Uint8Array<ArrayBuffer>;
  return new Uint8Array(await crypto.subtle.decrypt({ name: 'RSA-OAEP', label }, key, value as Uint8Array<ArrayBuffer>));
}

/** An in-process key service: versions per key name, the newest published; `refuse` makes every decrypt fail. */
export class LocalKeyService implements KeyServiceClient {
  readonly versions = new Map<string, RsaKeyPair[]>();
  readonly calls: { op: 'publicKey' | 'decrypt'; at: string }[] = [];
  refuse: SensitivityError | undefined;

  /** Adds a new (newest) version of key `url`. */
  async rotate(url: string, keyId: string, bits = 3072): Promise<RsaKeyPair> {
    const pair = await rsaKeyPair(`${url}/${keyId}`, bits);
    this.versions.set(url, [...(this.versions.get(url) ?? []), pair]);
    return pair;
  }

  async publicKey(url: string): Promise<{ kid: string; key: RsaPublicJwk }> {
    this.calls.push({ op: 'publicKey', at: url });
    const newest = this.versions.get(url)?.at(-1);
    if (!newest) throw new SensitivityError('E_KEYSERVICE_UNREACHABLE', `no key at ${url}`);
    return { kid: newest.kid, key: newest.publicJwk };
  }

  async decrypt(kid: string, value: Uint8Array, content: DoubleKeyContent): Promise<Uint8Array> {
    this.calls.push({ op: 'decrypt', at: kid });
    if (this.refuse) throw this.refuse;
    const pair = [...this.versions.values()].flat().find((p) => p.kid === kid);
    if (!pair) throw new SensitivityError('E_KEY_RETIRED', `the key ${kid} is retired`);
    return rsaDecrypt(pair.privateJwk, value, content);
  }

  /** Every organisation-secret ciphertext made through `access()`, in order (for vector files). */
  readonly sealed: Uint8Array[] = [];
  /** Ciphertexts to serve instead of fresh ones (RSA-OAEP is randomised): each must decrypt to the secret it stands for. */
  replay: Uint8Array[] = [];

  /** The envelope's view of this service: encryption in WebCrypto, recorded, or replayed from a vector file. */
  access(): DoubleKeyAccess {
    const base = doubleKeyAccess(this);
    return {
      unwrap: base.unwrap,
      wrap: async (url) => {
        const wrap = await base.wrap(url);
        const pair = this.versions.get(url)!.find((p) => p.kid === wrap.kid)!;
        return {
          ...wrap,
          encrypt: async (secret, label) => {
            const replayed = this.replay.shift();
            const out = replayed ?? (await wrap.encrypt(secret, label));
            if (replayed) {
              const key = await importPrivate(pair.privateJwk);
              const opened = new Uint8Array(
                await crypto.subtle.decrypt({ name: 'RSA-OAEP', label: label as Uint8Array<ArrayBuffer> }, key, replayed as Uint8Array<ArrayBuffer>),
              );
              if (opened.join() !== secret.join()) throw new Error('a replayed ciphertext does not hold the secret it stands for');
            }
            this.sealed.push(out);
            return out;
          },
        };
      },
    };
  }

  /** A service holding the given key versions (from a vector file), newest last per key name. */
  static of(versions: Readonly<Record<string, readonly RsaKeyPair[]>>): LocalKeyService {
    const s = new LocalKeyService();
    for (const [url, pairs] of Object.entries(versions)) s.versions.set(url, [...pairs]);
    return s;
  }
}

function importPrivate(privateJwk: Record<string, string>): Promise<CryptoKey> {
  return crypto.subtle.importKey('jwk', { ...privateJwk, kty: 'RSA', alg: 'RSA-OAEP-256' }, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
}
