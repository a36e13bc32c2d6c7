/**
 * The key service's HTTP face (docs/KEY-SERVICE.md): Microsoft's DKE protocol (`GET /{key}`,
 * `POST /{key}/{keyId}/decrypt`) and the certified directory. Stateless: its state is the token, the
 * config file and the files it writes (access log, certificates), so replicas run behind a load balancer.
 */
import { watchFile, unwatchFile } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  fingerprint,
  isSensitivityError,
  isWitnessClaim,
  issueCertificate,
  issueWitnessReceipt,
  parsePublicIdentity,
  verifyCertificate,
  verifyIdentity,
  verifyWitnessRegistration,
  WITNESS_KIND,
  type CertificateSigner,
  type PublicIdentity,
  type WitnessClaim,
  type WitnessRegistration,
} from '../core/index.js';
import { AccessLog, type AccessRecord } from './access-log.js';
import { limitConnections } from './connections.js';
import { admits, authoriseDecrypt, checkRevocations, type RequestContext } from './authorise.js';
import { parseConfig, restartOnlyChanges, type Policy, type Revocations, type ServiceConfig } from './config.js';
import { modulusBytes, RetiredError, Token, TokenUnavailableError, type KeyVersion } from './hsm.js';
import { DECRYPT_REASON, HttpError, hsmUnavailable, RETRY_AFTER_SECONDS } from './http-error.js';
import { ALL_KEYS, revocationsFor, type Revocation, type ServiceState } from './state/port.js';
import { fileState } from './state/state-file.js';
import { postgresState } from './state/postgres.js';
import { TokenVerifier, type Caller } from './tokens.js';
import { HeadCache } from './witness-heads.js';

const MAX_BODY = 64 * 1024;
/**
 * A witness registration carries two policy JWS. One envelope header holds both within its 1 MiB of metadata (FORMAT
 * §14.8), so this is enough for any file; it is read only from a caller whose token verified.
 */
const MAX_WITNESS_BODY = 1024 * 1024 + 4096;
/** How long a key listing read from the token is reused (a rotation shows within this). */
const KEYS_TTL_MS = 1000;
/** How often the config file is checked for changes. */
const CONFIG_POLL_MS = 250;
/** How long run-time revocations read from the shared state are reused (a revocation takes effect within this). */
const REVOCATIONS_TTL_MS = 1000;
/** OAEP label prefix binding a content id and label into a Double Key secret (docs/KEY-SERVICE.md, "Binding"). */
const BINDING = 'sensitivity-dke/1';
/** A content id or label: 1 to 256 characters, none a control character. */
const isContextValue = (v: unknown): v is string => typeof v === 'string' && v.length >= 1 && v.length <= 256 && !hasControl(v);
function hasControl(v: string): boolean {
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) < 0x20 || v.charCodeAt(i) === 0x7f) return true;
  return false;
}

/** The RSA-OAEP label for a request: empty for plain DKE, else the binding of content id and label. */
export function oaepLabel(ctx: RequestContext): Uint8Array {
  if (ctx.contentId === undefined) return new Uint8Array(0);
  return Buffer.from(`${BINDING}\0${ctx.contentId}\0${ctx.label ?? ''}`, 'utf8');
}

/** Standard base64 (or base64url), strictly: anything else is not a value. */
function decodeBase64(s: unknown): Buffer | undefined {
  if (typeof s !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(s) || s.length === 0) return undefined;
  const b = Buffer.from(s, 'base64'); // Node's base64 decoder also takes the URL-safe alphabet
  return b.length === 0 ? undefined : b;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': bytes.length,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...(status === 503 ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {}),
    ...headers,
  });
  res.end(bytes);
}

/** `cache.exp` as the reference service writes it: UTC, to the second, no zone designator (`yyyy-MM-ddTHH:mm:ss`). */
export function cacheExp(at: Date): string {
  return at.toISOString().slice(0, 19);
}

/** A request whose client went away (aborted mid-body, connection reset): nothing to answer, nothing to report. */
function aborted(req: IncomingMessage, e: unknown): boolean {
  const code = (e as { code?: unknown } | undefined)?.code;
  return req.readableAborted || code === 'ECONNRESET' || code === 'ECONNABORTED' || (e instanceof Error && e.message === 'aborted');
}

