/**
 * The PKCS#11 token that holds the organisation's keys (an HSM; SoftHSM2 in tests), through `pkcs11js`.
 * Keys are generated inside the token, sensitive and not extractable; decryption and signing run inside
 * it. Each key version is a key pair whose objects are both labelled `sensitivity:<name>:<version>`;
 * retiring a version destroys its private key (crypto-shredding) and keeps the public key, so the
 * version stays known as retired. The native module is loaded here only: never by the extension.
 *
 * Faults are not verdicts (docs/KEY-SERVICE.md, "When the token fails"): a token that fails — its
 * storage gone for a moment, a session closed, a device error — is `TokenUnavailableError` (the service
 * answers 503), never "no such key" or "retired". An empty search or a failed operation is only
 * believed after the token proves itself present (C_GetTokenInfo); otherwise the module is finalised
 * and initialised again and the sessions reopened, in the background, until it answers.
 *
 * Speed: a pool of sessions (`sessions`, default 4); decryption and signing run on libuv's thread pool
 * (pkcs11js's asynchronous calls), so the event loop keeps serving while the token works. Private key
 * handles are kept from the last listing instead of searched for per request.
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
  /** Sessions kept open (operations in parallel); default 4. */
  readonly sessions?: number;
  /** Where faults and recoveries are reported, once each (default: stderr). */
  readonly report?: (line: string) => void;
}

const PREFIX = 'sensitivity:';
/** PKCS#11 v2.40 §2.1.8: the OAEP label comes from `sourceData` (pkcs11js does not export the constant). */
const CKZ_DATA_SPECIFIED = 1;
/** DER of the P-256 curve's OID (1.2.840.10045.3.1.7), for CKA_EC_PARAMS. */
const P256 = Buffer.from('06082a8648ce3d030107', 'hex');
/** After a failed recovery, the next attempt comes this much later. */
export const RECOVERY_RETRY_MS = 500;
/** How long a recovery waits for operations still running on the old sessions. */
const DRAIN_MS = 5000;

/** The RSA modulus's size in bytes (k in RFC 8017), from the length of its unpadded base64url: nothing decoded per request. */
export const modulusBytes = (key: KeyVersion): number => Math.floor(((key.publicJwk.n as string).length * 3) / 4);

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
/** Return values that say the session or the token is gone, whatever the token's info says. */
const FAULTS = new Set([
  pkcs11js.CKR_DEVICE_ERROR,
  pkcs11js.CKR_DEVICE_REMOVED,
  pkcs11js.CKR_DEVICE_MEMORY,
  pkcs11js.CKR_SESSION_CLOSED,
  pkcs11js.CKR_SESSION_HANDLE_INVALID,
  pkcs11js.CKR_TOKEN_NOT_PRESENT,
  pkcs11js.CKR_TOKEN_NOT_RECOGNIZED,
  pkcs11js.CKR_USER_NOT_LOGGED_IN,
  pkcs11js.CKR_CRYPTOKI_NOT_INITIALIZED,
]);
/** A key handle that no longer names an object (destroyed by another process): search again. */
const STALE = new Set([pkcs11js.CKR_OBJECT_HANDLE_INVALID, pkcs11js.CKR_KEY_HANDLE_INVALID]);

function pkcs11Code(e: unknown): number | undefined {
  return e instanceof pkcs11js.Pkcs11Error ? e.code : undefined;
}

function pkcs11Name(e: unknown): string {
  return e instanceof Error ? e.message.split(/[\s:]/)[0] || e.name : String(e);
}

/** The token cannot be used right now (a fault, not a verdict): answer 503 and try again shortly. */
export class TokenUnavailableError extends Error {
  override readonly name = 'TokenUnavailableError';
  constructor(readonly what: string) {
    super(`the key token is unavailable (${what})`);
  }
}

/** The version's private key is gone (retired). */
export class RetiredError extends Error {
  override readonly name = 'RetiredError';
  constructor() {
    super('the key version is retired');
  }
}

/** One initialisation of the module: its slot and logged-in sessions. */
interface Connection {
  readonly slot: Buffer;
  readonly sessions: readonly Buffer[];
  readonly free: Buffer[];
  readonly waiting: ((s: Buffer) => void)[];
  /** Private key handles by label, from the last listing (valid for this connection only). */
  readonly handles: Map<string, Buffer>;
}

/** The module, its sessions, and recovery from faults. */
export class Token {
  private readonly lib = new pkcs11js.PKCS11();
  private conn: Connection | undefined;
  private fault: { cause: string; since: number } | undefined;
  private recovering: Promise<void> | undefined;
  private lastAttempt = 0;
  private busy = 0;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Whether the token decrypts CKM_RSA_PKCS_OAEP with SHA-256 itself; learnt on the first decrypt. */
  private oaepInToken: boolean | undefined;
  private readonly report: (line: string) => void;

