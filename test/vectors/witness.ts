/**
 * The organisation-witness vectors (docs/FORMAT.md §16.2): one file's versions 1–3 made from the access-history
 * vectors' people, randomness and clock, with `org-witness` receipts that are genuine, missing, tampered, signed by
 * another key, registered under another file's line, or registered as the successor of another head. `witness.mts`
 * writes test/vectors/witness.json from `makeWitness`; test/unit/envelope-vectors.test.ts makes them again byte for
 * byte (ECDSA is randomised: the recorded signatures are served back, each checked first), and
 * test/unit/interop.test.ts gives each to our reader and to the independent one, which must agree with the verdicts.
 */
import { createECDH, createHash } from 'node:crypto';
import type { JWK } from 'jose';
import {
  byteSourceOf,
  memorySink,
  policyDigest,
  protect,
  randomAccessOf,
  readEnvelopeHeader,
  rewrapEnvelope,
  type WitnessHook,
} from '../../src/core/envelope/index.js';
import { publicIdentity, type Identity } from '../../src/core/identity.js';
import { certificationKeyId, issueWitnessReceipt, WITNESS_KIND, WITNESS_TYP, type CertificateSigner, type WitnessClaim } from '../../src/core/org/index.js';
import { drbg } from './fixtures.js';
import { historyPeople } from './history.js';

/** The organisation URL every receipt names (`iss`) and a reader is configured with. */
export const WITNESS_ISSUER = 'https://keys.example.com';

/**
 * How a file stands to the head a Double Key decrypt answers (FORMAT §16.1, "The head a decrypt answers"): the same
 * version, an older copy, or a head behind the file (the head's version given), or the refusal.
 */
export type HeadVerdict =
  { readonly relation: 'same' | 'older' | 'behind'; readonly ver: number } | { readonly code: 'E_FORK' } | { readonly code: 'E_WITNESS_INVALID' };

export interface HeadVector {
  readonly name: string;
  readonly description: string;
  /** The envelope the reader holds, hex. */
  readonly envelope: string;
  /** The head's receipt, as a decrypt answers it (`"witness": {"kind": "org-witness", "receipt": …}`). */
  readonly head: string;
  readonly expect: HeadVerdict;
}

/** What a reader concludes: the witnessed versions (oldest first), or the refusal. */
export type WitnessVerdict =
  { readonly witnessed: readonly number[] } | { readonly code: 'E_WITNESS_INVALID' } | { readonly code: 'E_WITNESS_MISSING'; readonly version: number };

export interface WitnessVector {
  readonly name: string;
  readonly description: string;
  /** The envelope, hex. */
  readonly envelope: string;
  /** Its policy digests, version 1 first. */
  readonly history: readonly string[];
  readonly witness: readonly { readonly pd: string; readonly kind: string; readonly value: string }[];
  /** The verdict under `organisation.witness` "required" (the default) and "optional". */
  readonly expect: { readonly required: WitnessVerdict; readonly optional: WitnessVerdict };
}

export interface WitnessVectorFile {
  readonly description: string;
  readonly issuer: string;
  /** The organisation's certification key (EC P-256; `d` included for regeneration) and a key that is not it. */
  readonly organisation: JWK;
  readonly otherKey: JWK;
  /** Every ES256 signature made, in order, b64u `r || s` (ECDSA is randomised: served back to reproduce the bytes). */
  readonly signatures: readonly string[];
  readonly vectors: readonly WitnessVector[];
  /** Heads answered with a decrypt, judged against the file the reader holds. */
  readonly heads: readonly HeadVector[];
}

/** An EC P-256 private JWK derived from `seed` (d = SHA-256 of it; fixed, so the vectors name one organisation key). */
export function seededP256(seed: string): JWK {
  const ecdh = createECDH('prime256v1');
  const d = createHash('sha256').update(`sensitivity test organisation ${seed}`).digest();
  ecdh.setPrivateKey(d);
  const pub = ecdh.getPublicKey();
  const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return { kty: 'EC', crv: 'P-256', x: b64u(pub.subarray(1, 33)), y: b64u(pub.subarray(33, 65)), d: b64u(d) };
}

const publicOf = ({ kty, crv, x, y }: JWK): JsonWebKey => ({ kty: kty!, crv: crv!, x: x!, y: y! });

/**
 * An ES256 signer with `jwk` that records every signature in `made`; given `recorded`, it serves those back in
 * order instead, after checking each verifies over the very input it is served for.
 */
