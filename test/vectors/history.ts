/**
 * The access-history vectors (docs/FORMAT.md §14.4, §16): one file's versions 1–3, made from fixed identities,
 * randomness and clock, version 3 carrying a witness receipt, and a fork of version 2. `history.mts` writes
 * test/vectors/history.json from `makeHistory`; test/unit/history-vectors.test.ts makes them again and
 * compares byte for byte, and checks each stated relation with our reader and the independent one.
 */
import { byteSourceOf, memorySink, protect, rewrapEnvelope, randomAccessOf, type EnvelopeInfo } from '../../src/core/envelope/index.js';
import { publicIdentity, type Identity } from '../../src/core/identity.js';
import { drbg, seededIdentity } from './fixtures.js';

export interface HistoryVectorFile {
  readonly description: string;
  /** Every envelope, hex, by name. */
  readonly envelopes: Readonly<Record<string, string>>;
  /** Each envelope's `history` (b64u policy digests, version 1 first). */
  readonly histories: Readonly<Record<string, readonly string[]>>;
  /** How each envelope's history stands to the head of another's (`relate(head, history)`). */
  readonly relations: readonly { readonly head: string; readonly history: string; readonly relation: string }[];
  readonly witness: readonly { readonly pd: string; readonly kind: string; readonly value: string }[];
}

export const HISTORY_PEOPLE = ['alice', 'bob', 'carol'] as const;

/** The people of the vectors: Alice owns, Bob is granted then revoked, Carol is a Co-Owner who forks. */
export async function historyPeople(): Promise<Record<(typeof HISTORY_PEOPLE)[number], Identity>> {
  return {
    alice: await seededIdentity('Alice Owner', 'alice@example.com'),
    bob: await seededIdentity('Bob Viewer', 'bob@example.com'),
    carol: await seededIdentity('Carol Co-Owner', 'carol@example.com'),
  };
}

/** Makes the vectors: v1 (protect), v2 (grant Bob), v3 (revoke Bob, with a receipt), fork (Carol revokes Alice on v2). */
export async function makeHistory(): Promise<{ envelopes: Record<string, Uint8Array>; infos: Record<string, EnvelopeInfo> }> {
  const p = await historyPeople();
  const clock = (iso: string) => ({ now: () => new Date(iso) });
  const content = new TextEncoder().encode('the plan, version by version');
  const out: Record<string, Uint8Array> = {};
  const infos: Record<string, EnvelopeInfo> = {};
  const v1 = memorySink();
  infos.v1 = await protect(byteSourceOf(content), v1, {
    owner: p.alice,
    label: { id: 'confidential', name: 'Confidential' },
    grants: [{ person: publicIdentity(p.carol), rights: ['OWNER'] }],
    innerName: 'plan.txt',
    contentType: 'text/plain',
    size: content.length,
    chunkSize: 64,
    random: drbg('sensitivity history v1'),
    clock: clock('2026-01-01T00:00:00.000Z'),
  });
  out.v1 = v1.bytes();
  const step = async (name: string, from: string, who: Identity, change: Parameters<typeof rewrapEnvelope>[3], receipt?: string) => {
    const sink = memorySink();
    infos[name] = await rewrapEnvelope(randomAccessOf(out[from]!), sink, who, change, {
      random: drbg(`sensitivity history ${name}`),
      clock: clock('2026-01-02T00:00:00.000Z'),
      ...(receipt ? { witness: async (v) => ({ pd: v.digest, kind: 'example', value: `${receipt} ${v.ver}` }) } : {}),
    });
    out[name] = sink.bytes();
  };
  await step('v2', 'v1', p.alice, { grant: [{ person: publicIdentity(p.bob), rights: ['VIEW', 'VIEWRIGHTSDATA'] }] });
  await step('v3', 'v2', p.alice, { revoke: [p.bob.email] }, 'an example receipt for version');
  await step('fork', 'v2', p.carol, { revoke: [p.alice.email] });
  return { envelopes: out, infos };
}
