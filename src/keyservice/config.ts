/**
 * The key service's config file (docs/KEY-SERVICE.md, "Config reference"): JSON, validated strictly. The
 * `policy` part (who may use which key, revocations, cache and certificate lifetimes) is reloaded while
 * the service runs; the rest (listen address, token, IdP, log, directory folder) needs a restart.
 */
import { dirname } from 'node:path';
import { SensitivityError } from '../core/errors.js';
import { isKeyName, RESERVED_NAMES } from './names.js';

/** Who a rule admits: anyone matching any list. */
export interface AllowRules {
  readonly emails: readonly string[];
  readonly domains: readonly string[];
  readonly groups: readonly string[];
  readonly roles: readonly string[];
  /** Service accounts by name (`oidc.serviceAccounts`): machines are admitted only here. */
  readonly serviceAccounts: readonly string[];
}

/** Revocations: people (email or `sub`), content ids and label ids. */
export interface Revocations {
  readonly people: readonly string[];
  readonly contentIds: readonly string[];
  readonly labels: readonly string[];
}

export interface KeyPolicy {
  readonly allow: AllowRules;
  readonly revoked: Revocations;
}

/** What a config edit changes without a restart. */
export interface Policy {
  readonly keys: ReadonlyMap<string, KeyPolicy>;
  /** Revocations for every key (and for certification). */
  readonly revoked: Revocations;
  readonly cacheSeconds: number;
  /** `allow` absent: anyone the IdP signs in may be certified (for their own email). */
  readonly directory?: { readonly allow?: AllowRules; readonly certificateSeconds: number };
}

export interface ServiceConfig {
  readonly listen: { readonly host: string; readonly port: number };
  /** The address clients use (behind a load balancer: its address); key ids and certificate issuers start with it. */
  readonly baseUrl: string;
  /** Take the client address from X-Forwarded-For (only behind a proxy you run). */
  readonly trustProxy: boolean;
  readonly pkcs11: { readonly module: string; readonly token: string; readonly pinEnv: string; readonly pinFile?: string; readonly sessions: number };
  readonly oidc: {
    readonly issuer: string;
    readonly audience: string;
    /** The authorization server named in the 401 challenge (`authorization="…"`; default the issuer). */
    readonly authorization: string;
    readonly clockSkewSeconds: number;
    readonly emailClaim: string;
    readonly groupsClaim: string;
    readonly rolesClaim: string;
    /** Service-account name → the `sub` of its tokens (a client credentials token's `sub` is the client id). */
    readonly serviceAccounts: Readonly<Record<string, string>>;
  };
  /** `file` is the log in file mode (with a database, the log is in the database and `file` is unused). */
  readonly accessLog: { readonly file: string | undefined; readonly stdout: boolean };
  /** Where the shared state lives: files in a folder (the default), or PostgreSQL (docs/KEY-SERVICE.md, "Shared state"). */
  readonly state: { readonly kind: 'file'; readonly folder: string } | { readonly kind: 'postgres'; readonly url?: string; readonly urlEnv: string };
  /** The certification key (an ec-p256 key in the token) and where certificates are kept. */
  readonly directory?: { readonly key: string; readonly folder: string };
  readonly policy: Policy;
}

type Obj = Readonly<Record<string, unknown>>;

class Reader {
  constructor(
    private readonly file: string,
    private readonly at: string,
    private readonly v: Obj,
  ) {}

  static root(json: unknown, file: string): Reader {
    if (!isObj(json)) throw fail(file, '', 'is not a JSON object');
    return new Reader(file, '', json);
  }

  /** Refuses members this object does not know (a typo must not silently disable a rule). */
  only(...names: string[]): this {
    const extra = Object.keys(this.v).find((k) => !names.includes(k));
    if (extra !== undefined) throw fail(this.file, `${this.at}/${extra}`, 'is not a known setting');
    return this;
  }

  has(name: string): boolean {
    return this.v[name] !== undefined;
  }

