/**
 * The fuzz targets: every parser of something another person (or a repository, or a network peer) can
 * write. Each takes bytes, calls the real parser the way the application does, and must return or throw
 * one of our coded errors (SensitivityError; HttpError in the key service) — never a TypeError, RangeError,
 * SyntaxError, a native crash or a hang — and `envelope-open` must never release bytes that are not a
 * prefix of a plaintext that was really sealed. Targets that sign what they mutate (policy claims,
 * lineages, write claims, token claims) play an attacker who signs with their own key: the claims parser
 * behind the signature is reached too.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, exportJWK, generateKeyPair, importJWK } from 'jose';
import { byteSourceOf, memorySink, openEnvelope, randomAccessOf, readEnvelopeHeader } from '../../src/core/envelope/index.js';
import { ByteReader } from '../../src/core/envelope/io.js';
import { DIGEST_LENGTH, encodeHeader, readHeader, readWriteBlock, chunkCountOf, FIXED_LENGTH } from '../../src/core/envelope/format.js';
import { bodyKeys } from '../../src/core/envelope/keys.js';
import { POLICY_TYP, verifyLineage, verifyPolicy } from '../../src/core/envelope/policy.js';
import { verifyWrite, WRITE_TYP } from '../../src/core/envelope/write.js';
import { isSensitivityError, SensitivityError } from '../../src/core/errors.js';
import { verifyWitnessRegistration } from '../../src/core/org/index.js';
import type { Identity } from '../../src/core/identity.js';
import { importIdentity } from '../../src/core/identity-file.js';
import { parseManifest } from '../../src/core/labels/manifest.js';
import { parsePeople, parsePublicIdentity, verifyIdentity } from '../../src/core/people.js';
import { parsePins } from '../../src/core/pins.js';
import { parsePolicy } from '../../src/core/policy/policy.js';
import { parseJsonText } from '../../src/core/policy/schema.js';
import { parseAuditLog, verifyAuditLog } from '../../src/core/audit/audit.js';
import { homeVersionMemory, versionsPath } from '../../src/node/versions.js';
import { HttpError } from '../../src/keyservice/http-error.js';
import { decryptRequest, witnessRegistration } from '../../src/keyservice/server.js';
import { TokenVerifier } from '../../src/keyservice/tokens.js';
import { drbg } from '../vectors/fixtures.js';
import type { LengthField } from './mutate.js';
import { CORPUS, people, REGRESSIONS } from './seeds.js';

export interface Target {
  readonly name: string;
  /** The corpus folder its seeds come from (test/fuzz/corpus/<corpus>). */
  readonly corpus: string;
  /** The source files it exercises (coverage is reported for these). */
  readonly files: readonly string[];
  readonly fields?: readonly LengthField[];
  /** Slow targets (a key derivation per input) run fewer inputs. */
  readonly slow?: boolean;
  /** A longer bound than the engine's HANG_MS, for a target whose legitimate inputs take long. */
  readonly hangMs?: number;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  run(input: Uint8Array): Promise<void>;
  /** True for the errors this parser may throw on bad input. */
  accepts(e: unknown): boolean;
}

const coded = (e: unknown): boolean => e instanceof SensitivityError;
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A corpus folder's files, sorted by name. */
export function seeds(corpus: string): Uint8Array[] {
  const dir = join(CORPUS, corpus);
  return readdirSync(dir)
    .sort()
    .map((f) => new Uint8Array(readFileSync(join(dir, f))));
}

