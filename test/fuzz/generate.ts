/**
 * Writes the fuzzers' seed corpus (test/fuzz/corpus/<kind>/): valid files of every kind the parsers read,
 * made by the real code from seeded identities, a deterministic random source and a fixed clock, so a
 * rerun writes the same bytes (the audit log and versions file go through the Node adapters).
 * Run: node --import tsx test/fuzz/generate.ts
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportIdentity, publicIdentity } from '../../src/core/index.js';
import { byteSourceOf, memorySink, policyDigest, protect, rewrapEnvelope, type ProtectOptions } from '../../src/core/envelope/index.js';
import { ByteReader } from '../../src/core/envelope/io.js';
import { readHeader, readWriteBlock, chunkCountOf } from '../../src/core/envelope/format.js';
import { jwsParts } from '../../src/core/envelope/jws.js';
import { addPerson, EMPTY_PEOPLE, serializePeople } from '../../src/core/people.js';
import { EMPTY_PINS, pinIn, serializePins } from '../../src/core/pins.js';
import { EMPTY_MANIFEST, serializeManifest, setLabel } from '../../src/core/labels/manifest.js';
import { DEFAULT_POLICY } from '../../src/core/policy/index.js';
import { BUILTIN_ROLES } from '../../src/core/rights.js';
import { appendAuditEvents } from '../../src/node/audit-log.js';
import { homeVersionMemory, versionsPath } from '../../src/node/versions.js';
import { drbg } from '../vectors/fixtures.js';
import { CORPUS, people } from './seeds.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const clock = { now: () => T0 };
const te = new TextEncoder();

function put(kind: string, name: string, bytes: Uint8Array | string): void {
  mkdirSync(join(CORPUS, kind), { recursive: true });
  writeFileSync(join(CORPUS, kind, name), bytes);
}

async function envelopes(): Promise<void> {
  const { alice, bob, carol } = await people();
  const label = { id: 'confidential', name: 'Confidential' };
  const seal = async (name: string, data: Uint8Array, o: Partial<ProtectOptions> = {}): Promise<Uint8Array> => {
    const sink = memorySink();
    await protect(byteSourceOf(data), sink, { owner: alice, label, innerName: 'plan.txt', clock, random: drbg(name), ...o, size: data.length });
    put('envelope', `${name}.protected`, sink.bytes());
    return sink.bytes();
  };
  const rewrap = async (name: string, env: Uint8Array, change: Parameters<typeof rewrapEnvelope>[3]): Promise<Uint8Array> => {
    const sink = memorySink();
    await rewrapEnvelope(byteSourceOf(env), sink, alice, change, { clock, random: drbg(name) });
    put('envelope', `${name}.protected`, sink.bytes());
    return sink.bytes();
  };
  await seal('empty', new Uint8Array(0));
  await seal('small', te.encode('the plan\n'));
  // Several chunks (64-byte chunks), a Viewer and an expiry.
  const multi = await seal('multi-chunk', te.encode('a line of the plan\n'.repeat(20)), {
    chunkSize: 64,
    grants: [{ person: publicIdentity(bob), rights: BUILTIN_ROLES.Viewer! }],
    expires: new Date('2027-01-01T00:00:00Z'),
  });
  // A lineage: a grant (same file key), then a revoke (a new one).
  const granted = await rewrap('granted', multi, { grant: [{ person: publicIdentity(carol), rights: BUILTIN_ROLES['Co-Owner']! }] });
  const revoked = await rewrap('revoked', granted, { revoke: [bob.email] });
  // Policy claims, lineages and write claims, for the fuzzers that sign what they mutate.
  const reader = new ByteReader(byteSourceOf(revoked));
  const raw = await readHeader(reader);
  const block = await readWriteBlock(reader, chunkCountOf(raw.plaintextLength, raw.chunkSize));
  const payload = (jws: string) => JSON.stringify(jwsParts(jws, 'seed').payload);
  const chain = [...(raw.metadata.lineage ?? []), raw.metadata.policy];
  chain.forEach((jws, i) => put('policy-claims', `version-${i + 1}.json`, payload(jws)));
  put('lineage', 'three-versions.txt', chain.map(payload).join('\n'));
  // Registrations at the organisation's witness: the claim and its policies (docs/KEY-SERVICE.md, "The witness").
  const { cid } = jwsParts(raw.metadata.policy, 'seed').payload as { cid: string };
  chain.forEach((jws, i) => {
    const before = i === 0 ? null : chain[i - 1]!;
    const body = { line: cid, pd: policyDigest(jws), prev: before && policyDigest(before), ver: i + 1, policy: jws, prevPolicy: before };
    put('witness-body', `version-${i + 1}.json`, JSON.stringify(body));
  });
  put('write-claims', 'revoked.json', payload(block.signature));
  put('metadata', 'revoked.json', new TextDecoder().decode(raw.bytes.subarray(90, raw.bytes.length - 32)));
}

async function workspaceFiles(): Promise<void> {
  const { alice, bob, carol } = await people();
  const dir = [alice, bob, carol].reduce((d, p) => addPerson(d, publicIdentity(p)), EMPTY_PEOPLE);
  put('people', 'three.json', serializePeople(dir));
  put('people', 'empty.json', serializePeople(EMPTY_PEOPLE));
  const pins = [alice, bob].reduce((b, p) => pinIn(b, publicIdentity(p)).book, EMPTY_PINS);
  put('pins', 'two.json', serializePins(pins));
  put('identity', 'alice.json', JSON.stringify(publicIdentity(alice), null, 2));
  put('identity', 'bob.json', JSON.stringify(publicIdentity(bob)));
  put('identity-file', 'alice.identity', await exportIdentity(alice, 'correct horse battery staple'));
  let manifest = EMPTY_MANIFEST;
  const actor = { id: alice.id, email: alice.email, name: alice.name };
  manifest = setLabel(manifest, 'docs/plan.md', 'Confidential/All Employees', actor, { policy: DEFAULT_POLICY, now: T0 }).manifest;
  manifest = setLabel(manifest, 'README.md', 'Public', actor, { policy: DEFAULT_POLICY, now: T0 }).manifest;
  put('labels', 'one.json', serializeManifest(manifest));
  put('policy', 'default.json', JSON.stringify(DEFAULT_POLICY, null, 2));
  const tmp = mkdtempSync(join(tmpdir(), 'sensitivity-fuzz-seed-'));
  try {
    const memory = homeVersionMemory(tmp);
    const d = (c: string) => c.repeat(43);
    const signer = { id: alice.id, email: alice.email };
    await memory.remember(`cid-1.${d('a')}`, { history: [d('b'), d('c'), d('d')], signer });
    await memory.remember(`cid-2.${d('e')}`, { history: [d('f')], signer });
    put('versions', 'two.json', readFileSync(versionsPath(tmp)));
    await memory.rememberOrganisationHead(`cid-1.${d('a')}`, { ver: 4, pd: d('g'), iat: 1_700_000_000 });
    put('versions', 'with-witness.json', readFileSync(versionsPath(tmp)));
    const log = join(tmp, 'audit.log');
    const actor = { id: alice.id, email: alice.email };
    await appendAuditEvents(
      log,
      [
        { action: 'protect', actor, file: 'plan.txt.protected', label: 'confidential' },
        { action: 'grant', actor, file: 'plan.txt.protected', grantee: bob.email, role: 'Viewer' },
        { action: 'open', actor: null, file: 'plan.txt.protected' },
      ],
      T0,
    );
    put('audit', 'three.log', readFileSync(log));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function keyService(): void {
  put(
    'decrypt-body',
    'full.json',
    JSON.stringify({ alg: 'RSA-OAEP-256', value: Buffer.alloc(384, 7).toString('base64'), contentId: 'c-1', label: 'confidential' }),
  );
  put('decrypt-body', 'minimal.json', JSON.stringify({ alg: 'RSA-OAEP-256', value: Buffer.alloc(384, 9).toString('base64') }));
  const exp = Math.floor(T0.getTime() / 1000) + 3600;
  put(
    'token-claims',
    'bob.json',
    JSON.stringify({
      iss: 'ISSUER',
      aud: 'urn:sensitivity:key-service',
      sub: 'bob',
      email: 'bob@example.com',
      email_verified: true,
      groups: ['staff', 'engineering'],
      exp,
      iat: exp - 60,
    }),
  );
  put(
    'token-claims',
    'admin.json',
    JSON.stringify({ iss: 'ISSUER', aud: 'urn:sensitivity:key-service', sub: 'admin', email: 'Admin@Example.com', roles: ['keys'], exp }),
  );
}

async function main(): Promise<void> {
  rmSync(CORPUS, { recursive: true, force: true });
  await envelopes();
  await workspaceFiles();
  keyService();
  console.log(`seed corpus written to ${CORPUS}`);
}

void main();
