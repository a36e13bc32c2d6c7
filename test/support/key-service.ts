/**
 * A real key service for tests (docs/KEY-SERVICE.md): a private SoftHSM2 token, keys generated in it by
 * the real CLI (`sensitivity key-service key create`), a config file, and `sensitivity key-service serve`
 * as a separate process in its own process group on a free 127.0.0.1 port. Needs dist/cli.js (npm test
 * builds it) and an IdP (test/support/idp.ts).
 *
 *   const idp = await startIdp();
 *   const ks = await startKeyService({ idp, keys: { Finance: { allow: { groups: ['finance'] } } } });
 *   try { … fetch(`${ks.url}/Finance`) … } finally { await ks.stop(); await idp.stop(); }
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { constants, createHash, createPublicKey, publicEncrypt } from 'node:crypto';
import { writeFileSync, renameSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { grantClaim, ownerClaim, policyDigest, signPolicy, type EnvelopePolicy } from '../../src/core/envelope/policy.js';
import { publicIdentity, type Identity } from '../../src/core/identity.js';
import type { WitnessRegistration } from '../../src/core/org/index.js';
import { rightsOfRole } from '../../src/core/rights.js';
import { startIdp, type IdpOptions, type TestIdp } from './idp.js';
import { createSoftHsm, type SoftHsm } from './softhsm.js';

export const CLI = resolve('dist/cli.js');

/** The config's JSON (docs/KEY-SERVICE.md, "Config reference"). */
export type KeyServiceConfig = Record<string, unknown> & { keys: Record<string, unknown> };

export interface KeyServiceOptions {
  readonly idp: { readonly issuer: string; readonly audience: string };
  /** Key name → its policy (`{allow, revoked}`); each gets an rsa-3072 key in the token. */
  readonly keys: Record<string, unknown>;
  /** Extra top-level settings (revoked, cacheSeconds, trustProxy…). */
  readonly extra?: Record<string, unknown>;
  /** Runs the directory with an ec-p256 certification key named "certification" (default true). */
  readonly directory?: boolean;
  /** Reuse a token (another replica); keys are then not created again. */
  readonly hsm?: SoftHsm;
  /** Reuse a folder for config, log and certificates (replicas share them). */
  readonly dir?: string;
  /** Default: a free port. */
  readonly port?: number;
  /** The address clients use (default: the service's own). */
  readonly baseUrl?: string;
  /** The CLI bundle to run (default: dist/cli.js under the working directory; the extension host passes its own). */
  readonly cli?: string;
  /** The Node binary (default this process's; the extension host, on another Node, passes the one pkcs11js was built for). */
  readonly node?: string;
  /** Node options for `serve` only (e.g. `--cpu-prof`, which NODE_OPTIONS does not take). */
  readonly nodeArgs?: readonly string[];
  /** Another replica of that service: the same token, folder and config file, this one on its own port (`serve --listen`). */
  readonly replicaOf?: TestKeyService;
  /** Extra environment for the service (e.g. SENSITIVITY_KS_DATABASE_URL). */
  readonly env?: NodeJS.ProcessEnv;
  /** Runs `serve` with this RLIMIT_NOFILE (soft and hard, through `sh -c 'ulimit -n N'`), e.g. the usual 1024. */
  readonly maxFiles?: number;
}

