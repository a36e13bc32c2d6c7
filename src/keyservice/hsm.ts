/**
 * The PKCS#11 token that holds the organisation's keys (an HSM; SoftHSM2 in tests), through `pkcs11js`.
 * Keys are generated inside the token, sensitive and not extractable; decryption and signing run inside
 * it. Each key version is a key pair whose objects are both labelled `sensitivity:<name>:<version>`;
 * retiring a version destroys its private key (crypto-shredding) and keeps the public key, so the
 * version stays known as retired. The native module is loaded here only: never by the extension.
 */
import { createHash, createPublicKey, publicEncrypt, randomBytes, constants as cryptoConstants } from 'node:crypto';
import * as pkcs11js from 'pkcs11js';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { isKeyName } from './names.js';
import { oaepSha256Decode } from './oaep.js';

export type KeyType = 'rsa-3072' | 'rsa-4096' | 'ec-p256';
export const KEY_TYPES: readonly KeyType[] = ['rsa-3072', 'rsa-4096', 'ec-p256'];

/** One version of a key, as the token holds it. */
export interface KeyVersion {
  readonly name: string;
  readonly version: number;
  /** RFC 7638 thumbprint of the public key: the DKE key id and the JWS kid. */
  readonly keyId: string;
  readonly type: KeyType;
  readonly publicJwk: JWK;
  /** The private key is destroyed: nothing decrypts or signs under this version again. */
  readonly retired: boolean;
}

export interface TokenOptions {
  /** Path of the PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so). */
  readonly module: string;
  /** The token's label. */
  readonly token: string;
  readonly pin: string;
}

const PREFIX = 'sensitivity:';
/** PKCS#11 v2.40 §2.1.8: the OAEP label comes from `sourceData` (pkcs11js does not export the constant). */
const CKZ_DATA_SPECIFIED = 1;
/** DER of the P-256 curve's OID (1.2.840.10045.3.1.7), for CKA_EC_PARAMS. */
const P256 = Buffer.from('06082a8648ce3d030107', 'hex');

const labelOf = (name: string, version: number) => `${PREFIX}${name}:${version}`;

function parseLabel(label: string): { name: string; version: number } | undefined {
  const m = /^sensitivity:([^:]+):([1-9][0-9]{0,8})$/.exec(label);
  return m ? { name: m[1]!, version: Number(m[2]) } : undefined;
}

/** The PKCS#11 return values that mean "this token does not do that mechanism (with those parameters)". */
const UNSUPPORTED = new Set([
  pkcs11js.CKR_MECHANISM_INVALID,
  pkcs11js.CKR_MECHANISM_PARAM_INVALID,
  pkcs11js.CKR_ARGUMENTS_BAD,
  pkcs11js.CKR_FUNCTION_NOT_SUPPORTED,
]);

function pkcs11Code(e: unknown): number | undefined {
  return e instanceof pkcs11js.Pkcs11Error ? e.code : undefined;
}

/** An open, logged-in session on the token. */
export class Token {
  private readonly lib: pkcs11js.PKCS11;
  private readonly session: Buffer;
  /** Whether the token decrypts CKM_RSA_PKCS_OAEP with SHA-256 itself; learnt on the first decrypt. */
  private oaepInToken: boolean | undefined;

  private constructor(lib: pkcs11js.PKCS11, session: Buffer) {
    this.lib = lib;
    this.session = session;
  }

