/**
 * Interoperability with an independent implementation: test/interop/open_envelope.py, written from
 * docs/FORMAT.md on Debian's python3-jwcrypto 1.1 (JWS, JWE) and python3-cryptography (the rest), verifies
 * the policy JWS with the owner's public JWK, unwraps a grantee's slot with the grantee's private JWK, and
 * must find the very file key the TypeScript side used, then decrypt the body to the same plaintext.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { judgeWitnessHead, judgeWitnessReceipts } from '../../src/core/app/index.js';
import { byteSourceOf, memorySink, policyDigest, protect, randomAccessOf, readEnvelopeHeader } from '../../src/core/envelope/index.js';
import { SensitivityError } from '../../src/core/errors.js';
import { asFormat1, forgedNext, format1Policy, headerOf } from './history-fixtures.js';
import { createIdentity, publicIdentity, type Identity } from '../../src/core/identity.js';
import { bytesToHex, drbg, hexToBytes, partsOf, reseal } from '../vectors/fixtures.js';
import type { DoubleKeyVectorFile } from '../vectors/double-key-vectors.js';
import { historyPeople, type HistoryVectorFile } from '../vectors/history.js';
import type { VectorFile } from '../vectors/vectors.js';
import type { HeadVerdict, WitnessVerdict, WitnessVectorFile } from '../vectors/witness.js';

const SCRIPT = 'test/interop/open_envelope.py';

/** The first Python that has jwcrypto and cryptography (Debian's /usr/bin/python3 first: pyenv shims may lack them). */
function findPython(): string {
  const candidates = [process.env.SENSITIVITY_PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);
  for (const p of candidates) {
    if (spawnSync(p, ['-c', 'import jwcrypto, cryptography'], { stdio: 'ignore' }).status === 0) return p;
  }
  throw new Error('no python3 with jwcrypto and cryptography: install python3-jwcrypto (Debian) or set SENSITIVITY_PYTHON');
}

interface PyResult {
  readonly status: number | null;
  readonly stderr: string;
  readonly out?:
    | {
        fileKey: string;
        policy: unknown;
        plaintext: string;
        jwsHeader: Record<string, unknown>;
        jweHeader: Record<string, unknown>;
        versions: (number | null)[];
        writer: string | null;
        history: string[];
        standing: string;
        witnessed: number[];
        head?: { relation: 'same' | 'older' | 'behind'; ver: number };
        personal?: string;
        organisation?: string;
      }
    | undefined;
}