/** A token fault as the HTTP answer it is (503), anything else unchanged. */
function asHttp(e: unknown): unknown {
  return e instanceof TokenUnavailableError ? hsmUnavailable() : e;
}

/** The request body, at most `max` bytes (E_TOO_LARGE beyond; the rest is read and dropped); plain events, no async iterator per request. */
function readBody(req: IncomingMessage, max = MAX_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      chunks.length = 0;
      reject(new HttpError('E_TOO_LARGE', `the request body is larger than ${Math.floor(max / 1024)} KiB`));
    });
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', reject);
    // A client gone before the end (no 'error' on every Node path): aborted, as aborted() knows it.
    const gone = () => reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    // Read after an await (the witness verifies the token first): a client gone meanwhile sends no more events.
    if (req.destroyed) return gone();
    // Only then an Error: 'close' also follows every complete request, and an Error's stack cost about 0.6 % of the CPU per decrypt.
    req.once('close', () => req.complete || gone());
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError('E_BAD_REQUEST', 'the body is not JSON');
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const REGISTRATION = ['line', 'pd', 'prev', 'ver', 'policy', 'prevPolicy'];

/** The witness's body (docs/KEY-SERVICE.md, "The witness"): a claim and its two policies; E_BAD_REQUEST otherwise. */
export function witnessRegistration(raw: Buffer): WitnessRegistration {
  const json = parseJson(raw);
  if (
    !isObj(json) ||
    Object.keys(json).some((k) => !REGISTRATION.includes(k)) ||
    !isWitnessClaim(json) ||
    typeof json.policy !== 'string' ||
    (json.ver === 1 ? json.prevPolicy !== null : typeof json.prevPolicy !== 'string')
  )
    throw new HttpError(
      'E_BAD_REQUEST',
      'the body is {"line", "pd", "prev", "ver", "policy", "prevPolicy"}: the content id, b64u SHA-256 digests (prev null for version 1), the version, its policy JWS and the policy JWS of the version it replaces (null for version 1)',
    );
  return { line: json.line, pd: json.pd, prev: json.prev, ver: json.ver, policy: json.policy, prevPolicy: json.prevPolicy as string | null };
}

/** The decrypt body's members (docs/KEY-SERVICE.md); E_BAD_REQUEST / E_UNSUPPORTED_ALG otherwise. */
export function decryptRequest(raw: Buffer): { value: Buffer; ctx: RequestContext } {
  const body = parseJson(raw);
  if (!isObj(body)) throw new HttpError('E_BAD_REQUEST', 'the body is not a JSON object');
  const extra = Object.keys(body).find((k) => !['alg', 'value', 'contentId', 'label'].includes(k));
  if (extra !== undefined) throw new HttpError('E_BAD_REQUEST', `unknown member "${extra}"`);
  if (body.alg !== 'RSA-OAEP-256') throw new HttpError('E_UNSUPPORTED_ALG', 'alg must be "RSA-OAEP-256"');
  const value = decodeBase64(body.value);
  if (!value) throw new HttpError('E_BAD_REQUEST', 'value must be base64');
  const { contentId, label } = body;
  for (const [name, v] of [
    ['contentId', contentId],
    ['label', label],
  ] as const) {
    if (v !== undefined && !isContextValue(v))
      throw new HttpError('E_BAD_REQUEST', `${name} must be a string of 1 to 256 characters without control characters`);
  }
  if (label !== undefined && contentId === undefined) throw new HttpError('E_BAD_REQUEST', 'label needs contentId');
  if (contentId !== undefined && label === undefined) throw new HttpError('E_BAD_REQUEST', 'contentId needs label');
  return { value, ctx: { ...(typeof contentId === 'string' ? { contentId } : {}), ...(typeof label === 'string' ? { label } : {}) } };
}

export class KeyService {
  private policy: Policy;
  private readonly verifier: TokenVerifier;
  private readonly log: AccessLog;
  private readonly keys = new Map<string, { at: number; versions: Promise<KeyVersion[]> }>();
  /** The witness's heads answered with decrypts (cached, at most about a second behind the shared state). */
  private readonly heads: HeadCache;

