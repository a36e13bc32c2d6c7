/**
 * The whole platform the core may use, and nothing else: WebCrypto, the encoding API and AbortSignal, as
 * every browser, worker and Node provide them. `tsconfig.core.json` compiles src/core against this file
 * alone (no DOM, no Node types), so a use of `Buffer`, `process`, `fs` or `document` fails the typecheck.
 */
type BufferLike = ArrayBuffer | ArrayBufferView;

interface CryptoKey {
  readonly type: string;
  readonly extractable: boolean;
}

interface CryptoKeyPair {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

interface AesGcmParams {
  readonly name: string;
  readonly iv: BufferLike;
  readonly additionalData?: BufferLike;
  readonly tagLength?: number;
}

interface SubtleCrypto {
  encrypt(algorithm: AesGcmParams, key: CryptoKey, data: BufferLike): Promise<ArrayBuffer>;
  decrypt(algorithm: AesGcmParams, key: CryptoKey, data: BufferLike): Promise<ArrayBuffer>;
  digest(algorithm: string, data: BufferLike): Promise<ArrayBuffer>;
  importKey(format: string, keyData: BufferLike | object, algorithm: object | string, extractable: boolean, usages: readonly string[]): Promise<CryptoKey>;
  generateKey(algorithm: object | string, extractable: boolean, usages: readonly string[]): Promise<CryptoKey | CryptoKeyPair>;
  deriveBits(algorithm: object, baseKey: CryptoKey, length: number): Promise<ArrayBuffer>;
  encrypt(algorithm: object, key: CryptoKey, data: BufferLike): Promise<ArrayBuffer>;
  decrypt(algorithm: object, key: CryptoKey, data: BufferLike): Promise<ArrayBuffer>;
  sign(algorithm: object | string, key: CryptoKey, data: BufferLike): Promise<ArrayBuffer>;
  verify(algorithm: object | string, key: CryptoKey, signature: BufferLike, data: BufferLike): Promise<boolean>;
}

interface Crypto {
  readonly subtle: SubtleCrypto;
  getRandomValues<T extends ArrayBufferView>(array: T): T;
}

declare var crypto: Crypto;

declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: BufferLike, options?: { stream?: boolean }): string;
}

interface AbortSignal {
  readonly aborted: boolean;
}