describe('interop with python3-jwcrypto', () => {
  let python: string;
  let dir: string;
  let n = 0;
  before(() => {
    python = findPython();
    dir = mkdtempSync(join(tmpdir(), 'sensitivity-interop-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function run(
    envelope: Uint8Array,
    ownerPublic: Identity['sig'],
    granteePrivate: Identity['encPrivate'],
    servicePrivate?: Record<string, string>,
    flags: readonly string[] = [],
  ): PyResult {
    const file = join(dir, `e${n++}.protected`);
    writeFileSync(file, envelope);
    const { kty, crv, x } = ownerPublic;
    const r = spawnSync(
      python,
      [
        SCRIPT,
        file,
        JSON.stringify({ kty, crv, x }),
        JSON.stringify({ kty: granteePrivate.kty, crv: granteePrivate.crv, x: granteePrivate.x, d: granteePrivate.d }),
        ...(servicePrivate ? [JSON.stringify(servicePrivate)] : []),
        ...flags,
      ],
      { encoding: 'utf8' },
    );
    return { status: r.status, stderr: r.stderr, ...(r.status === 0 ? { out: JSON.parse(r.stdout) as PyResult['out'] } : {}) };
  }

  for (const version of [1, 2]) {
    it(`opens every format-${version} test vector for every grantee, finding the vector's file key, lineage and writer`, async () => {
      const file = JSON.parse(readFileSync(`test/vectors/envelope-v${version}.json`, 'utf8')) as VectorFile;
      const byId = new Map(Object.values(file.identities).map((p) => [p.id, p]));
      for (const v of file.vectors) {
        const envelope = hexToBytes(v.expect.envelope);
        const header = await readEnvelopeHeader(byteSourceOf(envelope));
        const owner = byId.get((header.lineage[0] ?? header.policy).owner.id)!;
        for (const g of header.policy.grants) {
          const r = run(envelope, owner.sig, byId.get(g.id)!.encPrivate);
          assert.equal(r.status, 0, `${v.name}/${g.email}: ${r.stderr}`);
          assert.equal(r.out!.fileKey, v.expect.fileKey, `${v.name}/${g.email}`);
          assert.deepEqual(r.out!.policy, header.policy);
          assert.deepEqual(r.out!.jwsHeader, { alg: 'EdDSA', typ: 'sensitivity-policy+json', kid: header.policy.owner.sig.kid });
          assert.deepEqual(r.out!.versions, version === 1 ? [null] : [...header.lineage, header.policy].map((p) => p.ver));
          assert.equal(r.out!.writer, header.lastWrite?.id ?? null);
          assert.equal(r.out!.jweHeader.alg, 'ECDH-ES+A256KW');
          assert.equal(r.out!.jweHeader.enc, 'A256GCM');
        }
      }
    });
  }

  it('judges the access-history vectors as FORMAT.md says: each relation to a seen head, the fork refused, the receipt checked', async () => {
    const file = JSON.parse(readFileSync('test/vectors/history.json', 'utf8')) as HistoryVectorFile;
    const { alice, carol } = await historyPeople();
    for (const r of file.relations) {
      const out = run(hexToBytes(file.envelopes[r.history]!), alice.sig, carol.encPrivate, undefined, ['--seen', JSON.stringify(file.histories[r.head])]);
      if (r.relation === 'fork') assert.match(out.stderr, /fork/, `${r.head} → ${r.history}`);
      else assert.equal(out.out?.standing, r.relation, `${r.head} → ${r.history}: ${out.stderr}`);
    }
  });

  it('judges every organisation-witness vector as our reader does: the same verdict, under "required" and "optional" (FORMAT.md §16.2)', async () => {
    const file = JSON.parse(readFileSync('test/vectors/witness.json', 'utf8')) as WitnessVectorFile;
    const { alice, carol } = await historyPeople();
    const { kty, crv, x, y } = file.organisation;
    const key = { kty: kty as 'EC', crv: crv as 'P-256', x: x!, y: y! };
    for (const v of file.vectors) {
      const envelope = hexToBytes(v.envelope);
      const header = await readEnvelopeHeader(randomAccessOf(envelope));
      for (const mode of ['required', 'optional'] as const) {
        const ours: WitnessVerdict = await judgeWitnessReceipts(
          header,
          { url: file.issuer, key },
          { unwitnessed: mode === 'optional' ? 'accept' : 'refuse' },
        ).then(
          (witnessed) => ({ witnessed }),
          (e: unknown) => {
            if (!(e instanceof SensitivityError)) throw e;
            return e.code === 'E_WITNESS_MISSING' ? { code: e.code, version: e.details.version as number } : { code: e.code as 'E_WITNESS_INVALID' };
          },
        );
        assert.deepEqual(ours, v.expect[mode], `${v.name} (${mode}), our reader`);
        const flags = ['--witness-key', JSON.stringify(key), '--witness-issuer', file.issuer, ...(mode === 'optional' ? ['--witness-optional'] : [])];
        const py = run(envelope, alice.sig, carol.encPrivate, undefined, flags);
        const [, code, version] = /\[(E_WITNESS_\w+)\]: (?:version (\d+):)?/.exec(py.stderr) ?? [];
        const theirs: WitnessVerdict =
          py.status === 0
            ? { witnessed: py.out!.witnessed }
            : code === 'E_WITNESS_MISSING'
              ? { code, version: Number(version) }
              : { code: (code ?? py.stderr) as 'E_WITNESS_INVALID' };
        assert.deepEqual(theirs, v.expect[mode], `${v.name} (${mode}), the independent reader: ${py.stderr}`);
        if (py.status === 0) assert.equal(Buffer.from(py.out!.plaintext, 'hex').toString(), 'the plan, witnessed version by version');
      }
    }
    // Without the witness's key, the independent reader judges no receipt: every vector opens (none is corrupt otherwise).
    for (const v of file.vectors) assert.equal(run(hexToBytes(v.envelope), alice.sig, carol.encPrivate).status, 0, v.name);
  });

  it('judges every head a decrypt could answer as our reader does: same, older, behind, or the refusal (FORMAT.md §16.1, §16.2)', async () => {
    const file = JSON.parse(readFileSync('test/vectors/witness.json', 'utf8')) as WitnessVectorFile;
    const { alice, carol } = await historyPeople();
    const { kty, crv, x, y } = file.organisation;
    const key = { kty: kty as 'EC', crv: crv as 'P-256', x: x!, y: y! };
    assert.ok(file.heads.length >= 10);
    for (const v of file.heads) {
      const envelope = hexToBytes(v.envelope);
      const header = await readEnvelopeHeader(randomAccessOf(envelope));
      const ours: HeadVerdict = await judgeWitnessHead(header, { url: file.issuer, key }, v.head).then(
        ({ relation, head }) =>
          relation === 'fork' ? { code: 'E_FORK' } : relation === 'downgrade' ? assert.fail(`${v.name}: a downgrade`) : { relation, ver: head.ver },
        (e: unknown) => {
          if (!(e instanceof SensitivityError)) throw e;
          return { code: e.code as 'E_WITNESS_INVALID' };
        },
      );
      assert.deepEqual(ours, v.expect, `${v.name}, our reader`);
      // Optional: the forks held carry no receipt of their own; the head is judged after the receipts.
      const flags = ['--witness-key', JSON.stringify(key), '--witness-issuer', file.issuer, '--witness-optional', '--witness-head', v.head];
      const py = run(envelope, alice.sig, carol.encPrivate, undefined, flags);
      const code = /\[(E_\w+)\]/.exec(py.stderr)?.[1];
      const theirs = py.status === 0 ? py.out!.head : { code: code ?? py.stderr };
      assert.deepEqual(theirs, v.expect, `${v.name}, the independent reader: ${py.stderr}`);
    }
  });

  it("opens every Double Key vector for every grantee with the key service's private key (RSA-OAEP-256, OAEP label), finding both halves", async () => {
    const file = JSON.parse(readFileSync('test/vectors/double-key.json', 'utf8')) as DoubleKeyVectorFile;
    const byId = new Map(Object.values(file.identities).map((p) => [p.id, p]));
    const keys = Object.values(file.keyService).flat();
    for (const v of file.vectors) {
      const envelope = hexToBytes(v.expect.envelope);
      const header = await readEnvelopeHeader(byteSourceOf(envelope));
      const service = keys.find((k) => k.kid === header.policy.dk!.kid)!;
      const owner = byId.get(header.policy.owner.id)!;
      for (const g of header.policy.grants) {
        const r = run(envelope, owner.sig, byId.get(g.id)!.encPrivate, service.privateJwk);
        assert.equal(r.status, 0, `${v.name}/${g.email}: ${r.stderr}`);
        assert.equal(r.out!.fileKey, v.expect.fileKey, `${v.name}/${g.email}`);
        assert.equal(r.out!.personal, v.halves.personal);
        assert.equal(r.out!.organisation, v.halves.organisation);
      }
      // Without the service's key, or with another version's, the independent reader cannot open it either.
      const grantee = byId.get(header.policy.grants[0]!.id)!;
      assert.match(run(envelope, owner.sig, grantee.encPrivate).stderr, /private key is needed/);
      const other = keys.find((k) => k.kid !== service.kid)!;
      assert.notEqual(run(envelope, owner.sig, grantee.encPrivate, other.privateJwk).status, 0);
    }
  });

  describe('a fresh multi-chunk envelope', () => {
    let alice: Identity, bob: Identity, eve: Identity;
    let envelope: Uint8Array;
    let fileKey: string;
    const data = new TextEncoder().encode('interop '.repeat(40000)); // 320 kB: five 64 KiB chunks

    before(async () => {
      [alice, bob, eve] = await Promise.all([
        createIdentity('Alice', 'alice@example.com'),
        createIdentity('Bob', 'bob@example.com'),
        createIdentity('Eve', 'eve@example.com'),
      ]);
      const random = drbg(`interop ${Date.now()}`);
      const sink = memorySink();
      await protect(byteSourceOf(data), sink, {
        owner: alice,
        label: { id: 'c', name: 'Confidential' },
        grants: [{ person: publicIdentity(bob), rights: ['VIEW'] }],
        innerName: 'i.txt',
        size: data.length,
        chunkSize: 64 * 1024,
        random,
      });
      envelope = sink.bytes();
      fileKey = bytesToHex(random.served().subarray(0, 32)); // the first 32 random bytes are the file key (FORMAT.md §Randomness)
    });

    it("the grantee's slot unwraps to the file key the envelope uses, and the body decrypts", () => {
      const r = run(envelope, alice.sig, bob.encPrivate);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.out!.fileKey, fileKey);
      assert.equal(r.out!.plaintext, bytesToHex(data));
    });

    it('the independent side refuses a body rewritten by a Viewer, and one whose chunk does not match its digest', async () => {
      const fileKeyBytes = hexToBytes(fileKey);
      const byViewer = await reseal(envelope, fileKeyBytes, (m) => m, bob);
      assert.match(run(byViewer, alice.sig, bob.encPrivate).stderr, /not granted EDIT/);
      const { headerLength } = partsOf(envelope, 64 * 1024);
      const swapped = envelope.slice();
      swapped[headerLength]! ^= 1; // first chunk: checked against its signed digest before decryption
      assert.match(run(swapped, alice.sig, bob.encPrivate).stderr, /chunk 0 does not match its signed digest/);
    });

    it('the independent side enforces history: a format-1 re-emit, a jump in versions, a fork of a seen head, a receipt naming no version', async () => {
      const te = new TextEncoder();
      const { claims, metadata } = await headerOf(envelope);
      assert.match(run(await asFormat1(envelope, bob, te.encode('by bob')), alice.sig, bob.encPrivate).stderr, /downgrade: a format-2 policy/);
      const formerV1 = await asFormat1(envelope, bob, te.encode('by bob'), await format1Policy(envelope, alice));
      assert.equal(run(formerV1, alice.sig, bob.encPrivate).status, 0, 'a format-1 file nobody saw in format 2 still reads');
      assert.match(
        run(formerV1, alice.sig, bob.encPrivate, undefined, ['--seen-cid', claims.cid]).stderr,
        /downgrade: a format-1 envelope with a content id seen/,
      );
      assert.match(run(await forgedNext(envelope, alice, 5), alice.sig, bob.encPrivate).stderr, /not the one before plus one/);
      const [a, b] = await Promise.all(['A', 'B'].map((n) => forgedNext(envelope, alice, 2, (p) => ({ ...p, label: { id: 'c', name: n } }))));
      const seen = run(a!, alice.sig, bob.encPrivate);
      assert.equal(seen.status, 0, seen.stderr);
      assert.deepEqual(seen.out!.history, [policyDigest(metadata.policy), (await readEnvelopeHeader(randomAccessOf(a!))).history[1]]);
      const asSeen = ['--seen', JSON.stringify(seen.out!.history)];
      assert.match(run(b!, alice.sig, bob.encPrivate, undefined, asSeen).stderr, /fork/);
      assert.equal(run(envelope, alice.sig, bob.encPrivate, undefined, asSeen).out?.standing, 'older');
      assert.equal(run(a!, alice.sig, bob.encPrivate, undefined, asSeen).out?.standing, 'same');
      const receipt = (pd: string) => reseal(envelope, hexToBytes(fileKey), (m) => ({ ...m, witness: [{ pd, kind: 'test', value: 'receipt' }] }), alice);
      assert.equal(run(await receipt(policyDigest(metadata.policy)), alice.sig, bob.encPrivate).status, 0);
      assert.match(run(await receipt('A'.repeat(43)), alice.sig, bob.encPrivate).stderr, /witness: a receipt names no version/);
    });

    it('the independent side really checks: wrong owner key, non-grantee key, tampered MAC all fail', () => {
      assert.match(run(envelope, eve.sig, bob.encPrivate).stderr, /InvalidJWSSignature|Verification failed/i);
      assert.match(run(envelope, alice.sig, eve.encPrivate).stderr, /no slot/);
      const tampered = envelope.slice();
      const metaLength = new DataView(tampered.buffer).getUint32(86);
      tampered[90 + metaLength]! ^= 1;
      assert.match(run(tampered, alice.sig, bob.encPrivate).stderr, /header MAC mismatch/);
    });
  });
});