  obj(name: string): Reader {
    const x = this.v[name];
    if (!isObj(x)) throw fail(this.file, `${this.at}/${name}`, 'is required (an object)');
    return new Reader(this.file, `${this.at}/${name}`, x);
  }

  entries(name: string): [string, Reader][] {
    return Object.keys(this.obj(name).v).map((k) => [k, this.obj(name).obj(k)]);
  }

  str(name: string, fallback?: string): string {
    const x = this.v[name] ?? fallback;
    if (typeof x !== 'string' || x === '') throw fail(this.file, `${this.at}/${name}`, 'is required (a non-empty string)');
    return x;
  }

  optStr(name: string): string | undefined {
    return this.has(name) ? this.str(name) : undefined;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const x = this.v[name] ?? fallback;
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min || x > max)
      throw fail(this.file, `${this.at}/${name}`, `must be a whole number from ${min} to ${max}`);
    return x;
  }

  bool(name: string, fallback: boolean): boolean {
    const x = this.v[name] ?? fallback;
    if (typeof x !== 'boolean') throw fail(this.file, `${this.at}/${name}`, 'must be true or false');
    return x;
  }

  strings(name: string, normalize: (s: string) => string = (s) => s): string[] {
    const x = this.v[name] ?? [];
    if (!Array.isArray(x) || x.some((s) => typeof s !== 'string' || s.trim() === ''))
      throw fail(this.file, `${this.at}/${name}`, 'must be a list of non-empty strings');
    return (x as string[]).map((s) => normalize(s.trim()));
  }

  /** Every member, each a non-empty string; no two members with the same value. */
  stringMap(): Record<string, string> {
    const seen = new Set<string>();
    for (const k of Object.keys(this.v)) {
      const x = this.str(k);
      if (seen.has(x)) throw fail(this.file, `${this.at}/${k}`, 'names a value another member names already');
      seen.add(x);
    }
    return { ...(this.v as Record<string, string>) };
  }

  url(name: string): string {
    const s = this.str(name);
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw fail(this.file, `${this.at}/${name}`, 'is not a URL');
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopback(u.hostname))) {
      throw fail(this.file, `${this.at}/${name}`, 'must be an https URL (http only on a loopback address)');
    }
    return s.replace(/\/+$/, '');
  }
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isLoopback = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
const fail = (file: string, at: string, why: string) => new SensitivityError('E_CONFIG_INVALID', `${at || 'the config'} ${why}`, file);
const lower = (s: string) => s.toLowerCase();

function allowRules(r: Reader): AllowRules {
  r.only('emails', 'domains', 'groups', 'roles', 'serviceAccounts');
  return {
    serviceAccounts: r.strings('serviceAccounts'),
    emails: r.strings('emails', lower),
    domains: r.strings('domains', (d) => lower(d).replace(/^@/, '')),
    groups: r.strings('groups'),
    roles: r.strings('roles'),
  };
}

function revocations(r: Reader | undefined): Revocations {
  if (!r) return { people: [], contentIds: [], labels: [] };
  r.only('people', 'contentIds', 'labels');
  return { people: r.strings('people', lower), contentIds: r.strings('contentIds'), labels: r.strings('labels') };
}