  private revoked: { at: number; all: Promise<readonly Revocation[]> } | undefined;

  constructor(
    private readonly config: ServiceConfig,
    private readonly token: Token,
    private readonly state: ServiceState,
  ) {
    this.policy = config.policy;
    this.verifier = new TokenVerifier(config.oidc);
    this.log = new AccessLog(state, config.accessLog.stdout);
    this.heads = new HeadCache(state);
  }

  /** A shared-state operation; its failure is a fault (503 E_STATE_UNAVAILABLE, one line on stderr), never an answer. */
  private async fromState<T>(what: string, op: Promise<T>): Promise<T> {
    try {
      return await op;
    } catch (e) {
      process.stderr.write(`key-service: the shared state (${this.state.where}) failed to ${what}: ${(e as Error).message}\n`);
      throw new HttpError('E_STATE_UNAVAILABLE', 'the key service cannot reach its shared state right now; try again shortly');
    }
  }

  /**
   * The config's policy with the run-time revocations of the shared state added (re-read at most every
   * REVOCATIONS_TTL_MS). A state that cannot be read is a fault (503 E_STATE_UNAVAILABLE), never "not revoked".
   */
  private async currentPolicy(): Promise<Policy> {
    if (!this.revoked || Date.now() - this.revoked.at >= REVOCATIONS_TTL_MS) {
      const all = this.state.revocations();
      all.catch(() => (this.revoked = undefined));
      this.revoked = { at: Date.now(), all };
    }
    const all = await this.fromState('read revocations', this.revoked.all);
    if (all.length === 0) return this.policy;
    const merge = (a: Revocations, b: Revocations): Revocations => ({
      people: [...a.people, ...b.people.map((p) => p.toLowerCase())],
      contentIds: [...a.contentIds, ...b.contentIds],
      labels: [...a.labels, ...b.labels],
    });
    const keys = new Map([...this.policy.keys].map(([name, k]) => [name, { ...k, revoked: merge(k.revoked, revocationsFor(all, name)) }]));
    return { ...this.policy, keys, revoked: merge(this.policy.revoked, revocationsFor(all, undefined)) };
  }

  /** Takes the policy and the service accounts of a re-read config; says what else changed and needs a restart. */
  reload(next: ServiceConfig): void {
    this.policy = next.policy;
    this.verifier.useServiceAccounts(next.oidc.serviceAccounts);
    const fixed = restartOnlyChanges(this.config, next);
    process.stderr.write(`key-service: config reloaded${fixed.length ? `; ${fixed.join(', ')} changed and take effect after a restart` : ''}\n`);
  }

  /**
   * The versions of `name` as the token listed them at most KEYS_TTL_MS ago. One listing at a time: the requests
   * that arrive while it waits for a session share it (each used to list again). A failed listing is not kept.
   */
  private versions(name: string): Promise<KeyVersion[]> {
    const hit = this.keys.get(name);
    if (hit && Date.now() - hit.at < KEYS_TTL_MS) return hit.versions;
    const listing = { at: Date.now(), versions: this.token.list(name).catch((e: unknown) => Promise.reject(asHttp(e))) };
    listing.versions.catch(() => this.keys.get(name) === listing && this.keys.delete(name));
    this.keys.set(name, listing);
    return listing.versions;
  }

  private async rsaVersions(name: string): Promise<KeyVersion[]> {
    const versions = (await this.versions(name)).filter((v) => v.type !== 'ec-p256');
    if (versions.length === 0) throw new HttpError('E_KEY_UNKNOWN', `no key named "${name}"`);
    return versions;
  }

  private client(req: IncomingMessage): string {
    const forwarded = this.config.trustProxy
      ? String(req.headers['x-forwarded-for'] ?? '')
          .split(',')[0]!
          .trim()
      : '';
    return forwarded || req.socket.remoteAddress || '';
  }