  private constructor(private readonly options: TokenOptions) {
    this.report = options.report ?? ((line) => process.stderr.write(`key-service: ${line}\n`));
  }

  /** Loads the module, finds the token by label and logs in as its user (throws when it cannot: a wrong PIN or label). */
  static open(options: TokenOptions): Token {
    const token = new Token(options);
    token.lib.load(options.module);
    token.conn = token.connect();
    return token;
  }

  private connect(): Connection {
    const lib = this.lib;
    lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    try {
      const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === this.options.token);
      if (!slot) throw new Error(`no token labelled "${this.options.token}" in ${this.options.module}`);
      const sessions: Buffer[] = [];
      for (let i = 0; i < Math.max(1, this.options.sessions ?? 4); i++)
        sessions.push(lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION));
      try {
        lib.C_Login(sessions[0]!, pkcs11js.CKU_USER, this.options.pin);
      } catch (e) {
        if (pkcs11Code(e) !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) throw e;
      }
      return { slot, sessions, free: [...sessions], waiting: [], handles: new Map() };
    } catch (e) {
      lib.C_Finalize();
      throw e;
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const conn = this.conn;
    this.conn = undefined;
    try {
      if (conn) for (const s of conn.sessions) this.lib.C_CloseSession(s);
    } catch {
      // the token is gone: finalising is all that is left
    } finally {
      this.lib.C_Finalize();
    }
  }

  /** True when the token answers now (recovering it first if it had failed). */
  async ready(): Promise<boolean> {
    try {
      await this.run(() => undefined);
      return true;
    } catch (e) {
      if (e instanceof TokenUnavailableError) return false;
      throw e;
    }
  }

  /** The current fault, if any: what failed and since when (ms since the epoch). */
  faultState(): { cause: string; since: number } | undefined {
    return this.fault;
  }

  /** Whether the token is present and answering on this connection (C_GetTokenInfo). */
  private present(conn: Connection): boolean {
    try {
      return this.lib.C_GetTokenInfo(conn.slot).label.trim() === this.options.token;
    } catch {
      return false;
    }
  }

  /** Records a fault (reported once) and starts recovering; returns the error to throw. */
  private failed(cause: string): TokenUnavailableError {
    if (!this.fault) {
      this.fault = { cause, since: Date.now() };
      this.report(`the token failed (${cause}): answering 503 E_HSM_UNAVAILABLE and re-initialising the PKCS#11 module until it answers`);
    }
    void this.recover();
    return new TokenUnavailableError(this.fault.cause);
  }

  /** Finalises and initialises the module again and reopens the sessions; single-flight, throttled. */
  private recover(): Promise<void> {
    if (this.recovering) return this.recovering;
    if (this.closed || Date.now() - this.lastAttempt < RECOVERY_RETRY_MS) return Promise.resolve();
    this.lastAttempt = Date.now();
    this.recovering = (async () => {
      const old = this.conn;
      this.conn = undefined;
      for (const w of old?.waiting.splice(0) ?? []) w(Buffer.alloc(0)); // an empty session: the waiter sees the fault
      for (const deadline = Date.now() + DRAIN_MS; this.busy > 0 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
      try {
        this.lib.C_Finalize();
      } catch {
        // not initialised any more, or the module is confused: initialising again is the cure either way
      }
      try {
        const conn = this.connect();
        if (!this.present(conn)) throw new Error('the token does not answer');
        this.conn = conn;
        this.report(
          `the token answers again after ${((Date.now() - this.fault!.since) / 1000).toFixed(1)} s (module re-initialised, ${conn.sessions.length} sessions)`,
        );
        this.fault = undefined;
      } catch {
        // still failing: try again shortly, whether or not requests come
        if (!this.closed) {
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => void this.recover(), RECOVERY_RETRY_MS).unref();
        }
      }
    })().finally(() => {
      this.recovering = undefined;
    });
    return this.recovering;
  }

  /**
   * Runs `op` on a free session of a working token. Any PKCS#11 failure that `op` does not handle, and
   * any failure while the token does not answer, is a fault: TokenUnavailableError.
   */
  private async run<T>(op: (session: Buffer, conn: Connection) => T | Promise<T>): Promise<T> {
    if (this.fault) {
      await this.recover();
      if (this.fault) throw new TokenUnavailableError(this.fault.cause);
    }
    const conn = this.conn;
    if (!conn) throw this.failed('the module is not initialised');
    const session = conn.free.pop() ?? (await new Promise<Buffer>((resolve) => conn.waiting.push(resolve)));
    if (session.length === 0 || this.conn !== conn) throw new TokenUnavailableError('the token is being re-initialised');
    this.busy++;
    try {
      return await op(session, conn);
    } catch (e) {
      if (e instanceof RetiredError || !(e instanceof pkcs11js.Pkcs11Error || e instanceof pkcs11js.NativeError)) throw e;
      throw this.failed(pkcs11Name(e));
    } finally {
      this.busy--;
      const next = conn.waiting.shift();
      if (next) next(session);
      else conn.free.push(session);
    }
  }

  /** Throws a fault unless the token answers: what an empty search or a failed operation must prove before it is believed. */
  private confirmPresent(conn: Connection, what: string): void {
    if (!this.present(conn)) throw this.failed(`${what}, and the token does not answer`);
  }

  private find(session: Buffer, template: pkcs11js.Template): Buffer[] {
    this.lib.C_FindObjectsInit(session, template);
    try {
      const found: Buffer[] = [];
      for (let batch = this.lib.C_FindObjects(session, 64); batch.length > 0; batch = this.lib.C_FindObjects(session, 64)) found.push(...batch);
      return found;
    } finally {
      this.lib.C_FindObjectsFinal(session);
    }
  }

  private attr(session: Buffer, object: Buffer, type: number): Buffer {
    const [a] = this.lib.C_GetAttributeValue(session, object, [{ type }]);
    return a!.value as Buffer;
  }

  /** The private key of one version, from the last listing or a search; RetiredError only once the token proved present. */
  private privateKey(session: Buffer, conn: Connection, key: KeyVersion, fresh = false): Buffer {
    const label = labelOf(key.name, key.version);
    const cached = fresh ? undefined : conn.handles.get(label);
    if (cached) return cached;
    const found = this.find(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_LABEL, value: label },
    ])[0];
    if (!found) {
      this.confirmPresent(conn, `no private key for ${label}`);
      conn.handles.delete(label);
      throw new RetiredError();
    }
    conn.handles.set(label, found);
    return found;
  }

  /**
   * Runs `use` with the version's private key handle; when the handle went stale (destroyed by another
   * process), searches once more, which tells a retirement from a fault.
   */
  private async withKey<T>(key: KeyVersion, use: (session: Buffer, h: Buffer, conn: Connection) => Promise<T>): Promise<T> {
    return this.run(async (session, conn) => {
      try {
        return await use(session, this.privateKey(session, conn, key), conn);
      } catch (e) {
        if (!STALE.has(pkcs11Code(e) ?? -1)) throw e;
        return use(session, this.privateKey(session, conn, key, true), conn);
      }
    });
  }

  /** Every version of every key (or of `name`), oldest first per name; an empty answer only from a token that answers. */
  async list(name?: string): Promise<KeyVersion[]> {
    const found = await this.run((session, conn) => {
      const publics = this.find(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }]).map((h) => ({
        h,
        label: this.attr(session, h, pkcs11js.CKA_LABEL).toString('utf8'),
      }));
      const privates = new Map(
        this.find(session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]).map((h) => [
          this.attr(session, h, pkcs11js.CKA_LABEL).toString('utf8'),
          h,
        ]),
      );
      // A token whose storage vanished answers every search with nothing: believe the answer only if it is still there.
      this.confirmPresent(conn, 'listing keys');
      for (const [label, h] of privates) conn.handles.set(label, h);
      for (const label of conn.handles.keys()) if (!privates.has(label)) conn.handles.delete(label);
      return publics
        .map(({ h, label }) => ({ h, label, parsed: parseLabel(label) }))
        .filter((p) => p.parsed && (name === undefined || p.parsed.name === name))
        .map((p) => ({ ...p.parsed!, ...this.publicJwk(session, p.h), retired: !privates.has(p.label) }));
    });
    const versions: KeyVersion[] = [];
    for (const v of found) {
      const keyId = await calculateJwkThumbprint(v.jwk, 'sha256');
      versions.push({ name: v.name, version: v.version, keyId, type: v.type, publicJwk: { ...v.jwk, kid: keyId }, retired: v.retired });
    }
    return versions.sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version);
  }

  private publicJwk(session: Buffer, h: Buffer): { jwk: JWK; type: KeyType } {
    const keyType = this.attr(session, h, pkcs11js.CKA_KEY_TYPE).readUInt32LE(0); // a CK_ULONG, little-endian here; key types fit in 32 bits
    if (keyType === pkcs11js.CKK_RSA) {
      const n = stripZeros(this.attr(session, h, pkcs11js.CKA_MODULUS));
      const e = stripZeros(this.attr(session, h, pkcs11js.CKA_PUBLIC_EXPONENT));
      return { jwk: { kty: 'RSA', n: n.toString('base64url'), e: e.toString('base64url') }, type: n.length > 384 ? 'rsa-4096' : 'rsa-3072' };
    }
    // CKA_EC_POINT is a DER OCTET STRING around the uncompressed point 04 || x || y.
    const der = this.attr(session, h, pkcs11js.CKA_EC_POINT);
    const point = der.length === 67 && der[0] === 0x04 && der[1] === 0x41 ? der.subarray(2) : der;
    if (point.length !== 65 || point[0] !== 0x04) throw new Error('the token returned an EC point that is not an uncompressed P-256 point');
    return { jwk: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, type: 'ec-p256' };
  }

  /** Generates the next version of `name` inside the token (sensitive, never extractable). */
  async create(name: string, type: KeyType): Promise<KeyVersion> {
    if (!isKeyName(name)) throw new RangeError(`"${name}" is not a key name (letters, digits, . _ -; at most 64; not a reserved name)`);
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
    await this.run((session) => {
      if (type === 'ec-p256') {
        this.lib.C_GenerateKeyPair(
          session,
          { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
          [...common, { type: pkcs11js.CKA_EC_PARAMS, value: P256 }, { type: pkcs11js.CKA_VERIFY, value: true }],
          [...priv, { type: pkcs11js.CKA_SIGN, value: true }],
        );
      } else {
        this.lib.C_GenerateKeyPair(
          session,
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
    });
    const created = (await this.list(name)).find((v) => v.version === version);
    if (!created) throw new Error('the token did not keep the key it generated');
    return created;
  }

  /** Destroys the private key of one version; false when it was already retired. */
  async retire(key: KeyVersion): Promise<boolean> {
    try {
      await this.withKey(key, async (session, h) => this.lib.C_DestroyObject(session, h));
      return true;
    } catch (e) {
      if (e instanceof RetiredError) return false;
      throw e;
    }
  }

  /**
   * RSA-OAEP-256 decryption of `ciphertext` under one version, with OAEP label `label`, inside the token:
   * CKM_RSA_PKCS_OAEP with SHA-256 when the token does it, else CKM_RSA_X_509 and the decoding in
   * software (oaep.ts). Undefined for any value that does not decrypt, whatever the reason; throws
   * RetiredError when the version has no private key (retired meanwhile) and TokenUnavailableError when
   * the token fails.
   */
  async decrypt(key: KeyVersion, ciphertext: Uint8Array, label: Uint8Array): Promise<Buffer | undefined> {
    const k = modulusBytes(key);
    if (ciphertext.length !== k) return undefined;
    const data = Buffer.from(ciphertext);
    return this.withKey(key, async (session, h, conn) => {
      if (this.oaepInToken === undefined) this.oaepInToken = await this.probeOaep(session, key, h);
      const attempt = async (mechanism: pkcs11js.Mechanism): Promise<Buffer | undefined> => {
        this.lib.C_DecryptInit(session, mechanism, h);
        try {
          return await this.lib.C_DecryptAsync(session, data, Buffer.alloc(k));
        } catch (e) {
          // SoftHSM2 says CKR_GENERAL_ERROR for a value >= n as for a vanished token: the token's answer tells them apart.
          if (FAULTS.has(pkcs11Code(e) ?? -1) || STALE.has(pkcs11Code(e) ?? -1)) throw e;
          this.confirmPresent(conn, `decryption failed (${pkcs11Name(e)})`);
          return undefined;
        }
      };
      if (this.oaepInToken) return attempt(oaepMechanism(label));
      const em = (await attempt({ mechanism: pkcs11js.CKM_RSA_X_509 })) ?? Buffer.alloc(k, 0xff); // decodes to nothing, after the same work
      return oaepSha256Decode(em, k, label);
    });
  }

  /** Does the token decrypt OAEP with SHA-256 itself? Asked once, with a value encrypted here. */
  private async probeOaep(session: Buffer, key: KeyVersion, h: Buffer): Promise<boolean> {
    const probe = randomBytes(32);
    const jwk = { kty: 'RSA', n: key.publicJwk.n as string, e: key.publicJwk.e as string };
    const ct = publicEncrypt({ key: createPublicKey({ key: jwk, format: 'jwk' }), padding: cryptoConstants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, probe);
    try {
      this.lib.C_DecryptInit(session, oaepMechanism(new Uint8Array(0)), h);
      const out = await this.lib.C_DecryptAsync(session, ct, Buffer.alloc(ct.length));
      return out.equals(probe);
    } catch (e) {
      if (UNSUPPORTED.has(pkcs11Code(e) ?? -1)) return false;
      throw e;
    }
  }

  /** ES256 over `data` inside the token: SHA-256 here, CKM_ECDSA there; returns r || s (64 bytes). */
  async sign(key: KeyVersion, data: Uint8Array): Promise<Buffer> {
    const digest = createHash('sha256').update(data).digest();
    return this.withKey(key, async (session, h) => {
      this.lib.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, h);
      return this.lib.C_SignAsync(session, digest, Buffer.alloc(64));
    });
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