export interface TestKeyService {
  readonly url: string;
  readonly port: number;
  readonly hsm: SoftHsm;
  readonly dir: string;
  readonly configFile: string;
  readonly logFile: string;
  readonly process: ChildProcess;
  /** The config as last written. */
  config(): KeyServiceConfig;
  /** Rewrites the config file atomically (the service picks it up within about a second). */
  writeConfig(config: KeyServiceConfig): void;
  /** Runs `sensitivity key-service …ARGS` synchronously (`key`, `revoke` and `witness` get `--config FILE`). */
  cli(args: readonly string[]): { code: number; stdout: string; stderr: string };
  /** The service's stderr so far. */
  stderr(): string;
  /** SIGTERM to the process group (SIGKILL after 3 s); removes the token and files unless shared. */
  stop(): Promise<void>;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((c) => killGroup(c, 'SIGKILL')));

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export async function startKeyService(options: KeyServiceOptions): Promise<TestKeyService> {
  const port = options.port ?? (await freePort());
  const replica = options.replicaOf;
  const ownHsm = options.hsm === undefined && replica === undefined;
  const hsm = replica?.hsm ?? options.hsm ?? createSoftHsm();
  const dir = replica?.dir ?? options.dir ?? hsm.dir;
  const configFile = replica?.configFile ?? join(dir, `key-service-${port}.json`);
  const env = { ...hsm.env, ...options.env };
  const logFile = join(dir, 'access.log');
  const withDirectory = options.directory ?? true;
  const cliPath = options.cli ?? CLI;
  const nodePath = options.node ?? process.execPath;
  let current: KeyServiceConfig = {
    listen: { host: '127.0.0.1', port },
    baseUrl: options.baseUrl ?? `http://127.0.0.1:${port}`,
    pkcs11: { module: hsm.module, token: hsm.token },
    oidc: { issuer: options.idp.issuer, audience: options.idp.audience, clockSkewSeconds: 5 },
    accessLog: { file: logFile, stdout: false },
    keys: options.keys,
    ...(withDirectory ? { directory: { key: 'certification', folder: join(dir, 'certificates'), certificateSeconds: 3600 } } : {}),
    ...options.extra,
  };
  const write = (c: KeyServiceConfig) => {
    const tmp = `${configFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(c, null, 2));
    renameSync(tmp, configFile);
    current = c;
  };
  if (replica) current = replica.config();
  else write(current);
  const cli = (args: readonly string[]) => {
    const config = ['key', 'revoke', 'witness'].includes(args[0]!) ? ['--config', configFile] : [];
    const r = spawnSync(nodePath, [cliPath, 'key-service', ...args, ...config], { env, encoding: 'utf8', input: '' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  if (ownHsm) {
    for (const name of Object.keys(options.keys)) {
      const r = cli(['key', 'create', name]);
      if (r.code !== 0) throw new Error(`key create ${name} failed: ${r.stderr}`);
    }
    if (withDirectory) {
      const r = cli(['key', 'create', 'certification', '--type', 'ec-p256']);
      if (r.code !== 0) throw new Error(`key create certification failed: ${r.stderr}`);
    }
  }
  const listen = replica ? ['--listen', `127.0.0.1:${port}`] : [];
  const serve = [nodePath, ...(options.nodeArgs ?? []), cliPath, 'key-service', 'serve', '--config', configFile, ...listen];
  const limited = options.maxFiles === undefined ? serve : ['/bin/sh', '-c', `ulimit -n ${options.maxFiles} && exec "$@"`, 'sh', ...serve];
  const child = spawn(limited[0]!, limited.slice(1), {
    env,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the key service did not start within 15 s: ${stderr}`)), 15_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-20_000);
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the key service exited (${code}) before listening: ${stderr}`));
    });
  });
  const stop = async () => {
    if (running.delete(child)) {
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    if (ownHsm && options.dir === undefined) hsm.dispose();
  };
  return {
    url,
    port: Number(new URL(url).port),
    hsm,
    dir,
    configFile,
    logFile,
    process: child,
    config: () => current,
    writeConfig: write,
    cli,
    stderr: () => stderr,
    stop,
  };
}

/** A workspace policy with a General label and a Double Key "Finance" label sealed to `<base>/finance`. */
export function doubleKeyPolicy(base: string): Record<string, unknown> {
  return {
    version: 1,
    labels: [
      { id: 'general', name: 'General' },
      { id: 'finance', name: 'Finance', protection: { doubleKey: { url: `${base}/finance` } } },
    ],
    defaultLabel: 'general',
  };
}

/** A `GET /{keyName}` answer (the DKE shape). */
export interface PublicKeyResponse {
  key: { kty: string; n: string; e: number; alg: string; kid: string };
  cache: { exp: string };
}

/** Encrypts `secret` to a `GET /{keyName}` answer's key (RSA-OAEP-256, standard base64), as a Double Key client does. */
export function sealTo(pub: PublicKeyResponse, secret: Buffer, oaepLabel?: Buffer): string {
  const key = createPublicKey({ key: { kty: 'RSA', n: Buffer.from(pub.key.n, 'base64').toString('base64url'), e: 'AQAB' }, format: 'jwk' });
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', ...(oaepLabel ? { oaepLabel } : {}) }, secret).toString('base64');
}

/** An IdP, a key service with one key `name` for the `finance` group, Alice's token and the key's public half. */
export interface FinanceService {
  readonly idp: TestIdp;
  readonly ks: TestKeyService;
  /** Alice's access token (she is in `finance`). */
  readonly token: string;
  readonly pub: PublicKeyResponse;
  stop(): Promise<void>;
}

export async function startFinanceService(name: string, options: Partial<KeyServiceOptions> = {}, idpOptions: IdpOptions = {}): Promise<FinanceService> {
  const idp = await startIdp(idpOptions);
  try {
    const ks = await startKeyService({ idp, keys: { [name]: { allow: { groups: ['finance'] } } }, ...options });
    const token = await idp.tokenFor('alice@example.com');
    const pub = (await (await fetch(`${ks.url}/${name}`)).json()) as PublicKeyResponse;
    return { idp, ks, token, pub, stop: async () => (await ks.stop(), await idp.stop()) };
  } catch (e) {
    await idp.stop();
    throw e;
  }
}

/** A stand-in for a policy version's digest (b64u SHA-256 of its JWS), for the witness's tests. */
export const pd = (s: string): string => createHash('sha256').update(s).digest('base64url');

/** A policy JWS's claims, unverified. */
const claimsOf = (jws: string): EnvelopePolicy => JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString()) as EnvelopePolicy;

/**
 * A real policy version for the witness's tests (FORMAT §3, §14.2), signed by `signer`: version 1 of line `cid` when
 * `before` is null, else the next version of `before` (its JWS). `grants` are people and roles (`Co-Owner` holds OWNER).
 * Whether `signer` may make it is the witness's to judge. `iat` makes two versions with the same grants differ.
 */
export function policyVersion(
  signer: Identity,
  before: string | null,
  grants: readonly (readonly [Identity, string])[],
  { cid = 'content-1', iat = 1_800_000_000 }: { cid?: string; iat?: number } = {},
): Promise<string> {
  const prior = before === null ? undefined : claimsOf(before);
  return signPolicy(
    {
      v: 2,
      ver: prior ? prior.ver! + 1 : 1,
      ...(before !== null ? { prev: policyDigest(before) } : {}),
      cid: prior?.cid ?? cid,
      label: { id: 'general', name: 'General' },
      owner: ownerClaim(publicIdentity(signer)),
      grants: grants.map(([who, role]) => grantClaim(publicIdentity(who), rightsOfRole(role))),
      iat,
      cmt: pd(`commitment ${iat}`),
    },
    signer,
  );
}

/** The registration of `policy` as the successor of `before` (its JWS; null for version 1): what a writer sends. */
export function registrationOf(policy: string, before: string | null): WitnessRegistration {
  const { cid, ver } = claimsOf(policy);
  return { line: cid, pd: policyDigest(policy), prev: before === null ? null : policyDigest(before), ver: ver!, policy, prevPolicy: before };
}

/** POST /witness with a bearer token; the status and the JSON answer. */
export async function registerAtWitness(url: string, token: string, claim: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${url}/witness`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(claim) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}