  /**
   * A 401's challenge (RFC 6750 §3), as Microsoft's DKE clients and test tool read it: the realm, the
   * authorization server and the resource (the audience to ask a token for) as quoted parameters of
   * `WWW-Authenticate: Bearer`, and — as the reference service also sends them — as headers of their own.
   */
  private challenge(e: HttpError): Record<string, string> {
    const { authorization, audience } = this.config.oidc;
    const quoted = (v: string) => `"${v.replace(/["\\,]/g, '')}"`;
    const error = e.code === 'E_TOKEN_MISSING' ? '' : `, error="invalid_token"`;
    return {
      'www-authenticate': `Bearer realm=${quoted(this.config.baseUrl)}, authorization=${quoted(authorization)}, resource=${quoted(audience)}${error}`,
      resource: audience,
      authorization,
    };
  }

  /** Handles one request; never throws. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const parts = path.split('/').slice(1).map(decodeURIComponent);
      // The service's own route words match in any case, as the reference service's (ASP.NET) routes do; key names and ids do not.
      const word = (i: number) => parts[i]?.toLowerCase();
      const method = req.method ?? 'GET';
      const route = (want: string) => {
        if (method !== want) throw new HttpError('E_METHOD', `use ${want} here`);
      };
      if (word(0) === 'ready' && parts.length === 1) {
        route('GET');
        if (!(await this.token.ready())) throw hsmUnavailable();
        return send(res, 200, { status: 'ready' });
      }
      if (word(0) === 'witness' && parts.length === 1) {
        route('POST');
        const r = await this.witness(req);
        return send(res, r.status, r.body);
      }
      if (word(0) === 'witness' && parts.length === 2) {
        route('GET');
        const head = await this.fromState('read a witness head', this.state.head(parts[1]!));
        if (!head) throw new HttpError('E_NOT_FOUND', 'the witness has registered no version of that file');
        return send(res, 200, { head: { pd: head.pd, ver: head.ver } });
      }
      if (word(0) === 'directory' && parts.length === 1) {
        if (method === 'GET') return send(res, 200, await this.directoryKeys());
        route('POST');
        return send(res, 200, await this.certify(req));
      }
      if (word(0) === 'directory' && parts.length === 2) {
        route('GET');
        return send(res, 200, await this.certificate(parts[1]!));
      }
      if (parts.length === 1 && parts[0] !== '') {
        route('GET');
        const seconds = this.policy.cacheSeconds;
        return send(res, 200, await this.publicKey(parts[0]!), seconds > 0 ? { 'cache-control': `public, max-age=${seconds}` } : {});
      }
      if (parts.length === 3 && word(2) === 'decrypt') {
        route('POST');
        return send(res, 200, await this.decrypt(req, parts[0]!, parts[1]!));
      }
      throw new HttpError('E_NOT_FOUND', 'no such route');
    } catch (e) {
      if (e instanceof HttpError) return send(res, e.status, { code: e.code, reason: e.reason }, e.status === 401 ? this.challenge(e) : {});
      if (aborted(req, e)) return void res.destroy();
      process.stderr.write(`key-service: ${(e as Error).stack ?? String(e)}\n`);
      return send(res, 500, { code: 'E_INTERNAL', reason: 'the key service failed; see its log' });
    }
  }

  /** GET /{keyName}: the newest live version's public key, DKE's shape. */
  private async publicKey(name: string): Promise<unknown> {
    const live = (await this.rsaVersions(name)).filter((v) => !v.retired);
    const newest = live.at(-1);
    if (!newest) throw new HttpError('E_KEY_RETIRED', `every version of "${name}" is retired`);
    const n = Buffer.from(newest.publicJwk.n as string, 'base64url').toString('base64');
    const exp = cacheExp(new Date(Date.now() + this.policy.cacheSeconds * 1000));
    return { key: { kty: 'RSA', n, e: 65537, alg: 'RS256', kid: `${this.config.baseUrl}/${name}/${newest.keyId}` }, cache: { exp } };
  }

