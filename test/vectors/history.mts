/**
 * Writes test/vectors/history.json (docs/FORMAT.md §14.4, §16). Run only when the format changes on purpose
 * (`node --import tsx test/vectors/history.mts`), then review the diff.
 */
import { writeFileSync } from 'node:fs';
import { relate } from '../../src/core/app/index.js';
import { bytesToHex } from './fixtures.js';
import { makeHistory, type HistoryVectorFile } from './history.js';

const { envelopes, infos } = await makeHistory();
const names = Object.keys(envelopes);
const head = (n: string) => ({ history: infos[n]!.history, signer: { id: infos[n]!.policy.owner.id, email: infos[n]!.policy.owner.email } });
const file: HistoryVectorFile = {
  description:
    'One file: v1 (Alice protects, Carol Co-Owner), v2 (Alice grants Bob), v3 (Alice revokes Bob; a witness receipt for v3), fork (Carol revokes Alice on v2). Identities: test/vectors/fixtures.ts seededIdentity; randomness: drbg("sensitivity history <name>").',
  envelopes: Object.fromEntries(names.map((n) => [n, bytesToHex(envelopes[n]!)])),
  histories: Object.fromEntries(names.map((n) => [n, infos[n]!.history])),
  relations: names.flatMap((h) => names.map((n) => ({ head: h, history: n, relation: relate(head(h), infos[n]!.history) }))),
  witness: infos.v3!.witness,
};
writeFileSync('test/vectors/history.json', JSON.stringify(file, null, 2) + '\n');