async function recordingSigner(jwk: JWK, made: string[], recorded?: readonly string[]): Promise<CertificateSigner> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' };
  const privateKey = await crypto.subtle.importKey('jwk', jwk as JsonWebKey, algorithm, false, ['sign']);
  const publicKey = await crypto.subtle.importKey('jwk', publicOf(jwk), algorithm, false, ['verify']);
  const ecdsa = { name: 'ECDSA', hash: 'SHA-256' };
  return {
    kid: await certificationKeyId(jwk),
    async sign(data) {
      let signature: Uint8Array<ArrayBuffer>;
      if (recorded) {
        signature = new Uint8Array(Buffer.from(recorded[made.length] ?? '', 'base64url'));
        if (!(await crypto.subtle.verify(ecdsa, publicKey, signature, new Uint8Array(data))))
          throw new Error(`recorded signature ${made.length} does not verify over this input: the vectors changed`);
      } else signature = new Uint8Array(await crypto.subtle.sign(ecdsa, privateKey, new Uint8Array(data)));
      made.push(Buffer.from(signature).toString('base64url'));
      return signature;
    },
  };
}

/** Makes the vectors; with `recorded`, the signatures of test/vectors/witness.json, so the bytes are the same. */
export async function makeWitness(recorded?: readonly string[]): Promise<Omit<WitnessVectorFile, 'description'>> {
  const p: Record<string, Identity> = await historyPeople();
  const organisation = seededP256('organisation');
  const otherKey = seededP256('another organisation');
  const signatures: string[] = [];
  const [org, other] = [await recordingSigner(organisation, signatures, recorded), await recordingSigner(otherKey, signatures, recorded)];
  const now = new Date('2026-01-02T00:00:00.000Z');
  const clock = { now: () => now };
  const claimOf = (v: Parameters<WitnessHook>[0]): WitnessClaim => ({
    line: v.cid,
    pd: v.digest,
    prev: v.ver === 1 ? null : policyDigest(v.lineage.at(-1)!),
    ver: v.ver,
  });
  /** A hook that seals the receipt `sign` makes for the claim `edit` turns the true claim into. */
  const hook =
    (signer: CertificateSigner, edit: (c: WitnessClaim) => WitnessClaim = (c) => c, after: (jws: string) => string = (j) => j): WitnessHook =>
    async (v) => ({ pd: v.digest, kind: WITNESS_KIND, value: after(await issueWitnessReceipt(edit(claimOf(v)), { issuer: WITNESS_ISSUER, signer, now })) });
  const genuine = hook(org);
  /** A hook that seals a receipt signed by the organisation over the payload text `text` gives for the true claim (JSON that JavaScript would not write). */
  const raw =
    (text: (c: WitnessClaim, iat: number) => string): WitnessHook =>
    async (v) => {
      const b64u = (t: string) => Buffer.from(t).toString('base64url');
      const input = `${b64u(JSON.stringify({ alg: 'ES256', typ: WITNESS_TYP, kid: org.kid }))}.${b64u(text(claimOf(v), now.getTime() / 1000))}`;
      return { pd: v.digest, kind: WITNESS_KIND, value: `${input}.${Buffer.from(await org.sign(new TextEncoder().encode(input))).toString('base64url')}` };
    };
  const payload = (c: WitnessClaim, ver: string, iat: string) =>
    `{"iss":${JSON.stringify(WITNESS_ISSUER)},"line":${JSON.stringify(c.line)},"pd":"${c.pd}","prev":"${c.prev}","ver":${ver},"iat":${iat}}`;

  const content = new TextEncoder().encode('the plan, witnessed version by version');
  const made: Record<string, Uint8Array> = {};
  const v1 = async (name: string, witness?: WitnessHook) => {
    const sink = memorySink();
    await protect(byteSourceOf(content), sink, {
      owner: p.alice!,
      label: { id: 'confidential', name: 'Confidential' },
      grants: [{ person: publicIdentity(p.carol!), rights: ['OWNER'] }],
      innerName: 'plan.txt',
      contentType: 'text/plain',
      size: content.length,
      chunkSize: 64,
      random: drbg('sensitivity witness v1'),
      clock: { now: () => new Date('2026-01-01T00:00:00.000Z') },
      ...(witness ? { witness } : {}),
    });
    made[name] = sink.bytes();
  };
  /** `who` makes `change` to `from`; the randomness is the change's (`seed`), so variants that differ only in receipts sign the same policy. */
  const step = async (name: string, from: string, who: Identity, change: Parameters<typeof rewrapEnvelope>[3], seed: string, witness?: WitnessHook) => {
    const sink = memorySink();
    await rewrapEnvelope(randomAccessOf(made[from]!), sink, who, change, {
      random: drbg(`sensitivity witness ${seed}`),
      clock,
      ...(witness ? { witness } : {}),
    });
    made[name] = sink.bytes();
  };
  const grantBob = { grant: [{ person: publicIdentity(p.bob!), rights: ['VIEW' as const, 'VIEWRIGHTSDATA' as const] }] };
  const revokeBob = { revoke: [p.bob!.email] };
  const revokeAlice = { revoke: [p.alice!.email] };
  // The genuine history, with and without receipts: the policies are the same either way (receipts are not in them).
  await v1('v1', genuine);
  await v1('v1-unwitnessed');
  await step('v2', 'v1', p.alice!, grantBob, 'v2', genuine);
  await step('v2-unwitnessed', 'v1-unwitnessed', p.alice!, grantBob, 'v2');
  await step('v2-witnessed-from-2', 'v1-unwitnessed', p.alice!, grantBob, 'v2', genuine);
  /** Alice's genuine version 3 (Bob revoked) built on the witnessed version 2, its receipt made by `witness`. */
  const v3With = (name: string, witness?: WitnessHook) => step(name, 'v2', p.alice!, revokeBob, 'v3', witness);
  await v3With('witnessed', genuine);
  const v3 = (await readEnvelopeHeader(randomAccessOf(made.witnessed!))).history[2]!;
  await step('witnessed-from-2', 'v2-witnessed-from-2', p.alice!, revokeBob, 'v3', genuine);
  await step('unwitnessed', 'v2-unwitnessed', p.alice!, revokeBob, 'v3');
  await v3With('missing');
  await v3With('tampered', hook(org, undefined, tamper));
  await v3With('another-key', hook(other));
  const v2Receipt = (await readEnvelopeHeader(randomAccessOf(made.v2!))).witness.at(-1)!.value;
  await v3With('another-version', async (v) => ({ pd: v.digest, kind: WITNESS_KIND, value: v2Receipt }));
  await v3With(
    'number-forms',
    raw((c, iat) => payload(c, '3.0', `${iat}.0`)),
  );
  await v3With(
    'iat-fraction',
    raw((c, iat) => payload(c, '3', `${iat}.5`)),
  );
  await v3With(
    'ver-string',
    raw((c, iat) => payload(c, '"3"', `${iat}`)),
  );
  // Carol (Co-Owner in version 2) forks it: revokes Alice. The witness, holding version 3, refuses that as the
  // next version of this line; registered under a line it never saw (another file's), it signs.
  await step(
    'another-file',
    'v2',
    p.carol!,
    revokeAlice,
    'fork v3',
    hook(org, (c) => ({ ...c, line: ANOTHER_LINE })),
  );
  // Or she builds a version 4 on her fork and registers it as the successor of the genuine version 3 (the
  // witness sees digests only), dropping the receipts before it.
  await step('fork-v3', 'v2-unwitnessed', p.carol!, revokeAlice, 'fork v3');
  await step(
    'wrong-prev',
    'fork-v3',
    p.carol!,
    revokeBob,
    'fork v4',
    hook(org, (c) => ({ ...c, prev: v3 })),
  );

  const missing = (version: number) => ({ code: 'E_WITNESS_MISSING' as const, version });
  const invalid = { code: 'E_WITNESS_INVALID' as const };
  const cases: [string, string, WitnessVerdict, WitnessVerdict?][] = [
    ['witnessed', 'versions 1–3 each with a genuine receipt', { witnessed: [1, 2, 3] }],
    ['witnessed-from-2', 'version 1 without a receipt (before the workspace named its organisation), 2 and 3 with', { witnessed: [2, 3] }],
    ['unwitnessed', 'no receipt at all (a copy made elsewhere, or every receipt stripped)', missing(3), { witnessed: [] }],
    ['missing', 'receipts for versions 1 and 2, none for version 3', missing(3)],
    ['tampered', "version 3's genuine receipt with its iat changed after signing", invalid],
    ['another-key', "a receipt for version 3 with the right claims, signed by a key that is not the organisation's", invalid],
    ['another-version', "version 2's genuine receipt given as version 3's", invalid],
    ['number-forms', "version 3's receipt written with ver 3.0 and iat …0.0: JSON numbers compare by value", { witnessed: [1, 2, 3] }],
    ['iat-fraction', "version 3's receipt with an iat that is not an integer", invalid],
    ['ver-string', 'version 3\'s receipt with ver the string "3"', invalid],
    ['another-file', "Carol's fork (version 3, Alice revoked) with a genuine receipt registered under another file's line", invalid],
    [
      'wrong-prev',
      "Carol's version 4 on her fork (Bob revoked), its genuine receipt registered as the successor of the genuine version 3; no other receipt",
      invalid,
    ],
  ];
  const vectors: WitnessVector[] = [];
  for (const [name, description, required, optional] of cases) {
    const h = await readEnvelopeHeader(randomAccessOf(made[name]!));
    vectors.push({
      name,
      description,
      envelope: Buffer.from(made[name]!).toString('hex'),
      history: h.history,
      witness: h.witness,
      expect: { required, optional: optional ?? required },
    });
  }
  // The heads a decrypt could answer, each a receipt made above (no signature more): judged against the file held.
  const receipt = async (name: string, ver: number) => {
    const h = await readEnvelopeHeader(randomAccessOf(made[name]!));
    return h.witness.find((e) => e.pd === h.history[ver - 1])!.value;
  };
  const older = (ver: number) => ({ relation: 'older' as const, ver });
  const fork = { code: 'E_FORK' as const };
  const heads: [string, string, string, string, HeadVerdict][] = [
    ['head-same', 'the genuine version 3 held, its own receipt answered', 'witnessed', await receipt('witnessed', 3), { relation: 'same', ver: 3 }],
    [
      'head-number-forms',
      'the genuine version 3 held, its receipt written with ver 3.0 and iat …0.0',
      'witnessed',
      await receipt('number-forms', 3),
      { relation: 'same', ver: 3 },
    ],
    ['head-older', 'the genuine version 2 held (an authentic older copy), the head is version 3', 'v2', await receipt('witnessed', 3), older(3)],
    [
      'head-older-by-two',
      "the genuine version 2 held, the head is a version 4 registered over the genuine 3 (Carol's, from wrong-prev)",
      'v2',
      await receipt('wrong-prev', 4),
      older(4),
    ],
    ['head-next', 'the genuine version 3 held, the head is a version 4 registered over it', 'witnessed', await receipt('wrong-prev', 4), older(4)],
    [
      'head-behind',
      'the genuine version 3 held, the head is version 2 (an administrator reset the line)',
      'witnessed',
      await receipt('v2', 2),
      { relation: 'behind', ver: 2 },
    ],
    [
      'head-fork',
      "Carol's version 3 (a fork of version 2, no receipts) held, the head is the genuine version 3",
      'fork-v3',
      await receipt('witnessed', 3),
      fork,
    ],
    [
      'head-fork-next',
      "Carol's version 3 held, the head is a version 4 registered over the genuine 3, not over hers",
      'fork-v3',
      await receipt('wrong-prev', 4),
      fork,
    ],
    [
      'head-another-key',
      "the genuine version 3 held, the head signed by a key that is not the organisation's",
      'witnessed',
      await receipt('another-key', 3),
      invalid,
    ],
    ['head-another-file', "the genuine version 3 held, the head is another file's line", 'witnessed', await receipt('another-file', 3), invalid],
    ['head-tampered', "the genuine version 3 held, its head's iat changed after signing", 'witnessed', await receipt('tampered', 3), invalid],
  ];
  return {
    issuer: WITNESS_ISSUER,
    organisation,
    otherKey,
    signatures,
    vectors,
    heads: heads.map(([name, description, file, head, expect]) => ({ name, description, envelope: Buffer.from(made[file]!).toString('hex'), head, expect })),
  };
}

/** A content id the witness never saw: the "another file" a fork is registered under. */
const ANOTHER_LINE = Buffer.from('another file 16b').toString('base64url');

/** A receipt with its payload's `iat` moved by one second, header and signature kept. */
function tamper(jws: string): string {
  const [h, payload, s] = jws.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { iat: number };
  return `${h}.${Buffer.from(JSON.stringify({ ...claims, iat: claims.iat + 1 })).toString('base64url')}.${s}`;
}