  /** POST /{keyName}/{keyId}/decrypt. */
  private async decrypt(req: IncomingMessage, name: string, keyId: string): Promise<unknown> {
    const body = await readBody(req);
    const version = (await this.rsaVersions(name)).find((v) => v.keyId === keyId);
    if (!version) throw new HttpError('E_KEY_VERSION_UNKNOWN', `key "${name}" has no version "${keyId}"`);
    if (version.retired) throw new HttpError('E_KEY_RETIRED', `version ${version.version} of "${name}" is retired: what was sealed under it cannot be opened`);
    const base = { keyName: name, keyVersion: version.version, keyId, client: this.client(req) };
    let caller: Caller | undefined;
    let ctx: RequestContext = {};
    try {
      caller = await this.verifier.verify(req.headers.authorization);
      const parsed = decryptRequest(body);
      ctx = parsed.ctx;
      const k = modulusBytes(version);
      if (parsed.value.length !== k) throw new HttpError('E_BAD_REQUEST', `value must be ${k} bytes, the size of this key`);
      authoriseDecrypt(await this.currentPolicy(), name, caller, ctx);
      // The witness's head for the file (its line is the content id), read while the token decrypts.
      const head = ctx.contentId === undefined ? undefined : this.heads.head(ctx.contentId);
      head?.catch(() => undefined);
      let secret: Buffer | undefined;
      try {
        secret = await this.token.decrypt(version, parsed.value, oaepLabel(ctx));
      } catch (e) {
        if (e instanceof RetiredError)
          throw new HttpError('E_KEY_RETIRED', `version ${version.version} of "${name}" is retired: what was sealed under it cannot be opened`);
        throw asHttp(e);
      }
      if (!secret) throw new HttpError('E_DECRYPT', DECRYPT_REASON);
      const receipt = head && (await this.fromState('read a witness head', head))?.receipt;
      await this.log.record({ action: 'key.decrypt', caller, decision: 'allow', ...base, ...ctx });
      return { value: secret.toString('base64'), ...(receipt !== undefined ? { witness: { kind: WITNESS_KIND, receipt } } : {}) };
    } catch (e) {
      if (!(e instanceof HttpError) || e.code === 'E_LOG_FAILED') throw e;
      await this.log.record({ action: 'key.decrypt', caller, decision: 'deny', code: e.code, reason: e.reason, ...base, ...ctx });
      throw e;
    }
  }

  private async certificationKeys(): Promise<KeyVersion[]> {
    const d = this.config.directory;
    if (!d) throw new HttpError('E_NOT_FOUND', 'this key service runs no directory');
    return (await this.versions(d.key)).filter((v) => v.type === 'ec-p256' && !v.retired);
  }

  /** GET /directory: the certification public keys, newest first. */
  private async directoryKeys(): Promise<unknown> {
    const keys = (await this.certificationKeys()).reverse();
    return { keys: keys.map((k) => ({ ...k.publicJwk, alg: 'ES256', use: 'sig', fingerprint: fingerprint(k.keyId) })) };
  }

  /** POST /directory: certifies the caller's own identity. */
  private async certify(req: IncomingMessage): Promise<unknown> {
    const keys = await this.certificationKeys();
    const signing = keys.at(-1);
    if (!signing) throw new HttpError('E_NOT_FOUND', 'the directory has no certification key yet');
    const body = await readBody(req);
    const client = this.client(req);
    let caller: Caller | undefined;
    let identity: PublicIdentity | undefined;
    try {
      caller = await this.verifier.verify(req.headers.authorization);
      const json = parseJson(body);
      if (!isObj(json) || Object.keys(json).some((k) => k !== 'identity'))
        throw new HttpError('E_BAD_REQUEST', 'the body is {"identity": <sensitivity id show --json>}');
      try {
        // The identity's own self-signature must verify (or exist): the directory certifies nothing its owner did not sign.
        identity = await verifyIdentity(parsePublicIdentity(json.identity));
      } catch (e) {
        throw new HttpError('E_BAD_REQUEST', (e as Error).message);
      }
      const policy = await this.currentPolicy();
      checkRevocations(caller, [policy.revoked], {});
      const allow = policy.directory?.allow;
      if (allow && !admits(allow, caller)) throw new HttpError('E_NOT_AUTHORISED', 'you are not among the people this directory certifies');
      if (identity.email !== caller.email)
        throw new HttpError(
          'E_NOT_AUTHORISED',
          `you signed in as ${caller.email ?? `the service account ${caller.serviceAccount}`}: you can only certify your own identity`,
        );
      const signer = this.signer(signing);
      const certificate = await issueCertificate(identity, {
        issuer: this.config.baseUrl,
        signer,
        now: new Date(),
        lifetimeSeconds: policy.directory?.certificateSeconds ?? 7 * 86400,
      });
      await this.log.record({ action: 'directory.certify', caller, decision: 'allow', client, id: identity.id });
      await this.fromState('store a certificate', this.state.putCertificate(identity.email, certificate));
      return { certificate };
    } catch (e) {
      if (!(e instanceof HttpError) || e.code === 'E_LOG_FAILED') throw e;
      const record: AccessRecord = {
        action: 'directory.certify',
        caller,
        decision: 'deny',
        code: e.code,
        reason: e.reason,
        client,
        ...(identity ? { id: identity.id } : {}),
      };
      await this.log.record(record);
      throw e;
    }
  }