/** The committed regression inputs of a target (test/fuzz/regressions/<target>/). */
export function regressions(target: Target): Uint8Array[] {
  const dir = join(REGRESSIONS, target.name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((f) => new Uint8Array(readFileSync(join(dir, f))));
}

const u32 = (b: Uint8Array, at: number): number | undefined => (b.length >= at + 4 ? new DataView(b.buffer, b.byteOffset).getUint32(at) : undefined);
const u64 = (b: Uint8Array, at: number): number | undefined => (b.length >= at + 8 ? Number(new DataView(b.buffer, b.byteOffset).getBigUint64(at)) : undefined);

/** The envelope's length fields (docs/FORMAT.md §1, §14.1): chunk size, plaintext length, metadata length, write signature length. */
const ENVELOPE_FIELDS: readonly LengthField[] = [
  { at: () => 10, width: 4 },
  { at: () => 14, width: 8 },
  { at: () => 86, width: 4 },
  {
    at: (b) => {
      const n = u32(b, 86);
      const c = u32(b, 10);
      const l = u64(b, 14);
      if (n === undefined || !c || l === undefined) return undefined;
      return FIXED_LENGTH + n + 32 + chunkCountOf(l, c) * DIGEST_LENGTH;
    },
    width: 2,
  },
];

const ENVELOPE_FILES = [
  'src/core/envelope/format.ts',
  'src/core/envelope/check.ts',
  'src/core/envelope/io.ts',
  'src/core/envelope/slots.ts',
  'src/core/envelope/policy.ts',
  'src/core/envelope/jws.ts',
  'src/core/envelope/write.ts',
  'src/core/envelope/envelope.ts',
  'src/core/envelope/stream.ts',
  'src/core/envelope/double-key.ts',
];

/** Plaintexts the seed envelopes hold (test/fuzz/generate.ts). */
const SEALED = [new Uint8Array(0), new TextEncoder().encode('the plan\n'), new TextEncoder().encode('a line of the plan\n'.repeat(20))];
const isPrefixOfSealed = (out: Uint8Array): boolean => SEALED.some((p) => out.length <= p.length && out.every((b, i) => b === p[i]));

/** Opens `env` as Alice; whatever happens, what reached the sink must be (a prefix of) a plaintext really sealed. */
async function openChecked(env: Uint8Array): Promise<void> {
  const sink = memorySink();
  const outcome = await openEnvelope(randomAccessOf(env), sink, alice).then(
    () => undefined,
    (e: unknown) => ({ e }),
  );
  if (!isPrefixOfSealed(sink.bytes())) throw new Error(`released ${sink.length} bytes that were never sealed`);
  if (outcome) throw outcome.e;
}

/** Signs `payload` bytes as they are (no re-serialisation), with the header `signEdDSA` writes. */
async function signRaw(payload: Uint8Array, typ: string, signer: Identity): Promise<string> {
  const key = await importJWK({ kty: 'OKP', crv: 'Ed25519', x: signer.sigPrivate.x, d: signer.sigPrivate.d }, 'EdDSA');
  return new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA', typ, kid: signer.sig.kid }).sign(key);
}

let alice: Identity;
const withAlice = async () => {
  ({ alice } = await people());
};

/** The metadata target's base: the `revoked` seed's fixed part, write block and body, and its file key. */
let base: { fixed: Uint8Array; rest: Uint8Array; macKey: Uint8Array; raw: Awaited<ReturnType<typeof readHeader>> };

let versionsHome = '';
let idp: { server: Server; verifier: TokenVerifier; sign(claims: Uint8Array): Promise<string> } | undefined;

/** A workspace file parsed from its text, as the application reads it (coded errors only). */
function textTarget(name: string, corpus: string, files: readonly string[], parse: (text: string) => unknown): Target {
  return { name, corpus, files, run: async (input) => void (await parse(text(input))), accepts: coded };
}

export const TARGETS: readonly Target[] = [
  {
    name: 'envelope-header',
    corpus: 'envelope',
    files: ENVELOPE_FILES,
    fields: ENVELOPE_FIELDS,
    async run(input) {
      await readEnvelopeHeader(randomAccessOf(input));
      await readEnvelopeHeader(byteSourceOf(input, 777));
    },
    accepts: coded,
  },
  {
    name: 'envelope-open',
    corpus: 'envelope',
    files: ENVELOPE_FILES,
    fields: ENVELOPE_FIELDS,
    setup: withAlice,
    async run(input) {
      await openChecked(input);
    },
    accepts: coded,
  },
  {
    name: 'envelope-metadata',
    corpus: 'metadata',
    files: ENVELOPE_FILES,
    async setup() {
      await withAlice();
      const env = new Uint8Array(readFileSync(join(CORPUS, 'envelope', 'revoked.protected')));
      const reader = new ByteReader(byteSourceOf(env));
      const raw = await readHeader(reader);
      await readWriteBlock(reader, chunkCountOf(raw.plaintextLength, raw.chunkSize));
      // A revoke rotates the file key: the first 32 bytes its random source served (test/fuzz/generate.ts).
      const fileKey = drbg('revoked')(32);
      base = { fixed: raw.bytes.slice(0, FIXED_LENGTH), rest: env.slice(raw.bytes.length), macKey: bodyKeys(fileKey, raw.salt).macKey, raw };
      const check = await openEnvelope(randomAccessOf(env), memorySink(), alice);
      if (check.layout.plaintextLength !== raw.plaintextLength) throw new Error('the metadata base does not open');
    },
    // A holder of the file key (any grantee) rewrites the metadata and re-MACs the header.
    async run(input) {
      const meta = text(input);
      let metadata: unknown;
      try {
        metadata = JSON.parse(meta);
      } catch {
        return; // encodeHeader takes parsed fields; malformed JSON is the envelope-header target's
      }
      const m = metadata as Parameters<typeof encodeHeader>[0]['metadata'];
      let header: Uint8Array;
      try {
        header = encodeHeader({ ...base.raw, metadata: m }, base.macKey);
      } catch {
        return; // not serialisable as a header (the writer's own check)
      }
      const env = new Uint8Array(header.length + base.rest.length);
      env.set(header);
      env.set(base.rest, header.length);
      await openChecked(env);
    },
    accepts: coded,
  },
  {
    name: 'policy-claims',
    corpus: 'policy-claims',
    files: ['src/core/envelope/policy.ts', 'src/core/envelope/check.ts', 'src/core/envelope/jws.ts', 'src/core/envelope/double-key.ts'],
    setup: withAlice,
    async run(input) {
      await verifyPolicy(await signRaw(input, POLICY_TYP, alice));
    },
    accepts: coded,
  },
  {
    name: 'lineage',
    corpus: 'lineage',
    files: ['src/core/envelope/policy.ts', 'src/core/envelope/check.ts', 'src/core/envelope/jws.ts'],
    setup: withAlice,
    async run(input) {
      const lines = text(input).split('\n');
      await verifyLineage(await Promise.all(lines.map((l) => signRaw(new TextEncoder().encode(l), POLICY_TYP, alice))));
    },
    accepts: coded,
  },
  {
    name: 'write-claims',
    corpus: 'write-claims',
    files: ['src/core/envelope/write.ts', 'src/core/envelope/check.ts', 'src/core/envelope/jws.ts'],
    setup: withAlice,
    async run(input) {
      await verifyWrite(await signRaw(input, WRITE_TYP, alice), new Uint8Array(200), new Uint8Array(64));
    },
    accepts: coded,
  },
  textTarget('identity-document', 'identity', ['src/core/people.ts', 'src/core/identity.ts', 'src/core/policy/schema.ts'], async (t) =>
    verifyIdentity(parsePublicIdentity(parseJsonText(t, 'E_IDENTITY_INVALID', 'not an identity'))),
  ),
  {
    name: 'identity-file',
    corpus: 'identity-file',
    files: ['src/core/identity-file.ts', 'src/core/people.ts'],
    slow: true,
    // The format allows up to 10 000 000 PBES2 iterations: seconds of work, by design (identity-file.ts).
    hangMs: 120_000,
    async run(input) {
      await importIdentity(text(input), 'correct horse battery staple');
    },
    accepts: coded,
  },
  textTarget('people.json', 'people', ['src/core/people.ts', 'src/core/policy/schema.ts'], parsePeople),
  textTarget('pins.json', 'pins', ['src/core/pins.ts', 'src/core/people.ts', 'src/core/policy/schema.ts'], parsePins),
  {
    name: 'versions.json',
    corpus: 'versions',
    files: ['src/node/versions.ts'],
    async setup() {
      versionsHome = mkdtempSync(join(tmpdir(), 'sensitivity-fuzz-versions-'));
    },
    async teardown() {
      rmSync(versionsHome, { recursive: true, force: true });
    },
    async run(input) {
      writeFileSync(versionsPath(versionsHome), input);
      const memory = homeVersionMemory(versionsHome);
      await memory.head(`cid-1.${'a'.repeat(43)}`);
      await memory.seenInFormat2('cid-2');
      await memory.signed(`cid-1.${'a'.repeat(43)}`);
      await memory.remember(`cid-3.${'g'.repeat(43)}`, { history: ['h'.repeat(43), 'i'.repeat(43)], signer: { id: 'x', email: 'x@example.com' } });
      await memory.organisationHead(`cid-1.${'a'.repeat(43)}`);
      await memory.rememberOrganisationHead(`cid-3.${'g'.repeat(43)}`, { ver: 3, pd: 'j'.repeat(43), iat: 1_700_000_000 });
    },
    accepts: coded,
  },
  textTarget('labels.json', 'labels', ['src/core/labels/manifest.ts', 'src/core/policy/schema.ts'], parseManifest),
  textTarget('policy.json', 'policy', ['src/core/policy/policy.ts', 'src/core/policy/labels.ts', 'src/core/policy/schema.ts'], parsePolicy),
  textTarget('audit-log', 'audit', ['src/core/audit/audit.ts'], async (t) => {
    await verifyAuditLog(t);
    parseAuditLog(t);
  }),
  {
    name: 'keyservice-decrypt-body',
    corpus: 'decrypt-body',
    files: ['src/keyservice/server.ts'],
    async run(input) {
      decryptRequest(Buffer.from(input));
    },
    accepts: (e) => e instanceof HttpError,
  },
  {
    // The witness's body and what it checks of the policies in it (the owner step), before any head is consulted.
    name: 'keyservice-witness-body',
    corpus: 'witness-body',
    files: ['src/keyservice/server.ts', 'src/core/org/witness.ts', 'src/core/envelope/policy.ts'],
    async run(input) {
      await verifyWitnessRegistration(witnessRegistration(Buffer.from(input)));
    },
    accepts: (e) => e instanceof HttpError || isSensitivityError(e, 'E_LINEAGE'),
  },
  {
    name: 'keyservice-token',
    corpus: 'token-claims',
    files: ['src/keyservice/tokens.ts'],
    // A local OpenID provider (discovery document and key set on 127.0.0.1) whose key signs the mutated claims.
    async setup() {
      const { publicKey, privateKey } = await generateKeyPair('ES256');
      const jwk = { ...(await exportJWK(publicKey)), kid: 'fuzz', alg: 'ES256', use: 'sig' };
      const server = createServer((req, res) => {
        const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
        const body = req.url === '/.well-known/openid-configuration' ? { issuer, jwks_uri: `${issuer}/jwks` } : { keys: [jwk] };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const oidc = {
        issuer,
        audience: 'urn:sensitivity:key-service',
        authorization: issuer,
        clockSkewSeconds: 0,
        emailClaim: 'email',
        groupsClaim: 'groups',
        rolesClaim: 'roles',
        serviceAccounts: {},
      };
      const verifier = new TokenVerifier(oidc, { now: () => new Date('2026-01-01T00:10:00Z') });
      const sign = (claims: Uint8Array) =>
        new CompactSign(new TextEncoder().encode(text(claims).replaceAll('ISSUER', issuer)))
          .setProtectedHeader({ alg: 'ES256', kid: 'fuzz', typ: 'JWT' })
          .sign(privateKey);
      idp = { server, verifier, sign };
      // The seeds verify: the harness reaches the claim checks.
      await verifier.verify(`Bearer ${await sign(seeds('token-claims')[0]!)}`);
    },
    async teardown() {
      await new Promise((resolve) => idp?.server.close(resolve));
      idp = undefined;
    },
    async run(input) {
      const token = await idp!.sign(input);
      await idp!.verifier.verify(`Bearer ${token}`);
      // The token as bytes, too: a header or signature that is not what jose expects.
      const mangled = text(input)
        .slice(0, 64)
        .replace(/[^A-Za-z0-9_.-]/g, '');
      await idp!.verifier.verify(`Bearer ${token.slice(0, token.length >> 1)}${mangled}${token.slice(token.length >> 1)}`).catch((e: unknown) => {
        if (!(e instanceof HttpError)) throw e;
      });
    },
    accepts: (e) => e instanceof HttpError,
  },
];