/** Parses and validates the config text; E_CONFIG_INVALID naming the setting by JSON pointer. */
export function parseConfig(text: string, file: string): ServiceConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw fail(file, '', `is not JSON (${(e as Error).message})`);
  }
  const r = Reader.root(json, file).only(
    'listen',
    'baseUrl',
    'trustProxy',
    'pkcs11',
    'oidc',
    'accessLog',
    'keys',
    'revoked',
    'cacheSeconds',
    'directory',
    'state',
  );
  const listen = r.obj('listen').only('host', 'port');
  const p = r.obj('pkcs11').only('module', 'token', 'pinEnv', 'pinFile', 'sessions');
  const o = r.obj('oidc').only('issuer', 'audience', 'authorization', 'clockSkewSeconds', 'emailClaim', 'groupsClaim', 'rolesClaim', 'serviceAccounts');
  const log = r.obj('accessLog').only('file', 'stdout');
  const keys = new Map<string, KeyPolicy>();
  for (const [name, k] of r.entries('keys')) {
    if (!isKeyName(name))
      throw fail(file, `/keys/${name}`, `is not a key name (letters, digits, . _ -; at most 64; not ${RESERVED_NAMES.map((n) => `"${n}"`).join(', ')})`);
    k.only('allow', 'revoked');
    keys.set(name, { allow: allowRules(k.obj('allow')), revoked: revocations(k.has('revoked') ? k.obj('revoked') : undefined) });
  }
  const d = r.has('directory') ? r.obj('directory').only('key', 'folder', 'certificateSeconds', 'allow') : undefined;
  const st = r.has('state') ? r.obj('state').only('folder', 'postgres') : undefined;
  const pgr = st?.has('postgres') ? st.obj('postgres').only('url', 'urlEnv') : undefined;
  if (st && pgr && st.has('folder')) throw fail(file, '/state', 'names a folder and a database: one or the other');
  const logFile = pgr ? log.optStr('file') : log.str('file');
  const pgUrl = pgr?.optStr('url');
  const state: ServiceConfig['state'] = pgr
    ? { kind: 'postgres', ...(pgUrl ? { url: pgUrl } : {}), urlEnv: pgr.str('urlEnv', 'SENSITIVITY_KS_DATABASE_URL') }
    : { kind: 'file', folder: st?.optStr('folder') ?? dirname(logFile!) };
  const pinFile = p.optStr('pinFile');
  return {
    listen: { host: listen.str('host', '127.0.0.1'), port: listen.int('port', 0, 0, 65535) },
    baseUrl: r.url('baseUrl'),
    trustProxy: r.bool('trustProxy', false),
    pkcs11: {
      module: p.str('module'),
      token: p.str('token'),
      pinEnv: p.str('pinEnv', 'SENSITIVITY_KS_PIN'),
      ...(pinFile ? { pinFile } : {}),
      sessions: p.int('sessions', 4, 1, 64),
    },
    oidc: {
      issuer: o.url('issuer'),
      audience: o.str('audience'),
      authorization: o.has('authorization') ? o.url('authorization') : o.url('issuer'),
      clockSkewSeconds: o.int('clockSkewSeconds', 60, 0, 300),
      emailClaim: o.str('emailClaim', 'email'),
      groupsClaim: o.str('groupsClaim', 'groups'),
      rolesClaim: o.str('rolesClaim', 'roles'),
      serviceAccounts: o.has('serviceAccounts') ? o.obj('serviceAccounts').stringMap() : {},
    },
    accessLog: { file: logFile, stdout: log.bool('stdout', true) },
    state,
    ...(d ? { directory: { key: d.str('key'), folder: d.str('folder') } } : {}),
    policy: {
      keys,
      revoked: revocations(r.has('revoked') ? r.obj('revoked') : undefined),
      cacheSeconds: r.int('cacheSeconds', 86400, 0, 30 * 86400),
      ...(d
        ? {
            directory: {
              ...(d.has('allow') ? { allow: allowRules(d.obj('allow')) } : {}),
              certificateSeconds: d.int('certificateSeconds', 7 * 86400, 60, 366 * 86400),
            },
          }
        : {}),
    },
  };
}

/** The settings a running service cannot change without a restart, differing between two configs. */
export function restartOnlyChanges(a: ServiceConfig, b: ServiceConfig): string[] {
  const fixed = (c: ServiceConfig) => ({
    listen: c.listen,
    baseUrl: c.baseUrl,
    trustProxy: c.trustProxy,
    pkcs11: c.pkcs11,
    oidc: { ...c.oidc, serviceAccounts: undefined }, // service accounts take effect on reload
    accessLog: c.accessLog,
    directory: c.directory,
    state: c.state,
  });
  const x = fixed(a) as Record<string, unknown>;
  const y = fixed(b) as Record<string, unknown>;
  return Object.keys(x).filter((k) => JSON.stringify(x[k]) !== JSON.stringify(y[k]));
}