  /** The organisation's certification key as a signer (inside the token). */
  private signer(key: KeyVersion): CertificateSigner {
    return {
      kid: key.keyId,
      sign: async (data: Uint8Array) =>
        new Uint8Array(
          await this.token.sign(key, data).catch((e: unknown) => {
            throw asHttp(e);
          }),
        ),
    };
  }

  /**
   * POST /witness: registers one access-policy version of a file's line when an owner of the version before signed it
   * and it extends the head held (docs/KEY-SERVICE.md, "The witness"); 200 with a receipt signed by the certification
   * key, 403 E_LINEAGE when its policies do not show an owner made it, or 409 E_FORK with the head it does not extend.
   */
  private async witness(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const signing = (await this.certificationKeys()).at(-1);
    if (!signing) throw new HttpError('E_NOT_FOUND', 'the witness has no certification key yet');
    const client = this.client(req);
    let caller: Caller | undefined;
    let claim: WitnessClaim | undefined;
    try {
      // The token first: the body, two policies, may be up to 1 MiB, and only a signed-in caller's is read.
      caller = await this.verifier.verify(req.headers.authorization);
      const registration = witnessRegistration(await readBody(req, MAX_WITNESS_BODY));
      const c: WitnessClaim = { line: registration.line, pd: registration.pd, prev: registration.prev, ver: registration.ver };
      claim = c;
      checkRevocations(caller, [(await this.currentPolicy()).revoked], { contentId: c.line });
      // Only an owner of the version before makes its successor: so only an owner of the head can move it (the head
      // is `prev`, which registerHead checks atomically below).
      await verifyWitnessRegistration(registration).catch((e: unknown) => {
        throw isSensitivityError(e) ? new HttpError('E_LINEAGE', e.message) : e;
      });
      // Signed before it is registered, and kept with the head: a decrypt then answers the head without signing.
      const receipt = await issueWitnessReceipt(c, { issuer: this.config.baseUrl, signer: this.signer(signing), now: new Date() });
      const { registered, head } = await this.fromState('register a witness head', this.state.registerHead(c, receipt));
      this.heads.forget(c.line);
      if (!registered) {
        const reason = `version ${c.ver} does not extend the version ${head!.ver} the organisation registered for this file: a fork or an old copy`;
        await this.log.record({ action: 'witness.register', caller, decision: 'deny', code: 'E_FORK', reason, client, line: c.line, ver: c.ver });
        return { status: 409, body: { code: 'E_FORK', reason, head } };
      }
      await this.log.record({ action: 'witness.register', caller, decision: 'allow', client, line: c.line, ver: c.ver });
      return { status: 200, body: { kind: WITNESS_KIND, receipt } };
    } catch (e) {
      if (!(e instanceof HttpError) || e.code === 'E_LOG_FAILED') throw e;
      await this.log.record({
        action: 'witness.register',
        caller,
        decision: 'deny',
        code: e.code,
        reason: e.reason,
        client,
        ...(claim ? { line: claim.line, ver: claim.ver } : {}),
      });
      throw e;
    }
  }