  /** Loads the module, finds the token by label and logs in as its user. */
  static open(options: TokenOptions): Token {
    const lib = new pkcs11js.PKCS11();
    lib.load(options.module);
    lib.C_Initialize();
    try {
      const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === options.token);
      if (!slot) throw new Error(`no token labelled "${options.token}" in ${options.module}`);
      const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      try {
        lib.C_Login(session, pkcs11js.CKU_USER, options.pin);
      } catch (e) {
        if (pkcs11Code(e) !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) throw e;
      }
      return new Token(lib, session);
    } catch (e) {
      lib.C_Finalize();
      throw e;
    }
  }

  close(): void {
    try {
      this.lib.C_CloseSession(this.session);
    } finally {
      this.lib.C_Finalize();
    }
  }

  private find(template: pkcs11js.Template): Buffer[] {
    this.lib.C_FindObjectsInit(this.session, template);
    try {
      const found: Buffer[] = [];
      for (let batch = this.lib.C_FindObjects(this.session, 64); batch.length > 0; batch = this.lib.C_FindObjects(this.session, 64)) found.push(...batch);
      return found;
    } finally {
      this.lib.C_FindObjectsFinal(this.session);
    }
  }

  private attr(object: Buffer, type: number): Buffer {
    const [a] = this.lib.C_GetAttributeValue(this.session, object, [{ type }]);
    return a!.value as Buffer;
  }

  private privateKey(name: string, version: number): Buffer | undefined {
    return this.find([
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_LABEL, value: labelOf(name, version) },
    ])[0];
  }

  /** Every version of every key (or of `name`), oldest first per name. */
  async list(name?: string): Promise<KeyVersion[]> {
    const publics = this.find([{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }]);
    const privates = new Set(
      this.find([{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]).map((h) => this.attr(h, pkcs11js.CKA_LABEL).toString('utf8')),
    );
    const versions: KeyVersion[] = [];
    for (const h of publics) {
      const label = this.attr(h, pkcs11js.CKA_LABEL).toString('utf8');
      const parsed = parseLabel(label);
      if (!parsed || (name !== undefined && parsed.name !== name)) continue;
      const { jwk, type } = this.publicJwk(h);
      const keyId = await calculateJwkThumbprint(jwk, 'sha256');
      versions.push({ ...parsed, keyId, type, publicJwk: { ...jwk, kid: keyId }, retired: !privates.has(label) });
    }
    return versions.sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version);
  }

  private publicJwk(h: Buffer): { jwk: JWK; type: KeyType } {
    const keyType = this.attr(h, pkcs11js.CKA_KEY_TYPE).readUInt32LE(0); // a CK_ULONG, little-endian here; key types fit in 32 bits
    if (keyType === pkcs11js.CKK_RSA) {
      const n = stripZeros(this.attr(h, pkcs11js.CKA_MODULUS));
      const e = stripZeros(this.attr(h, pkcs11js.CKA_PUBLIC_EXPONENT));
      return { jwk: { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') }, type: n.length > 384 ? 'rsa-4096' : 'rsa-3072' };
    }
    // CKA_EC_POINT is a DER OCTET STRING around the uncompressed point 04 || x || y.
    const der = this.attr(h, pkcs11js.CKA_EC_POINT);
    const point = der.length === 67 && der[0] === 0x04 && der[1] === 0x41 ? der.subarray(2) : der;
    if (point.length !== 65 || point[0] !== 0x04) throw new Error('the token returned an EC point that is not an uncompressed P-256 point');
    return { jwk: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, type: 'ec-p256' };
  }

  /** Generates the next version of `name` inside the token (sensitive, never extractable). */
  async create(name: string, type: KeyType): Promise<KeyVersion> {
    if (!isKeyName(name)) throw new RangeError(`"${name}" is not a key name (letters, digits, . _ -; at most 64)`);
    const existing = await this.list(name);
    if (existing.length > 0 && (existing[0]!.type === 'ec-p256') !== (type === 'ec-p256')) {
      throw new RangeError(`key "${name}" holds ${existing[0]!.type} versions; a new version must be of the same kind`);
    }
    const version = (existing.at(-1)?.version ?? 0) + 1;
    const label = labelOf(name, version);
    const id = randomBytes(16);
    const common = [
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_ID, value: id },
    ];
    const priv = [
      ...common,
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    ];
    if (type === 'ec-p256') {
      this.lib.C_GenerateKeyPair(
        this.session,
        { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
        [...common, { type: pkcs11js.CKA_EC_PARAMS, value: P256 }, { type: pkcs11js.CKA_VERIFY, value: true }],
        [...priv, { type: pkcs11js.CKA_SIGN, value: true }],
      );
    } else {
      this.lib.C_GenerateKeyPair(
        this.session,
        { mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN },
        [
          ...common,
          { type: pkcs11js.CKA_MODULUS_BITS, value: type === 'rsa-4096' ? 4096 : 3072 },
          { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
          { type: pkcs11js.CKA_ENCRYPT, value: true },
        ],
        [...priv, { type: pkcs11js.CKA_DECRYPT, value: true }],
      );
    }
    const created = (await this.list(name)).find((v) => v.version === version);
    if (!created) throw new Error('the token did not keep the key it generated');
    return created;
  }

  /** Destroys the private key of one version; false when it was already retired. */
  retire(name: string, version: number): boolean {
    const h = this.privateKey(name, version);
    if (!h) return false;
    this.lib.C_DestroyObject(this.session, h);
    return true;
  }

  /**
   * RSA-OAEP-256 decryption of `ciphertext` under one version, with OAEP label `label`, inside the token:
   * CKM_RSA_PKCS_OAEP with SHA-256 when the token does it, else CKM_RSA_X_509 and the decoding in
   * software (oaep.ts). Undefined for any value that does not decrypt, whatever the reason; throws
   * only when the version has no private key (retired meanwhile).
   */
  decrypt(key: KeyVersion, ciphertext: Uint8Array, label: Uint8Array): Buffer | undefined {
    const h = this.privateKey(key.name, key.version);
    if (!h) throw new RetiredError();
    const k = Buffer.from(key.publicJwk.n as string, 'base64url').length;
    if (ciphertext.length !== k) return undefined;
    if (this.oaepInToken === undefined) this.oaepInToken = this.probeOaep(key, h);
    const data = Buffer.from(ciphertext);
    if (this.oaepInToken) {
      try {
        this.lib.C_DecryptInit(this.session, oaepMechanism(label), h);
        return this.lib.C_Decrypt(this.session, data, Buffer.alloc(k));
      } catch {
        return undefined;
      }
    }
    let em: Buffer;
    try {
      this.lib.C_DecryptInit(this.session, { mechanism: pkcs11js.CKM_RSA_X_509 }, h);
      em = this.lib.C_Decrypt(this.session, data, Buffer.alloc(k));
    } catch {
      em = Buffer.alloc(k, 0xff); // decodes to nothing, after the same work
    }
    return oaepSha256Decode(em, k, label);
  }

  /** Does the token decrypt OAEP with SHA-256 itself? Asked once, with a value encrypted here. */
  private probeOaep(key: KeyVersion, h: Buffer): boolean {
    const probe = randomBytes(32);
    const jwk = { kty: 'RSA', n: key.publicJwk.n as string, e: key.publicJwk.e as string };
    const ct = publicEncrypt({ key: createPublicKey({ key: jwk, format: 'jwk' }), padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, probe);
    try {
      this.lib.C_DecryptInit(this.session, oaepMechanism(new Uint8Array(0)), h);
      const out = this.lib.C_Decrypt(this.session, ct, Buffer.alloc(ct.length));
      return out.equals(probe);
    } catch (e) {
      if (UNSUPPORTED.has(pkcs11Code(e) ?? -1)) return false;
      throw e;
    }
  }

  /** ES256 over `data` inside the token: SHA-256 here, CKM_ECDSA there; returns r || s (64 bytes). */
  sign(key: KeyVersion, data: Uint8Array): Buffer {
    const h = this.privateKey(key.name, key.version);
    if (!h) throw new RetiredError();
    this.lib.C_SignInit(this.session, { mechanism: pkcs11js.CKM_ECDSA }, h);
    return this.lib.C_Sign(this.session, createHash('sha256').update(data).digest(), Buffer.alloc(64));
  }
}

/** The version's private key is gone (retired). */
export class RetiredError extends Error {
  override readonly name = 'RetiredError';
  constructor() {
    super('the key version is retired');
  }
}

function oaepMechanism(label: Uint8Array): pkcs11js.Mechanism {
  const parameter: pkcs11js.RsaOAEP = {
    type: pkcs11js.CK_PARAMS_RSA_OAEP,
    hashAlg: pkcs11js.CKM_SHA256,
    mgf: pkcs11js.CKG_MGF1_SHA256,
    source: CKZ_DATA_SPECIFIED,
    ...(label.length > 0 ? { sourceData: Buffer.from(label) } : {}),
  };
  return { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter };
}

function stripZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}