  /** GET /directory/{email}: the current certificate, if it still verifies and the person is not revoked. */
  private async certificate(email: string): Promise<unknown> {
    const keys = await this.certificationKeys();
    const normal = email.trim().toLowerCase();
    const none = new HttpError('E_NOT_FOUND', `no current certificate for ${normal}`);
    // A revoked person is no longer vouched for: clients stop granting to them at once, whatever their certificate's lifetime.
    if ((await this.currentPolicy()).revoked.people.includes(normal)) throw none;
    const text = await this.fromState('read a certificate', this.state.certificate(normal));
    if (text === undefined) throw none;
    try {
      await verifyCertificate(
        text,
        keys.map((k) => k.publicJwk),
        { now: new Date(), issuer: this.config.baseUrl, email: normal },
      );
    } catch {
      throw none;
    }
    return { certificate: text };
  }
}

/** The PIN from the file or environment variable the config names. */
async function readPin(p: ServiceConfig['pkcs11']): Promise<string> {
  const pin = p.pinFile !== undefined ? (await readFile(p.pinFile, 'utf8')).trim() : process.env[p.pinEnv];
  if (!pin) throw new Error(`no token PIN: set ${p.pinEnv}${p.pinFile ? ` or fill ${p.pinFile}` : ''}`);
  return pin;
}

/** Opens the token a config names. */
export async function openToken(config: ServiceConfig): Promise<Token> {
  return Token.open({ module: config.pkcs11.module, token: config.pkcs11.token, pin: await readPin(config.pkcs11), sessions: config.pkcs11.sessions });
}

export async function loadConfig(file: string): Promise<ServiceConfig> {
  return parseConfig(await readFile(file, 'utf8'), file);
}

/** Opens the shared state a config names: PostgreSQL (its URL from the config or the environment variable it names) or files. */
export async function openState(config: ServiceConfig): Promise<ServiceState> {
  const s = config.state;
  if (s.kind === 'file') return fileState(s.folder, config.accessLog.file!, config.directory?.folder);
  const url = s.url ?? process.env[s.urlEnv];
  if (!url) throw new Error(`no database: set ${s.urlEnv} to its postgres:// URL (or state.postgres.url in the config)`);
  return postgresState(url);
}

/** The run-time revocation scope for `key` (every key when undefined). */
export const revocationScope = (key: string | undefined): string => key ?? ALL_KEYS;

/** A running service: its address, and how to stop it. */
export interface RunningService {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Starts the service from a config file and watches the file: a valid edit takes effect within about a
 * second, an invalid one is refused (the last good config stays) with the reason on stderr.
 */
export async function startService(configFile: string, listen?: { host: string; port: number }): Promise<RunningService> {
  const loaded = await loadConfig(configFile);
  const config = listen ? { ...loaded, listen } : loaded;
  if (config.directory && config.state.kind === 'file') await mkdir(config.directory.folder, { recursive: true, mode: 0o755 });
  const token = await openToken(config);
  const state = await openState(config);
  const service = new KeyService(config, token, state);
  let lastText = await readFile(configFile, 'utf8');
  const onChange = () => {
    readFile(configFile, 'utf8').then(
      (text) => {
        if (text === lastText) return;
        lastText = text;
        try {
          const next = parseConfig(text, configFile);
          service.reload(listen ? { ...next, listen } : next);
        } catch (e) {
          process.stderr.write(`key-service: config not reloaded, keeping the last good one: ${(e as Error).message}\n`);
        }
      },
      (e: Error) => process.stderr.write(`key-service: config not readable, keeping the last good one: ${e.message}\n`),
    );
  };
  watchFile(configFile, { interval: CONFIG_POLL_MS }, onChange);
  const server = createServer((req, res) => void service.handle(req, res));
  server.keepAliveTimeout = 30_000;
  limitConnections(server, (line) => process.stderr.write(`key-service: ${line}\n`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, resolve);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.listen.port;
  return {
    url: `http://${config.listen.host}:${port}`,
    server,
    close: async () => {
      unwatchFile(configFile, onChange);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      token.close();
      await state.close();
    },
  };
}
